package io.skein.engine;

import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.AggregateDefinition.Binding;
import io.skein.aggregate.AggregateDefinition.Kind;
import io.skein.aggregate.CommandContext;
import io.skein.codecs.CommandEnvelopeDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.engine.AggregateRuntime.AggregateRecord;
import io.skein.journal.JournalWatch;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;

/**
 * The decision path: decides one command at a time, in the order the design fixes: input checks, idempotency,
 * expected version, handler, entry size, apply, append. Owned by the single writer (or by an {@link EngineCore}); it
 * is the {@link CommandContext} its handlers see, so a command costs no allocation.
 * <p>
 * Events are encoded by the handlers straight into the journal entry being built ({@link EntryBuilder}), the reply
 * payload straight into the reply being built ({@link ReplyBuilder}). An accepted entry changes state only through
 * the {@link EntryApplier}, the same code that applies the journal on recovery; the state is the {@link EngineState}.
 * <p>
 * Somewhat over 600 lines, on purpose: the ordered checks of one command, the {@link CommandContext} its handler
 * sees and the reply of each outcome are one decision, and read best in one place.
 */
final class CommandExecutor implements CommandContext
{
    static final long NO_BATCH_TIME = Long.MIN_VALUE;

    private final EngineState state;
    private final EntryApplier applier;
    private final EpochNanoClock clock;
    private final EngineCounters counters;
    private final ErrorHandler errorHandler;
    private final int maxEntryLength;
    private final EntryAppender appender;
    private final EntryBuilder entry;
    private final ReplyBuilder reply;
    private final UnsafeBuffer commandView = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final CommandEnvelopeDecoder envelopeDecoder = new CommandEnvelopeDecoder();
    private JournalWatch storageWatch;

    private long batchTimestampNs = NO_BATCH_TIME;
    private long logPosition = SkeinProtocol.NULL_POSITION;
    private String failure;
    private boolean follower;

    private AggregateRuntime<Object> runtime;
    private AggregateRecord<Object> record;
    private int typeId;
    private long aggregateId;
    private long correlationId;
    private long causationId;
    private long expectedVersion;
    private long timestampNs;
    private boolean inCommand;
    private boolean rejected;
    private int rejectCode;
    private CharSequence rejectMessage;
    private long entryPosition;
    private final TouchedAggregates touched = new TouchedAggregates();
    private boolean conflicted;
    private int conflictTypeId;
    private long conflictAggregateId;
    private long conflictExpected;
    private long conflictActual;

    CommandExecutor(
        final EngineState state,
        final EpochNanoClock clock,
        final EngineCounters counters,
        final ErrorHandler errorHandler,
        final int maxEntryLength,
        final int maxReplyLength,
        final EntryAppender appender)
    {
        this.state = state;
        this.applier = new EntryApplier(state);
        this.clock = clock;
        this.counters = counters;
        this.errorHandler = errorHandler;
        this.maxEntryLength = maxEntryLength;
        this.appender = appender;
        this.entry = new EntryBuilder(maxEntryLength);
        this.reply = new ReplyBuilder(maxReplyLength);
    }

