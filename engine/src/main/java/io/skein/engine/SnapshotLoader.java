package io.skein.engine;

import java.util.zip.CRC32C;

import io.skein.aggregate.StateCodec;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.SnapshotAggregateDecoder;
import io.skein.codecs.SnapshotBeginDecoder;
import io.skein.codecs.SnapshotEndDecoder;
import io.skein.codecs.SnapshotKeyDecoder;
import io.skein.journal.EntryHandler;
import io.skein.journal.Journal;
import io.skein.journal.RecordingLog;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;

/**
 * Loads a snapshot recording into the executor, checking its framing, counts, journal position and checksum; a
 * snapshot that fails any check leaves the executor reset and is reported, so the caller can fall back.
 */
final class SnapshotLoader implements EntryHandler
{
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final SnapshotBeginDecoder beginDecoder = new SnapshotBeginDecoder();
    private final SnapshotAggregateDecoder aggregateDecoder = new SnapshotAggregateDecoder();
    private final SnapshotKeyDecoder keyDecoder = new SnapshotKeyDecoder();
    private final SnapshotEndDecoder endDecoder = new SnapshotEndDecoder();
    private final CRC32C crc = new CRC32C();
    private final byte[] scratch = new byte[4096];
    private CommandExecutor executor;
    private RecordingLog.Entry entry;
    private boolean begun;
    private boolean ended;
    private long aggregates;
    private long keys;
    private long timestampNs;

    /**
     * Load a snapshot.
     *
     * @return null if loaded, else why not (the executor is then reset).
     */
    String load(final CommandExecutor executor, final Journal journal, final RecordingLog.Entry entry)
    {
        this.executor = executor;
        this.entry = entry;
        begun = false;
        ended = false;
        aggregates = 0;
        keys = 0;
        crc.reset();
        executor.resetState();
        try
        {
            journal.readSnapshot(entry.recordingId(), this);
            if (!ended)
            {
                throw new SkeinException(SkeinException.Code.STORAGE, "snapshot has no end marker (incomplete)");
            }
            return null;
        }
        catch (final RuntimeException ex)
        {
            executor.resetState();
            return ex.getMessage();
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
        switch (headerDecoder.templateId())
        {
            case SnapshotBeginDecoder.TEMPLATE_ID:
                if (begun)
                {
                    throw corrupt("has two begin markers");
                }
                beginDecoder.wrap(buffer, body, blockLength, version);
                if (beginDecoder.journalPosition() != entry.position())
                {
                    throw corrupt("begins at journal position " + beginDecoder.journalPosition() +
                        " but the recording log says " + entry.position());
                }
                executor.restoreSequences(beginDecoder.nextSequence(), beginDecoder.lastEntrySequence(),
                    beginDecoder.epoch(), beginDecoder.timestampNs());
                timestampNs = beginDecoder.timestampNs();
                begun = true;
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
                executor.restoreKey(keyDecoder.keyHi(), keyDecoder.keyLo(), keyDecoder.aggregateTypeId(),
                    keyDecoder.aggregateId(), keyDecoder.version(), keyDecoder.sequence(), keyDecoder.position());
                keys++;
                break;

            case SnapshotEndDecoder.TEMPLATE_ID:
                requireBegun();
                endDecoder.wrap(buffer, body, blockLength, version);
                if (endDecoder.checksum() != crc.getValue())
                {
                    throw corrupt("fails its checksum");
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

    private void loadAggregate(final DirectBuffer buffer)
    {
        final AggregateRuntime<Object> runtime = executor.runtimes().get(aggregateDecoder.aggregateTypeId());
        if (null == runtime)
        {
            throw corrupt("holds aggregate type " + aggregateDecoder.aggregateTypeId() + ", unknown to this engine");
        }
        final StateCodec<Object> codec = runtime.definition().stateCodec();
        if (null == codec)
        {
            throw corrupt("holds aggregate type " + runtime.definition().name() + " which has no state codec");
        }
        final long aggregateId = aggregateDecoder.aggregateId();
        final long version = aggregateDecoder.version();
        final int stateLength = aggregateDecoder.stateLength();
        final int stateOffset = aggregateDecoder.limit() + SnapshotAggregateDecoder.stateHeaderLength();
        final Object state = runtime.definition().newState();
        codec.decode(buffer, stateOffset, stateLength, state);
        executor.restoreAggregate(runtime, aggregateId, version, state);
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
        return new SkeinException(SkeinException.Code.STORAGE, "snapshot recording " + entry.recordingId() + " " +
            what);
    }
}
