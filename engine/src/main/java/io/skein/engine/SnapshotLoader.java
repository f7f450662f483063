package io.skein.engine;

import java.util.List;
import java.util.zip.CRC32C;

import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.StateCodec;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.SnapshotAggregateDecoder;
import io.skein.codecs.SnapshotAggregatesDecoder;
import io.skein.codecs.SnapshotBeginDecoder;
import io.skein.codecs.SnapshotEndDecoder;
import io.skein.codecs.SnapshotKeyDecoder;
import io.skein.codecs.SnapshotTypeDecoder;
import io.skein.journal.EntryHandler;
import io.skein.journal.Journal;
import io.skein.journal.JournalReader;
import io.skein.journal.RecordingLog;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.collections.Int2IntHashMap;
import org.agrona.collections.IntHashSet;

/**
 * Loads a snapshot recording into an {@link EngineState}, checking its framing, counts, journal position and
 * checksum; a snapshot that fails any check leaves the state reset and is reported, so the caller can fall back.
 * {@link #loadNewest} is the one place that chooses which snapshot to start from: recovery, the snapshot builder and
 * time travel all call it.
 */
final class SnapshotLoader implements EntryHandler
{
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final SnapshotBeginDecoder beginDecoder = new SnapshotBeginDecoder();
    private final SnapshotAggregateDecoder aggregateDecoder = new SnapshotAggregateDecoder();
    private final SnapshotAggregatesDecoder batchDecoder = new SnapshotAggregatesDecoder();
    private final SnapshotKeyDecoder keyDecoder = new SnapshotKeyDecoder();
    private final SnapshotEndDecoder endDecoder = new SnapshotEndDecoder();
    private final CRC32C crc = new CRC32C();
    private final byte[] scratch = new byte[4096];
    private EntryApplier applier;
    private EngineState state;
    private RecordingLog.Entry entry;
    private long expectedPosition;
    private String source;
    private boolean begun;
    private boolean ended;
    private long aggregates;
    private long keys;
    private long timestampNs;
    private int declaredTypes;
    private final IntHashSet includedTypes = new IntHashSet();
    private final Int2IntHashMap typeVersions = new Int2IntHashMap(-1);
    private final IntHashSet missingTypes = new IntHashSet();
    private final SnapshotTypeDecoder typeDecoder = new SnapshotTypeDecoder();