    /**
     * Decide one command and write its reply (and, if accepted with events, its journal entry).
     *
     * @param buffer holding the command: envelope followed by the domain command.
     * @param offset of the command.
     * @param length of the command.
     * @return the length of the reply now in {@link #replyBuffer()}.
     */
    int execute(final DirectBuffer buffer, final int offset, final int length)
    {
        resetCommand();
        counters.commands().incrementRelease();
        if (length < SkeinProtocol.ENVELOPE_LENGTH)
        {
            return rejectInput(RejectReason.TRUNCATED, "command is shorter than the envelope");
        }
        commandView.wrap(buffer, offset, length);
        if (!decodeEnvelope(commandView, length))
        {
            return reply.length();
        }
        if (null != failure)
        {
            return rejectInput(RejectReason.UNAVAILABLE, failure);
        }

        runtime = state.runtime(typeId);
        if (null == runtime)
        {
            return rejectInput(RejectReason.UNKNOWN_AGGREGATE_TYPE, "no aggregate type is registered with this id");
        }
        final AggregateDefinition<Object> definition = runtime.definition();
        final int domainOffset = SkeinProtocol.HEADER_LENGTH + headerDecoder.blockLength();
        if (length - domainOffset < SkeinProtocol.HEADER_LENGTH)
        {
            return rejectInput(RejectReason.TRUNCATED, "no domain command follows the envelope");
        }
        headerDecoder.wrap(commandView, domainOffset);
        if (headerDecoder.schemaId() != definition.schemaId())
        {
            return rejectInput(RejectReason.WRONG_SCHEMA_ID, "command schema id does not match the aggregate type");
        }
        final int version = headerDecoder.version();
        if (version > definition.schemaVersion() || version < 0)
        {
            return rejectInput(RejectReason.WRONG_SCHEMA_VERSION, "command schema version is newer than the engine's");
        }
        final Binding<Object> binding = definition.binding(headerDecoder.templateId());
        if (null == binding || binding.kind() == Kind.EVENT)
        {
            return rejectInput(RejectReason.UNKNOWN_TEMPLATE, "the aggregate type has no handler for this template");
        }
        final int blockLength = headerDecoder.blockLength();
        final int bodyOffset = domainOffset + SkeinProtocol.HEADER_LENGTH;
        if (bodyOffset + blockLength > length)
        {
            return rejectInput(RejectReason.TRUNCATED, "command is shorter than its block length");
        }
        if (expectedVersion < SkeinProtocol.ANY_VERSION)
        {
            return rejectInput(RejectReason.MALFORMED, "expected version must be -1 (any), 0 (new) or positive");
        }

        if (binding.kind() == Kind.QUERY)
        {
            return runQuery(binding, bodyOffset, blockLength, version);
        }
        if (follower)
        {
            return rejectInput(RejectReason.UNAVAILABLE, "this node is a follower: send commands to the leader");
        }
        return runCommand(binding, bodyOffset, blockLength, version);
    }

    /**
     * Refuse a command without running it (too large for a ring slot, or the engine is shutting down), echoing what
     * can be read of its envelope.
     *
     * @param buffer     holding the start of the command.
     * @param offset     of the command.
     * @param keptLength bytes of the command available.
     * @param reason     for the refusal.
     * @param message    readable reason.
     * @return the length of the reply now in {@link #replyBuffer()}.
     */
    int refuse(
        final DirectBuffer buffer,
        final int offset,
        final int keptLength,
        final RejectReason reason,
        final CharSequence message)
    {
        resetCommand();
        counters.commands().incrementRelease();
        if (keptLength >= SkeinProtocol.ENVELOPE_LENGTH)
        {
            commandView.wrap(buffer, offset, keptLength);
            headerDecoder.wrap(commandView, 0);
            if (headerDecoder.schemaId() == SkeinProtocol.SCHEMA_ID &&
                headerDecoder.templateId() == CommandEnvelopeDecoder.TEMPLATE_ID)
            {
                envelopeDecoder.wrap(commandView, SkeinProtocol.HEADER_LENGTH, headerDecoder.blockLength(),
                    headerDecoder.version());
                readEnvelopeFields();
            }
        }
        return rejectInput(reason, message);
    }

    /**
     * Refuse commands (not queries) while the journal's watch says so: too little free space.
     *
     * @param watch of the journal, or null.
     */
    void storageWatch(final JournalWatch watch)
    {
        this.storageWatch = watch;
    }

    /**
     * The state this executor decides against and changes.
     *
     * @return the state.
     */
    EngineState state()
    {
        return state;
    }

    /**
     * The applier of journal entries to {@link #state()}, for replaying entries between commands.
     *
     * @return the applier.
     */
    EntryApplier applier()
    {
        return applier;
    }

