package io.skein.engine;

import java.nio.ByteOrder;

import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.AggregateDefinition.Binding;
import io.skein.aggregate.AggregateDefinition.Kind;
import io.skein.aggregate.CommandContext;
import io.skein.codecs.CommandEnvelopeDecoder;
import io.skein.codecs.CommandReplyEncoder;
import io.skein.codecs.JournalEntryDecoder;
import io.skein.codecs.JournalEntryEncoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.engine.AggregateRuntime.AggregateRecord;
import io.skein.journal.EntryChecksum;
import io.skein.journal.JournalWatch;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.IntHashSet;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;

/**
 * Decides one command at a time, in the order the design fixes: input checks, idempotency, expected version,
 * handler, entry size, apply, append. Owned by the single writer (or by a test fixture); it is the
 * {@link CommandContext} its handlers see, so a command costs no allocation.
 * <p>
 * Events are encoded by the handlers straight into the journal entry being built; the reply payload straight into
 * the reply being built. Both buffers grow if a handler overruns them, and the result is then refused by size.
 */
final class CommandExecutor implements CommandContext
{
    static final int GROUP_HEADER_LENGTH = 4;
    static final int VAR_LENGTH_FIELD = 4;
    static final int ENTRY_GROUP_OFFSET = SkeinProtocol.HEADER_LENGTH + JournalEntryEncoder.BLOCK_LENGTH;
    static final int ENTRY_FIRST_EVENT_OFFSET = ENTRY_GROUP_OFFSET + GROUP_HEADER_LENGTH;
    static final int REPLY_PAYLOAD_LENGTH_OFFSET = SkeinProtocol.HEADER_LENGTH + CommandReplyEncoder.BLOCK_LENGTH;
    static final int REPLY_PAYLOAD_OFFSET = REPLY_PAYLOAD_LENGTH_OFFSET + VAR_LENGTH_FIELD;
    static final int MAX_EVENTS_PER_ENTRY = 0xFFFF;
    static final long NO_BATCH_TIME = Long.MIN_VALUE;

    private final Int2ObjectHashMap<AggregateRuntime<Object>> runtimes;
    private final IdempotencyWindow window;
    private final EpochNanoClock clock;
    private final EngineCounters counters;
    private final ErrorHandler errorHandler;
    private final int maxEntryLength;
    private final int maxReplyLength;
    private final EntryAppender appender;

    private final ExpandableArrayBuffer entryBuffer;
    private final EntryChecksum entryChecksum;
    private JournalWatch storageWatch;
    private final ExpandableArrayBuffer replyBuffer;
    private final UnsafeBuffer commandView = new UnsafeBuffer(0, 0);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final CommandEnvelopeDecoder envelopeDecoder = new CommandEnvelopeDecoder();
    private final CommandReplyEncoder replyEncoder = new CommandReplyEncoder();
    private final JournalEntryEncoder entryEncoder = new JournalEntryEncoder();
    private final JournalEntryDecoder entryDecoder = new JournalEntryDecoder();

    private long batchTimestampNs = NO_BATCH_TIME;
    private long nextSequence = 1;
    private long lastEntrySequence;
    private long lastEntryTimestampNs;
    private long epoch;
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
    private int eventCount;
    private int writeOffset;
    private int eventLengthOffset;
    private MessageEncoderFlyweight eventEncoder;
    private MessageEncoderFlyweight payloadEncoder;
    private boolean rejected;
    private int rejectCode;
    private CharSequence rejectMessage;
    private int replyLength;
    private int entryLength;
    private long entryPosition;