    /**
     * Load the newest valid snapshot that is usable and no later than the limits, falling back to older ones.
     *
     * @param applier        of the state to load into (reset first), and of the journal entries that rebuild the
     *                       aggregate types without a state codec.
     * @param journal        holding the snapshots.
     * @param maxPosition    the latest journal position a snapshot may reflect; later ones are passed over.
     * @param maxTimestampNs the latest time a snapshot's state may reflect; later ones are passed over.
     * @param endPosition    where the journal ends: a valid snapshot beyond it depends on entries the journal has lost,
     *                       and is refused; {@link Long#MAX_VALUE} not to check.
     * @param errorHandler   told of each snapshot skipped as unusable, or null not to tell.
     * @return the journal position of the snapshot loaded, or {@link SkeinProtocol#NULL_POSITION} if none was (the
     * state is then empty).
     * @throws SkeinException if a valid snapshot lies beyond {@code endPosition}.
     */
    long loadNewest(
        final EntryApplier applier,
        final Journal journal,
        final long maxPosition,
        final long maxTimestampNs,
        final long endPosition,
        final ErrorHandler errorHandler)
    {
        final List<RecordingLog.Entry> entries = journal.recordingLog().entries();
        for (int i = entries.size() - 1; i >= 0; i--)
        {
            final RecordingLog.Entry entry = entries.get(i);
            if (entry.type() != RecordingLog.TYPE_SNAPSHOT || !entry.isValid())
            {
                continue;
            }
            if (entry.position() > endPosition)
            {
                throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                    "snapshot recording " + entry.recordingId() + " reflects journal position " + entry.position() +
                    " but the journal ends at " + endPosition + ": the journal has lost entries the snapshot " +
                    "depends on; refusing to start", null);
            }
            if (entry.position() > maxPosition || entry.timestampMs() > maxTimestampNs / 1_000_000)
            {
                continue;
            }
            final String failure = load(applier, journal, entry);
            if (null == failure && timestampNs > maxTimestampNs)
            {
                applier.state().reset();
                continue;
            }
            if (null == failure)
            {
                return entry.position();
            }
            if (null != errorHandler)
            {
                errorHandler.onError(new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.WARNING,
                    "skipping snapshot at journal position " + entry.position() + ": " + failure +
                    "; falling back to an earlier snapshot or the full journal", null));
            }
        }
        return SkeinProtocol.NULL_POSITION;
    }

    /**
     * Load a snapshot.
     *
     * @return null if loaded, else why not (the state is then reset).
     */
    String load(final EntryApplier applier, final Journal journal, final RecordingLog.Entry entry)
    {
        this.entry = entry;
        begin(applier, entry.position(), "snapshot recording " + entry.recordingId());
        try
        {
            journal.readSnapshot(entry.recordingId(), this);
            if (!ended)
            {
                throw new SkeinException(SkeinException.Code.STORAGE, "snapshot has no end marker (incomplete)");
            }
            rebuildTypesWithoutState(journal);
            return null;
        }
        catch (final RuntimeException ex)
        {
            state.reset();
            return ex.getMessage();
        }
    }

    /**
     * Start loading a snapshot whose messages the caller feeds to {@link #onEntry} (from an Aeron Cluster snapshot
     * image, say), then ends with {@link #finishWhole()}. The state is reset first.
     *
     * @param applier          of the state to load into.
     * @param expectedPosition the position the snapshot's markers must name.
     * @param source           what the snapshot is, for error messages.
     */
    void begin(final EntryApplier applier, final long expectedPosition, final String source)
    {
        this.applier = applier;
        this.state = applier.state();
        this.expectedPosition = expectedPosition;
        this.source = source;
        begun = false;
        ended = false;
        aggregates = 0;
        keys = 0;
        includedTypes.clear();
        typeVersions.clear();
        crc.reset();
        state.reset();
    }

    /**
     * Whether the end marker was read and checked.
     */
    boolean isEnded()
    {
        return ended;
    }

    /**
     * End a load fed through {@link #onEntry}: the snapshot must have ended and hold every registered aggregate type
     * (no journal is at hand to rebuild types without a state codec).
     *
     * @throws SkeinException if it did not end or lacks a type; the state is then reset.
     */
    void finishWhole()
    {
        try
        {
            if (!ended)
            {
                throw corrupt("has no end marker (incomplete)");
            }
            for (final int typeId : state.runtimes().keySet())
            {
                if (!includedTypes.contains(typeId))
                {
                    throw corrupt("does not hold aggregate type " + state.runtime(typeId).definition().name() +
                        " (a type needs a state codec to be in a snapshot)");
                }
            }
        }
        catch (final SkeinException ex)
        {
            state.reset();
            throw ex;
        }
    }

    /**
     * Rebuild the aggregate types the snapshot does not hold (they have no state codec) by applying their entries
     * from the start of the journal up to the snapshot's position.
     */
    private void rebuildTypesWithoutState(final Journal journal)
    {
        missingTypes.clear();
        for (final int typeId : state.runtimes().keySet())
        {
            if (!includedTypes.contains(typeId))
            {
                missingTypes.add(typeId);
            }
        }
        if (missingTypes.isEmpty())
        {
            return;
        }
        if (journal.startPosition() > 0)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, "aggregate types " + missingTypes + " are not " +
                "in the snapshot (no state codec) and the journal before position " + journal.startPosition() +
                " was compacted, so they cannot be rebuilt");
        }
        try (JournalReader reader = journal.reader())
        {
            reader.read(journal.startPosition(), entry.position(),
                (buffer, offset, length, position) -> applier.applyTypes(buffer, offset, length, missingTypes),
                null);
        }
    }

    /**
     * The time the last loaded snapshot's state reflects: the timestamp of its last journal entry.
     */
    long timestampNs()
    {
        return timestampNs;
    }

    @Override
    public void onEntry(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        if (ended)
        {
            throw corrupt("has messages after its end marker");
        }
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID)
        {
            throw corrupt("has a message of schema " + headerDecoder.schemaId());
        }
        final int body = offset + SkeinProtocol.HEADER_LENGTH;
        final int blockLength = headerDecoder.blockLength();
        final int version = headerDecoder.version();
        if (version < 1 || version > SkeinProtocol.SCHEMA_VERSION)
        {
            throw corrupt("has a message of schema version " + version + ", not one this build reads (1 to " +
                SkeinProtocol.SCHEMA_VERSION + ")");
        }
        checkFraming(headerDecoder.templateId(), blockLength, length);
        switch (headerDecoder.templateId())
        {
            case SnapshotBeginDecoder.TEMPLATE_ID:
                if (begun)
                {
                    throw corrupt("has two begin markers");
                }
                beginDecoder.wrap(buffer, body, blockLength, version);
                if (beginDecoder.journalPosition() != expectedPosition)
                {
                    throw corrupt("begins at position " + beginDecoder.journalPosition() +
                        " but its index says " + expectedPosition);
                }
                state.restoreSequences(beginDecoder.nextSequence(), beginDecoder.lastEntrySequence(),
                    beginDecoder.epoch(), beginDecoder.timestampNs());
                timestampNs = beginDecoder.timestampNs();
                declaredTypes = beginDecoder.aggregateTypes();
                begun = true;
                break;

            case SnapshotTypeDecoder.TEMPLATE_ID:
                requireBegun();
                typeDecoder.wrap(buffer, body, blockLength, version);
                checkType(state.runtime(typeDecoder.aggregateTypeId()));
                includedTypes.add(typeDecoder.aggregateTypeId());
                typeVersions.put(typeDecoder.aggregateTypeId(), typeDecoder.schemaVersion());
                break;

            case SnapshotAggregatesDecoder.TEMPLATE_ID:
                requireBegun();
                batchDecoder.wrap(buffer, body, blockLength, version);
                loadBatch(buffer, offset + length);
                break;

            case SnapshotAggregateDecoder.TEMPLATE_ID:
                requireBegun();
                aggregateDecoder.wrap(buffer, body, blockLength, version);
                loadAggregate(buffer);
                aggregates++;
                break;

            case SnapshotKeyDecoder.TEMPLATE_ID:
                requireBegun();
                keyDecoder.wrap(buffer, body, blockLength, version);
                state.restoreKey(keyDecoder.keyHi(), keyDecoder.keyLo(), keyDecoder.aggregateTypeId(),
                    keyDecoder.aggregateId(), keyDecoder.version(), keyDecoder.sequence(), keyDecoder.position());
                keys++;
                break;

            case SnapshotEndDecoder.TEMPLATE_ID:
                requireBegun();
                endDecoder.wrap(buffer, body, blockLength, version);
                if (endDecoder.journalPosition() != expectedPosition)
                {
                    throw corrupt("ends at position " + endDecoder.journalPosition() + " but its index says " +
                        expectedPosition);
                }
                if (endDecoder.checksum() != crc.getValue())
                {
                    throw corrupt("fails its checksum");
                }
                if (includedTypes.size() != declaredTypes)
                {
                    throw corrupt("declares " + declaredTypes + " aggregate types but names " + includedTypes.size());
                }
                if (endDecoder.aggregates() != aggregates || endDecoder.keys() != keys)
                {
                    throw corrupt("holds " + aggregates + " aggregates and " + keys + " keys but its end marker " +
                        "says " + endDecoder.aggregates() + " and " + endDecoder.keys());
                }
                ended = true;
                return;

            default:
                throw corrupt("has an unknown template " + headerDecoder.templateId());
        }
        update(buffer, offset, length);
    }

    /**
     * Every byte of a message's header is checked, since the end marker's header is outside the checksum: each
     * snapshot template's block has kept its length since it was introduced, so the block length must be exactly it
     * (a later version that grows a block must map the acting version to its length here), and a message without
     * var data must be exactly its header and block.
     */
    private void checkFraming(final int templateId, final int blockLength, final int length)
    {
        final int expectedBlock;
        final boolean fixed;
        switch (templateId)
        {
            case SnapshotBeginDecoder.TEMPLATE_ID:
                expectedBlock = SnapshotBeginDecoder.BLOCK_LENGTH;
                fixed = true;
                break;
            case SnapshotTypeDecoder.TEMPLATE_ID:
                expectedBlock = SnapshotTypeDecoder.BLOCK_LENGTH;
                fixed = true;
                break;
            case SnapshotKeyDecoder.TEMPLATE_ID:
                expectedBlock = SnapshotKeyDecoder.BLOCK_LENGTH;
                fixed = true;
                break;
            case SnapshotEndDecoder.TEMPLATE_ID:
                expectedBlock = SnapshotEndDecoder.BLOCK_LENGTH;
                fixed = true;
                break;
            case SnapshotAggregatesDecoder.TEMPLATE_ID:
                expectedBlock = SnapshotAggregatesDecoder.BLOCK_LENGTH;
                fixed = false;
                break;
            case SnapshotAggregateDecoder.TEMPLATE_ID:
                expectedBlock = SnapshotAggregateDecoder.BLOCK_LENGTH;
                fixed = false;
                break;
            default:
                throw corrupt("has an unknown template " + templateId);
        }
        if (blockLength != expectedBlock)
        {
            throw corrupt("has a message of template " + templateId + " with a block of " + blockLength +
                " bytes, not " + expectedBlock);
        }
        final int minimum = SkeinProtocol.HEADER_LENGTH + expectedBlock;
        if (fixed ? length != minimum : length < minimum)
        {
            throw corrupt("has a message of template " + templateId + " of " + length + " bytes, not " +
                (fixed ? "" : "at least ") + minimum);
        }
    }

    private void checkType(final AggregateRuntime<Object> runtime)
    {
        if (null == runtime)
        {
            throw corrupt("holds aggregate type " + typeDecoder.aggregateTypeId() + ", unknown to this engine");
        }
        final AggregateDefinition<Object> definition = runtime.definition();
        if (typeDecoder.schemaId() != definition.schemaId())
        {
            throw corrupt("holds " + definition.name() + " state of schema " + typeDecoder.schemaId() +
                " but the type now uses schema " + definition.schemaId());
        }
        if (typeDecoder.schemaVersion() > definition.schemaVersion())
        {
            throw corrupt("holds " + definition.name() + " state of schema version " + typeDecoder.schemaVersion() +
                ", newer than this build's " + definition.schemaVersion());
        }
        if (typeDecoder.schemaVersion() < definition.schemaVersion() && (null == definition.stateCodec() ||
            !definition.stateCodec().decodesOlderVersions()))
        {
            throw corrupt("holds " + definition.name() + " state of schema version " + typeDecoder.schemaVersion() +
                ", older than this build's " + definition.schemaVersion() + ", and the type's state codec does not " +
                "decode older versions (override StateCodec.decode(buffer, offset, length, schemaVersion, state))");
        }
    }

    /**
     * A batch of aggregates of one type (schema version 6 on).
     */
    private void loadBatch(final DirectBuffer buffer, final int end)
    {
        final AggregateRuntime<Object> runtime = runtimeOf(batchDecoder.aggregateTypeId());
        final StateCodec<Object> codec = runtime.definition().stateCodec();
        final SnapshotAggregatesDecoder.AggregatesDecoder batch = batchDecoder.aggregates();
        if (batch.count() == 0)
        {
            throw corrupt("holds an empty batch of aggregates");
        }
        while (batch.hasNext())
        {
            batch.next();
            final long aggregateId = batch.aggregateId();
            final long version = batch.version();
            final int stateOffset = batchDecoder.limit() +
                SnapshotAggregatesDecoder.AggregatesDecoder.stateHeaderLength();
            final int stateLength = batch.stateLength();
            if (stateLength < 0 || stateOffset + stateLength > end)
            {
                throw corrupt("has an aggregate's state running past the end of its message");
            }
            final Object aggregateState = runtime.definition().newState();
            decodeState(runtime, codec, buffer, stateOffset, stateLength, aggregateState);
            batch.skipState();
            state.restoreAggregate(runtime, aggregateId, version, aggregateState);
            aggregates++;
        }
        if (batchDecoder.limit() != end)
        {
            throw corrupt("has a batch of aggregates whose length does not match its message");
        }
    }

    /**
     * Decode a state at the version its snapshot recorded for its type: the current decode for the current version,
     * the codec's older-version decode otherwise (checkType refused the snapshot if the codec has none).
     */
    private void decodeState(
        final AggregateRuntime<Object> runtime,
        final StateCodec<Object> codec,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Object aggregateState)
    {
        final int version = typeVersions.get(runtime.typeId());
        if (version >= 0 && version < runtime.definition().schemaVersion())
        {
            codec.decode(buffer, offset, length, version, aggregateState);
        }
        else
        {
            codec.decode(buffer, offset, length, aggregateState);
        }
    }

    private AggregateRuntime<Object> runtimeOf(final int typeId)
    {
        final AggregateRuntime<Object> runtime = state.runtime(typeId);
        if (null == runtime)
        {
            throw corrupt("holds aggregate type " + typeId + ", unknown to this engine");
        }
        if (!includedTypes.contains(runtime.typeId()))
        {
            throw corrupt("holds an aggregate of type " + runtime.definition().name() + " it does not name");
        }
        if (null == runtime.definition().stateCodec())
        {
            throw corrupt("holds aggregate type " + runtime.definition().name() + " which has no state codec");
        }
        return runtime;
    }

    /**
     * One aggregate in a message of its own: snapshots written before schema version 6.
     */
    private void loadAggregate(final DirectBuffer buffer)
    {
        final AggregateRuntime<Object> runtime = runtimeOf(aggregateDecoder.aggregateTypeId());
        final StateCodec<Object> codec = runtime.definition().stateCodec();
        final long aggregateId = aggregateDecoder.aggregateId();
        final long version = aggregateDecoder.version();
        final int stateLength = aggregateDecoder.stateLength();
        final int stateOffset = aggregateDecoder.limit() + SnapshotAggregateDecoder.stateHeaderLength();
        final Object aggregateState = runtime.definition().newState();
        decodeState(runtime, codec, buffer, stateOffset, stateLength, aggregateState);
        state.restoreAggregate(runtime, aggregateId, version, aggregateState);
    }

    private void update(final DirectBuffer buffer, final int offset, final int length)
    {
        int done = 0;
        while (done < length)
        {
            final int chunk = Math.min(scratch.length, length - done);
            buffer.getBytes(offset + done, scratch, 0, chunk);
            crc.update(scratch, 0, chunk);
            done += chunk;
        }
    }

    private void requireBegun()
    {
        if (!begun)
        {
            throw corrupt("does not start with a begin marker");
        }
    }

    private SkeinException corrupt(final String what)
    {
        return new SkeinException(SkeinException.Code.STORAGE, source + " " + what);
    }
}