    MutableDirectBuffer replyBuffer()
    {
        return reply.buffer();
    }

    int replyLength()
    {
        return reply.length();
    }

    MutableDirectBuffer entryBuffer()
    {
        return entry.buffer();
    }

    /**
     * Length of the journal entry the last command produced, 0 if it produced none.
     */
    int entryLength()
    {
        return entry.length();
    }

    /**
     * Journal position after the last command's entry, {@link SkeinProtocol#NULL_POSITION} if none.
     */
    long entryPosition()
    {
        return entryPosition;
    }

    /**
     * Set whether this executor follows a leader: it then answers queries but refuses commands, and changes state only
     * through replicated journal entries.
     */
    void follower(final boolean follower)
    {
        this.follower = follower;
    }

    boolean isFollower()
    {
        return follower;
    }

    /**
     * Stamp the commands of the batch about to run with one clock reading (the engine reads the clock once per
     * batch, not per command); {@link #NO_BATCH_TIME} reads it per command.
     *
     * @param timestampNs for the batch.
     */
    void batchTimestamp(final long timestampNs)
    {
        this.batchTimestampNs = timestampNs;
    }

    /**
     * Stamp the entries of the commands about to run with the cluster log position of the command (cluster mode);
     * {@link SkeinProtocol#NULL_POSITION} outside it.
     *
     * @param logPosition just after the command in the cluster's log.
     */
    void logPosition(final long logPosition)
    {
        this.logPosition = logPosition;
    }

    EpochNanoClock clock()
    {
        return clock;
    }

    String failure()
    {
        return failure;
    }

    @Override
    public long aggregateId()
    {
        return aggregateId;
    }

    @Override
    public long version()
    {
        return record.version;
    }

    @Override
    public boolean exists()
    {
        return record.version > 0;
    }

    @Override
    public long correlationId()
    {
        return correlationId;
    }

    @Override
    public long causationId()
    {
        return causationId;
    }

    @Override
    public long timestampNs()
    {
        return timestampNs;
    }

    @Override
    public int eventCount()
    {
        return entry.eventCount();
    }

    @Override
    public <R extends MessageEncoderFlyweight> R reply(final R encoder)
    {
        return reply.payload(encoder);
    }

    @Override
    public void reject(final int code, final CharSequence message)
    {
        rejected = true;
        rejectCode = code;
        rejectMessage = message;
    }

    @Override
    public boolean isRejected()
    {
        return rejected;
    }

    @Override
    public <E extends MessageEncoderFlyweight> E emit(final E encoder)
    {
        if (!inCommand)
        {
            throw new IllegalStateException("events can be emitted only by a command handler, not a query");
        }
        return entry.emit(runtime.definition(), aggregateId, touched.next(typeId, aggregateId, record.version),
            encoder);
    }