    CommandExecutor(
        final Int2ObjectHashMap<AggregateRuntime<Object>> runtimes,
        final int idempotencyWindowCapacity,
        final EpochNanoClock clock,
        final EngineCounters counters,
        final ErrorHandler errorHandler,
        final int maxEntryLength,
        final int maxReplyLength,
        final EntryAppender appender)
    {
        this.runtimes = runtimes;
        this.window = new IdempotencyWindow(idempotencyWindowCapacity);
        this.clock = clock;
        this.counters = counters;
        this.errorHandler = errorHandler;
        this.maxEntryLength = maxEntryLength;
        this.maxReplyLength = maxReplyLength;
        this.appender = appender;
        this.entryBuffer = new ExpandableArrayBuffer(maxEntryLength + 1024);
        this.entryChecksum = new EntryChecksum();
        this.replyBuffer = new ExpandableArrayBuffer(maxReplyLength + 1024);
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
            return replyLength;
        }
        if (null != failure)
        {
            return rejectInput(RejectReason.UNAVAILABLE, failure);
        }

        runtime = runtimes.get(typeId);
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
                envelopeDecoder.wrap(commandView, SkeinProtocol.HEADER_LENGTH, CommandEnvelopeDecoder.BLOCK_LENGTH,
                    CommandEnvelopeDecoder.SCHEMA_VERSION);
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
     * Apply an entry from the journal (or a test's history) to state, as recovery does: no handler runs.
     *
     * @param buffer   holding the entry.
     * @param offset   of the entry's message header.
     * @param length   of the entry.
     * @param position of the journal just after the entry, {@link SkeinProtocol#NULL_POSITION} if not from one.
     * @throws SkeinException if the entry does not decode or does not follow the state it is applied to.
     */
    void replay(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        if (length < ENTRY_FIRST_EVENT_OFFSET)
        {
            throw diverged("journal entry of " + length + " bytes is too short");
        }
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID ||
            headerDecoder.templateId() != JournalEntryDecoder.TEMPLATE_ID ||
            headerDecoder.version() > SkeinProtocol.SCHEMA_VERSION)
        {
            throw diverged("not a journal entry: schema " + headerDecoder.schemaId() + " template " +
                headerDecoder.templateId() + " version " + headerDecoder.version());
        }
        entryDecoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        if (entryDecoder.entrySequence() != lastEntrySequence + 1)
        {
            throw diverged("journal entry has sequence " + entryDecoder.entrySequence() + " where entry " +
                (lastEntrySequence + 1) + " was expected: entries are missing or out of order");
        }
        final AggregateRuntime<Object> runtime = runtimes.get(entryDecoder.aggregateTypeId());
        if (null == runtime)
        {
            throw diverged("journal entry " + entryDecoder.entrySequence() + " is for unknown aggregate type " +
                entryDecoder.aggregateTypeId());
        }
        final long aggregateId = entryDecoder.aggregateId();
        final AggregateRecord<Object> record = runtime.recordFor(aggregateId);
        final int count = applyEntryEvents(runtime, aggregateId, record, buffer, true);
        nextSequence += count;
        lastEntrySequence = entryDecoder.entrySequence();
        lastEntryTimestampNs = entryDecoder.timestampNs();
        counters.journalEntries().setRelease(lastEntrySequence);
        epoch = Math.max(epoch, entryDecoder.epoch());
        final long keyHi = entryDecoder.idempotencyKeyHi();
        final long keyLo = entryDecoder.idempotencyKeyLo();
        if ((keyHi | keyLo) != 0 && IdempotencyWindow.NOT_FOUND == window.find(keyHi, keyLo))
        {
            window.record(keyHi, keyLo, runtime.typeId(), aggregateId, record.version, nextSequence - 1, position);
        }
    }

    /**
     * Apply a journal entry's events to its aggregate only, if its type is one of {@code typeIds}: for rebuilding
     * the aggregate types a snapshot does not hold (no state codec) from the journal before the snapshot. Sequences,
     * the idempotency window and every other type are left alone: the snapshot restored those.
     *
     * @param buffer  holding the entry.
     * @param offset  of the entry's message header.
     * @param length  of the entry.
     * @param typeIds the aggregate types being rebuilt.
     */
    void replayTypes(final DirectBuffer buffer, final int offset, final int length, final IntHashSet typeIds)
    {
        headerDecoder.wrap(buffer, offset);
        entryDecoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        if (!typeIds.contains(entryDecoder.aggregateTypeId()))
        {
            return;
        }
        final AggregateRuntime<Object> runtime = runtimes.get(entryDecoder.aggregateTypeId());
        final long aggregateId = entryDecoder.aggregateId();
        applyEntryEvents(runtime, aggregateId, runtime.recordFor(aggregateId), buffer, false);
    }

    /**
     * Apply the events of the wrapped journal entry to an aggregate, checking the entry takes it to the entry's
     * version (and, when asked, starts at the next global sequence), then commit the aggregate if it is new.
     *
     * @return the number of events applied.
     */
    private int applyEntryEvents(
        final AggregateRuntime<Object> runtime,
        final long aggregateId,
        final AggregateRecord<Object> record,
        final DirectBuffer buffer,
        final boolean checkSequence)
    {
        final JournalEntryDecoder.EventsDecoder events = entryDecoder.events();
        final int count = events.count();
        if (entryDecoder.version() != record.version + count)
        {
            throw diverged("journal entry " + entryDecoder.entrySequence() + " takes aggregate " +
                runtime.definition().name() + "/" + aggregateId + " to version " + entryDecoder.version() +
                " with " + count + " events, but it is at version " + record.version);
        }
        if (checkSequence && entryDecoder.firstSequence() != nextSequence)
        {
            throw diverged("journal entry " + entryDecoder.entrySequence() + " starts at sequence " +
                entryDecoder.firstSequence() + " but the next expected sequence is " + nextSequence);
        }
        final AggregateDefinition<Object> definition = runtime.definition();
        for (int i = 0; i < count; i++)
        {
            events.next();
            final int eventLength = events.bodyLength();
            final int eventOffset = entryDecoder.limit() + VAR_LENGTH_FIELD;
            applyEvent(definition, buffer, eventOffset, eventLength, record.state);
            events.skipBody();
        }
        record.version = entryDecoder.version();
        if (runtime.isSpare(record))
        {
            runtime.commit(aggregateId, record);
            counters.aggregates().incrementRelease();
        }
        return count;
    }

    /**
     * A hash of every aggregate's type, id, version and state ({@code hashCode()}), in type and id order: equal
     * states give equal hashes across processes and restarts, provided state types implement {@code hashCode}.
     *
     * @return the hash.
     */
    long stateHash()
    {
        final int[] typeIds = new int[runtimes.size()];
        int t = 0;
        for (final int typeId : runtimes.keySet())
        {
            typeIds[t++] = typeId;
        }
        java.util.Arrays.sort(typeIds);
        long hash = 17;
        for (final int typeId : typeIds)
        {
            final AggregateRuntime<Object> runtime = runtimes.get(typeId);
            final long[] ids = new long[runtime.size()];
            int i = 0;
            for (final long id : runtime.records().keySet())
            {
                ids[i++] = id;
            }
            java.util.Arrays.sort(ids);
            for (final long id : ids)
            {
                final AggregateRecord<Object> record = runtime.existing(id);
                requireHashCode(record.state);
                hash = mix(hash, typeId);
                hash = mix(hash, id);
                hash = mix(hash, record.version);
                hash = mix(hash, record.state.hashCode());
            }
        }
        return hash;
    }

    /**
     * Number of aggregates in memory, across all types.
     *
     * @return the count.
     */
    long aggregateCount()
    {
        long count = 0;
        for (final AggregateRuntime<Object> runtime : runtimes.values())
        {
            count += runtime.size();
        }
        return count;
    }

    Int2ObjectHashMap<AggregateRuntime<Object>> runtimes()
    {
        return runtimes;
    }

    long epoch()
    {
        return epoch;
    }

    /**
     * Forget all state, as before recovery: used when a snapshot turns out to be unusable part way through loading.
     */
    void resetState()
    {
        for (final AggregateRuntime<Object> runtime : runtimes.values())
        {
            runtime.records().clear();
            runtime.discardSpare();
        }
        window.clear();
        nextSequence = 1;
        lastEntrySequence = 0;
        lastEntryTimestampNs = 0;
        counters.aggregates().setRelease(0);
    }

    void restoreSequences(
        final long nextSequence, final long lastEntrySequence, final long epoch, final long lastEntryTimestampNs)
    {
        this.nextSequence = nextSequence;
        this.lastEntrySequence = lastEntrySequence;
        this.lastEntryTimestampNs = lastEntryTimestampNs;
        this.epoch = epoch;
    }

    void restoreAggregate(final AggregateRuntime<Object> runtime, final long aggregateId, final long version,
        final Object state)
    {
        final AggregateRecord<Object> record = new AggregateRecord<>(state);
        record.version = version;
        if (null == runtime.records().put(aggregateId, record))
        {
            counters.aggregates().incrementRelease();
        }
    }

    void restoreKey(
        final long hi,
        final long lo,
        final int typeId,
        final long aggregateId,
        final long version,
        final long sequence,
        final long position)
    {
        window.record(hi, lo, typeId, aggregateId, version, sequence, position);
    }

    MutableDirectBuffer replyBuffer()
    {
        return replyBuffer;
    }

    int replyLength()
    {
        return replyLength;
    }

    MutableDirectBuffer entryBuffer()
    {
        return entryBuffer;
    }

    /**
     * Length of the journal entry the last command produced, 0 if it produced none.
     */
    int entryLength()
    {
        return entryLength;
    }

    /**
     * Journal position after the last command's entry, {@link SkeinProtocol#NULL_POSITION} if none.
     */
    long entryPosition()
    {
        return entryPosition;
    }

    long nextSequence()
    {
        return nextSequence;
    }

    long lastEntrySequence()
    {
        return lastEntrySequence;
    }

    /**
     * Set whether this executor follows a leader: it then answers queries but refuses commands, and changes state only
     * through replicated journal entries.
     */
    void follower(final boolean follower)
    {
        this.follower = follower;
    }

    /**
     * The timestamp of the last journal entry applied: the time the state reflects, stamped in snapshots so that two
     * snapshots of the same state are the same bytes whoever takes them.
     */
    long lastEntryTimestampNs()
    {
        return lastEntryTimestampNs;
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

    EpochNanoClock clock()
    {
        return clock;
    }

    void epoch(final long epoch)
    {
        this.epoch = epoch;
    }

    String failure()
    {
        return failure;
    }

    IdempotencyWindow window()
    {
        return window;
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
        return eventCount;
    }

    @Override
    public <R extends MessageEncoderFlyweight> R reply(final R encoder)
    {
        headerEncoder.wrap(replyBuffer, REPLY_PAYLOAD_OFFSET)
            .blockLength(encoder.sbeBlockLength())
            .templateId(encoder.sbeTemplateId())
            .schemaId(encoder.sbeSchemaId())
            .version(encoder.sbeSchemaVersion());
        encoder.wrap(replyBuffer, REPLY_PAYLOAD_OFFSET + SkeinProtocol.HEADER_LENGTH);
        payloadEncoder = encoder;
        return encoder;
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
        final AggregateDefinition<Object> definition = runtime.definition();
        final Binding<Object> binding = definition.binding(encoder.sbeTemplateId());
        if (null == binding || binding.kind() != Kind.EVENT || encoder.sbeSchemaId() != definition.schemaId())
        {
            throw new IllegalStateException("aggregate type " + definition.name() + " has no applier for event " +
                "template " + encoder.sbeTemplateId() + " of schema " + encoder.sbeSchemaId());
        }
        if (eventCount == MAX_EVENTS_PER_ENTRY)
        {
            throw new IllegalStateException("a command may emit at most " + MAX_EVENTS_PER_ENTRY + " events");
        }
        closeEvent();
        eventLengthOffset = writeOffset;
        headerEncoder.wrap(entryBuffer, writeOffset + VAR_LENGTH_FIELD)
            .blockLength(encoder.sbeBlockLength())
            .templateId(encoder.sbeTemplateId())
            .schemaId(encoder.sbeSchemaId())
            .version(encoder.sbeSchemaVersion());
        encoder.wrap(entryBuffer, writeOffset + VAR_LENGTH_FIELD + SkeinProtocol.HEADER_LENGTH);
        eventEncoder = encoder;
        eventCount++;
        return encoder;
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
        if (payloadLength() + REPLY_PAYLOAD_OFFSET + VAR_LENGTH_FIELD > maxReplyLength)
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
        if (hasKey)
        {
            final int entry = window.find(keyHi, keyLo);
            if (IdempotencyWindow.NOT_FOUND != entry)
            {
                counters.duplicates().incrementRelease();
                // The reply stage holds a duplicate until its original entry is durable, as it held the original:
                // a retry must never learn of an outcome a crash or a failover could still take back.
                entryPosition = window.position(entry);
                return writeReply(Outcome.DUPLICATE, RejectReason.NONE, window.typeId(entry),
                    window.aggregateId(entry), window.version(entry), window.sequence(entry), 0,
                    window.position(entry), false, "idempotency key already used: original outcome");
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
        writeOffset = ENTRY_FIRST_EVENT_OFFSET;
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

        if (rejected)
        {
            discardIfSpare();
            return rejectDomain();
        }
        if (payloadLength() + REPLY_PAYLOAD_OFFSET + VAR_LENGTH_FIELD > maxReplyLength)
        {
            discardIfSpare();
            return rejectInput(RejectReason.REPLY_TOO_LARGE, "reply payload exceeds the maximum reply length");
        }
        if (0 == eventCount)
        {
            discardIfSpare();
            counters.accepted().incrementRelease();
            return writeReply(Outcome.ACCEPTED, RejectReason.NONE, typeId, aggregateId, actualVersion, 0, 0,
                SkeinProtocol.NULL_POSITION, true, "");
        }

        final long newVersion = actualVersion + eventCount;
        final long firstSequence = nextSequence;
        final long lastSequence = firstSequence + eventCount - 1;
        closeEvent();
        entryLength = writeOffset;
        if (entryLength > maxEntryLength)
        {
            entryLength = 0;
            discardIfSpare();
            return rejectInput(RejectReason.ENTRY_TOO_LARGE, "the command's events exceed the maximum entry length");
        }
        writeEntryHeader(newVersion, firstSequence, keyHi, keyLo);
        entryChecksum.seal(entryBuffer, 0, entryLength);

        try
        {
            applyEntry();
        }
        catch (final Throwable ex)
        {
            entryLength = 0;
            return fail(Outcome.ERROR, "an event applier threw, so state no longer matches the journal", ex);
        }
        record.version = newVersion;
        if (runtime.isSpare(record))
        {
            runtime.commit(aggregateId, record);
            counters.aggregates().incrementRelease();
        }
        nextSequence = lastSequence + 1;
        lastEntrySequence++;
        lastEntryTimestampNs = timestampNs;
        counters.journalEntries().setRelease(lastEntrySequence);

        long position = SkeinProtocol.NULL_POSITION;
        if (null != appender)
        {
            try
            {
                position = appender.append(entryBuffer, 0, entryLength);
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

    private void applyEntry()
    {
        final AggregateDefinition<Object> definition = runtime.definition();
        int offset = ENTRY_FIRST_EVENT_OFFSET;
        for (int i = 0; i < eventCount; i++)
        {
            final int eventLength = entryBuffer.getInt(offset, ByteOrder.LITTLE_ENDIAN);
            applyEvent(definition, entryBuffer, offset + VAR_LENGTH_FIELD, eventLength, record.state);
            offset += VAR_LENGTH_FIELD + eventLength;
        }
    }

    private void applyEvent(
        final AggregateDefinition<Object> definition,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Object state)
    {
        if (length < SkeinProtocol.HEADER_LENGTH)
        {
            throw diverged("event of " + length + " bytes has no message header");
        }
        headerDecoder.wrap(buffer, offset);
        final Binding<Object> binding = definition.binding(headerDecoder.templateId());
        if (null == binding || binding.kind() != Kind.EVENT || headerDecoder.schemaId() != definition.schemaId())
        {
            throw diverged("aggregate type " + definition.name() + " has no applier for event template " +
                headerDecoder.templateId() + " of schema " + headerDecoder.schemaId());
        }
        binding.apply(buffer, offset + SkeinProtocol.HEADER_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version(), state);
    }

    private void writeEntryHeader(final long newVersion, final long firstSequence, final long keyHi, final long keyLo)
    {
        entryEncoder.wrapAndApplyHeader(entryBuffer, 0, headerEncoder)
            .entrySequence(lastEntrySequence + 1)
            .epoch(epoch)
            .timestampNs(timestampNs)
            .aggregateTypeId(typeId)
            .aggregateId(aggregateId)
            .version(newVersion)
            .firstSequence(firstSequence)
            .correlationId(correlationId)
            .causationId(causationId)
            .idempotencyKeyHi(keyHi)
            .idempotencyKeyLo(keyLo)
            .checksum(0);
        entryBuffer.putShort(ENTRY_GROUP_OFFSET, (short)0, ByteOrder.LITTLE_ENDIAN);
        entryBuffer.putShort(ENTRY_GROUP_OFFSET + 2, (short)eventCount, ByteOrder.LITTLE_ENDIAN);
    }

    private void closeEvent()
    {
        if (null != eventEncoder)
        {
            final int length = SkeinProtocol.HEADER_LENGTH + eventEncoder.encodedLength();
            entryBuffer.putInt(eventLengthOffset, length, ByteOrder.LITTLE_ENDIAN);
            writeOffset = eventLengthOffset + VAR_LENGTH_FIELD + length;
            eventEncoder = null;
        }
    }

    private int payloadLength()
    {
        return null == payloadEncoder ? 0 : SkeinProtocol.HEADER_LENGTH + payloadEncoder.encodedLength();
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
        replyEncoder.wrapAndApplyHeader(replyBuffer, 0, headerEncoder)
            .correlationId(correlationId)
            .outcome(outcome)
            .reason(reason)
            .aggregateTypeId(typeId)
            .aggregateId(aggregateId)
            .version(version)
            .sequence(sequence)
            .expectedVersion(expectedVersion)
            .rejectCode(rejectCode)
            .journalPosition(position);
        final int payloadLength = withPayload ? payloadLength() : 0;
        replyBuffer.putInt(REPLY_PAYLOAD_LENGTH_OFFSET, payloadLength, ByteOrder.LITTLE_ENDIAN);
        replyEncoder.limit(REPLY_PAYLOAD_OFFSET + payloadLength);

        final CharSequence text = null == message ? "" : message;
        final int room = maxReplyLength - REPLY_PAYLOAD_OFFSET - payloadLength - VAR_LENGTH_FIELD;
        replyEncoder.message(text.length() <= room ? text : text.subSequence(0, Math.max(0, room)));
        replyLength = replyEncoder.limit();
        return replyLength;
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
        eventCount = 0;
        writeOffset = ENTRY_FIRST_EVENT_OFFSET;
        eventEncoder = null;
        payloadEncoder = null;
        rejected = false;
        rejectCode = 0;
        rejectMessage = null;
        replyLength = 0;
        entryLength = 0;
        entryPosition = SkeinProtocol.NULL_POSITION;
    }

    private static long mix(final long hash, final long value)
    {
        long h = (hash ^ value) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        return h * 0xBF58476D1CE4E5B9L;
    }

    private static void requireHashCode(final Object state)
    {
        try
        {
            if (state.getClass().getMethod("hashCode").getDeclaringClass() == Object.class)
            {
                throw new IllegalStateException(
                    "state hash needs " + state.getClass().getName() + " to implement hashCode and equals");
            }
        }
        catch (final NoSuchMethodException ex)
        {
            throw new IllegalStateException(ex);
        }
    }

    private static SkeinException diverged(final String message)
    {
        return new SkeinException(SkeinException.Code.STATE_DIVERGED, SkeinException.Category.FATAL, message, null);
    }
}