    @Override
    public <E extends MessageEncoderFlyweight> E emitTo(final int typeId, final long aggregateId, final E encoder)
    {
        if (!inCommand)
        {
            throw new IllegalStateException("events can be emitted only by a command handler, not a query");
        }
        final AggregateRuntime<Object> other = otherRuntime(typeId);
        final long current = other == runtime && aggregateId == this.aggregateId ? record.version :
            versionOf(other, aggregateId);
        return entry.emit(other.definition(), aggregateId, touched.next(typeId, aggregateId, current), encoder);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T stateOf(final int typeId, final long aggregateId)
    {
        final AggregateRuntime<Object> other = otherRuntime(typeId);
        if (other == runtime && aggregateId == this.aggregateId)
        {
            return (T)record.state;
        }
        final AggregateRecord<Object> existing = other.existing(aggregateId);
        return (T)(null == existing ? other.pristine() : existing.state);
    }

    @Override
    public long versionOf(final int typeId, final long aggregateId)
    {
        final AggregateRuntime<Object> other = otherRuntime(typeId);
        return other == runtime && aggregateId == this.aggregateId ? record.version : versionOf(other, aggregateId);
    }

    @Override
    public boolean expectVersion(final int typeId, final long aggregateId, final long expectedVersion)
    {
        final long actual = versionOf(typeId, aggregateId);
        if (actual == expectedVersion || expectedVersion == SkeinProtocol.ANY_VERSION)
        {
            return true;
        }
        if (!conflicted)
        {
            conflicted = true;
            conflictTypeId = typeId;
            conflictAggregateId = aggregateId;
            conflictExpected = expectedVersion;
            conflictActual = actual;
        }
        return false;
    }

    private static long versionOf(final AggregateRuntime<Object> runtime, final long aggregateId)
    {
        final AggregateRecord<Object> existing = runtime.existing(aggregateId);
        return null == existing ? 0 : existing.version;
    }

    private AggregateRuntime<Object> otherRuntime(final int typeId)
    {
        if (null == runtime)
        {
            throw new IllegalStateException("other aggregates can be read only while a command or query runs");
        }
        final AggregateRuntime<Object> other = typeId == this.typeId ? runtime : state.runtime(typeId);
        if (null == other)
        {
            throw new IllegalStateException("this engine has no aggregate type " + typeId);
        }
        return other;
    }

    private int runQuery(final Binding<Object> binding, final int bodyOffset, final int blockLength, final int version)
    {
        record = runtime.recordFor(aggregateId);
        try
        {
            binding.onQuery(commandView, bodyOffset, blockLength, version, record.state, this);
        }
        catch (final IndexOutOfBoundsException ex)
        {
            return rejectInput(RejectReason.MALFORMED, "query read beyond its bytes");
        }
        catch (final Throwable ex)
        {
            return handlerError(ex);
        }
        if (rejected)
        {
            return rejectDomain();
        }
        if (reply.isPayloadTooLarge())
        {
            return rejectInput(RejectReason.REPLY_TOO_LARGE, "reply payload exceeds the maximum reply length");
        }
        counters.accepted().incrementRelease();
        return writeReply(Outcome.ACCEPTED, RejectReason.NONE, typeId, aggregateId, record.version, 0, 0,
            SkeinProtocol.NULL_POSITION, true, "");
    }

    private int runCommand(
        final Binding<Object> binding, final int bodyOffset, final int blockLength, final int version)
    {
        final String refusal = null == storageWatch ? null : storageWatch.refusal();
        if (null != refusal)
        {
            return rejectInput(RejectReason.UNAVAILABLE, refusal);
        }
        final long keyHi = envelopeDecoder.idempotencyKeyHi();
        final long keyLo = envelopeDecoder.idempotencyKeyLo();
        final boolean hasKey = (keyHi | keyLo) != 0;
        final IdempotencyWindow window = state.window();
        if (hasKey)
        {
            final int found = window.find(keyHi, keyLo);
            if (IdempotencyWindow.NOT_FOUND != found)
            {
                counters.duplicates().incrementRelease();
                // The reply stage holds a duplicate until its original entry is durable, as it held the original:
                // a retry must never learn of an outcome a crash or a failover could still take back.
                entryPosition = window.position(found);
                return writeReply(Outcome.DUPLICATE, RejectReason.NONE, window.typeId(found),
                    window.aggregateId(found), window.version(found), window.sequence(found), 0,
                    window.position(found), false, "idempotency key already used: original outcome");
            }
        }

        record = runtime.recordFor(aggregateId);
        final long actualVersion = record.version;
        if (expectedVersion != SkeinProtocol.ANY_VERSION && expectedVersion != actualVersion)
        {
            counters.conflicts().incrementRelease();
            return writeReply(Outcome.CONFLICT, RejectReason.NONE, typeId, aggregateId, actualVersion, 0, 0,
                SkeinProtocol.NULL_POSITION, false, "expected version does not match the aggregate's version");
        }

        timestampNs = batchTimestampNs == NO_BATCH_TIME ? clock.nanoTime() : batchTimestampNs;
        entry.reset();
        entry.owner(typeId, aggregateId);
        inCommand = true;
        try
        {
            binding.onCommand(commandView, bodyOffset, blockLength, version, record.state, this);
        }
        catch (final IndexOutOfBoundsException ex)
        {
            discardIfSpare();
            return rejectInput(RejectReason.MALFORMED, "command read beyond its bytes");
        }
        catch (final Throwable ex)
        {
            discardIfSpare();
            return handlerError(ex);
        }
        finally
        {
            inCommand = false;
        }

        if (conflicted)
        {
            discardIfSpare();
            counters.conflicts().incrementRelease();
            return reply.write(correlationId, conflictExpected, Outcome.CONFLICT, RejectReason.NONE, conflictTypeId,
                conflictAggregateId, conflictActual, 0, 0, SkeinProtocol.NULL_POSITION, false,
                "expected version does not match the version of an aggregate the command reads or changes");
        }
        if (rejected)
        {
            discardIfSpare();
            return rejectDomain();
        }
        if (reply.isPayloadTooLarge())
        {
            discardIfSpare();
            return rejectInput(RejectReason.REPLY_TOO_LARGE, "reply payload exceeds the maximum reply length");
        }
        final int eventCount = entry.eventCount();
        if (0 == eventCount)
        {
            discardIfSpare();
            counters.accepted().incrementRelease();
            return writeReply(Outcome.ACCEPTED, RejectReason.NONE, typeId, aggregateId, actualVersion, 0, 0,
                SkeinProtocol.NULL_POSITION, true, "");
        }

        final int own = touched.indexOf(typeId, aggregateId);
        final long newVersion = own < 0 ? actualVersion : touched.version(own);
        final long firstSequence = state.nextSequence();
        final long lastSequence = firstSequence + eventCount - 1;
        if (entry.closeEvents() > maxEntryLength)
        {
            discardIfSpare();
            return rejectInput(RejectReason.ENTRY_TOO_LARGE, "the command's events exceed the maximum entry length");
        }
        entry.seal(state.lastEntrySequence() + 1, state.epoch(), timestampNs, typeId, aggregateId, newVersion,
            firstSequence, correlationId, causationId, keyHi, keyLo, logPosition);

        try
        {
            applier.applyEntry(entry.buffer(), 0, entry.length(), runtime, record);
        }
        catch (final Throwable ex)
        {
            entry.discard();
            return fail(Outcome.ERROR, "an event applier threw, so state no longer matches the journal", ex);
        }

        long position = SkeinProtocol.NULL_POSITION;
        if (null != appender)
        {
            try
            {
                position = appender.append(entry.buffer(), 0, entry.length());
            }
            catch (final Throwable ex)
            {
                // The append may have written some or all of the entry before it failed: the outcome is unknown.
                return fail(Outcome.UNKNOWN, "the journal did not take an entry (it may be in the journal in part " +
                    "or whole), so state is ahead of the journal; resend with the same idempotency key once the " +
                    "engine is back", ex);
            }
        }
        entryPosition = position;
        if (hasKey)
        {
            window.record(keyHi, keyLo, typeId, aggregateId, newVersion, lastSequence, position);
        }
        counters.accepted().incrementRelease();
        return writeReply(Outcome.ACCEPTED, RejectReason.NONE, typeId, aggregateId, newVersion, lastSequence, 0,
            position, true, "");
    }

    private boolean decodeEnvelope(final DirectBuffer command, final int length)
    {
        headerDecoder.wrap(command, 0);
        if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID)
        {
            rejectInput(RejectReason.WRONG_SCHEMA_ID, "command envelope schema id is not Skein's");
            return false;
        }
        if (headerDecoder.templateId() != CommandEnvelopeDecoder.TEMPLATE_ID)
        {
            rejectInput(RejectReason.UNKNOWN_TEMPLATE, "command does not start with a command envelope");
            return false;
        }
        final int version = headerDecoder.version();
        if (version > SkeinProtocol.SCHEMA_VERSION || version < 1)
        {
            rejectInput(RejectReason.WRONG_SCHEMA_VERSION, "command envelope version is not one this engine reads");
            return false;
        }
        final int blockLength = headerDecoder.blockLength();
        if (blockLength < CommandEnvelopeDecoder.BLOCK_LENGTH)
        {
            rejectInput(RejectReason.MALFORMED, "command envelope block length is too short");
            return false;
        }
        if (SkeinProtocol.HEADER_LENGTH + blockLength > length)
        {
            rejectInput(RejectReason.TRUNCATED, "command is shorter than its envelope");
            return false;
        }
        envelopeDecoder.wrap(command, SkeinProtocol.HEADER_LENGTH, blockLength, version);
        readEnvelopeFields();
        return true;
    }

    private void readEnvelopeFields()
    {
        correlationId = envelopeDecoder.correlationId();
        causationId = envelopeDecoder.causationId();
        typeId = envelopeDecoder.aggregateTypeId();
        aggregateId = envelopeDecoder.aggregateId();
        expectedVersion = envelopeDecoder.expectedVersion();
    }

    private void discardIfSpare()
    {
        if (runtime.isSpare(record))
        {
            runtime.discardSpare();
        }
    }

    private int rejectDomain()
    {
        counters.rejected().incrementRelease();
        return writeReply(Outcome.REJECTED, RejectReason.DOMAIN, typeId, aggregateId, record.version, 0,
            rejectCode, SkeinProtocol.NULL_POSITION, false, rejectMessage);
    }

    private int rejectInput(final RejectReason reason, final CharSequence message)
    {
        counters.rejected().incrementRelease();
        final long version = null == record ? 0 : record.version;
        return writeReply(Outcome.REJECTED, reason, typeId, aggregateId, version, 0, 0, SkeinProtocol.NULL_POSITION,
            false, message);
    }

    private int handlerError(final Throwable ex)
    {
        counters.errors().incrementRelease();
        errorHandler.onError(ex);
        final long version = null == record ? 0 : record.version;
        return writeReply(Outcome.ERROR, RejectReason.NONE, typeId, aggregateId, version, 0, 0,
            SkeinProtocol.NULL_POSITION, false, "handler threw " + ex);
    }

    private int fail(final Outcome outcome, final String reason, final Throwable ex)
    {
        failure = reason + ": " + ex;
        counters.errors().incrementRelease();
        errorHandler.onError(new SkeinException(SkeinException.Code.STATE_DIVERGED, SkeinException.Category.FATAL,
            reason + "; the engine accepts no more commands", ex));
        return writeReply(outcome, RejectReason.UNAVAILABLE, typeId, aggregateId, record.version, 0, 0,
            SkeinProtocol.NULL_POSITION, false, failure);
    }

    private int writeReply(
        final Outcome outcome,
        final RejectReason reason,
        final int typeId,
        final long aggregateId,
        final long version,
        final long sequence,
        final int rejectCode,
        final long position,
        final boolean withPayload,
        final CharSequence message)
    {
        return reply.write(correlationId, expectedVersion, outcome, reason, typeId, aggregateId, version, sequence,
            rejectCode, position, withPayload, message);
    }

    private void resetCommand()
    {
        runtime = null;
        record = null;
        typeId = 0;
        aggregateId = 0;
        correlationId = 0;
        causationId = 0;
        expectedVersion = SkeinProtocol.ANY_VERSION;
        timestampNs = 0;
        inCommand = false;
        entry.reset();
        reply.reset();
        rejected = false;
        rejectCode = 0;
        rejectMessage = null;
        entryPosition = SkeinProtocol.NULL_POSITION;
        touched.clear();
        conflicted = false;
    }
}
