package io.skein.engine;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;

import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.StateCodec;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.SnapshotAggregatesEncoder;
import io.skein.codecs.SnapshotBeginEncoder;
import io.skein.codecs.SnapshotEndEncoder;
import io.skein.codecs.SnapshotKeyEncoder;
import io.skein.codecs.SnapshotTypeEncoder;
import io.skein.engine.AggregateRuntime.AggregateRecord;
import io.skein.journal.Journal;
import io.skein.journal.RecordingLog;
import io.skein.journal.SnapshotWriter;
import org.agrona.ExpandableArrayBuffer;

/**
 * Writes the engine's state as a snapshot recording, on the single writer between commands: a begin marker with the
 * journal position, sequences and epoch; the aggregate types it holds (those with a state codec; the others are
 * rebuilt from the journal on load); every aggregate of those types, type by type in the loader's slot order, in its
 * type's own state encoding, batched as many to a message as fit in one Aeron frame; the idempotency window oldest
 * first; and an end marker with a CRC-32C over everything before it.
 */
final class SnapshotTaker
{
    /**
     * The longest batch of aggregates in one message: the payload of one frame at Aeron's default MTU (1,408 bytes
     * less the 32-byte frame header), so a batch is never fragmented. An aggregate whose state alone is longer goes
     * in a batch of its own, fragmented by Aeron.
     */
    static final int MAX_BATCH_LENGTH = 1_376;

    private static final int MAX_BATCH_COUNT = SnapshotAggregatesEncoder.AggregatesEncoder.countMaxValue();
    private static final int ELEMENT_OVERHEAD = SnapshotAggregatesEncoder.AggregatesEncoder.sbeBlockLength() +
        SnapshotAggregatesEncoder.AggregatesEncoder.stateHeaderLength();

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(4096);
    private final ExpandableArrayBuffer stateBuffer = new ExpandableArrayBuffer(1024);
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final SnapshotBeginEncoder beginEncoder = new SnapshotBeginEncoder();
    private final SnapshotAggregatesEncoder batchEncoder = new SnapshotAggregatesEncoder();
    private SnapshotAggregatesEncoder.AggregatesEncoder batch;
    private int batchCount;
    private final SnapshotKeyEncoder keyEncoder = new SnapshotKeyEncoder();
    private final SnapshotTypeEncoder typeEncoder = new SnapshotTypeEncoder();
    private final SnapshotEndEncoder endEncoder = new SnapshotEndEncoder();
    private final CRC32C crc = new CRC32C();

    /**
     * Write a snapshot of the state, which must be the state after every journal entry up to
     * {@code journalPosition} and none after. It is stamped with the time of the last entry it reflects, so snapshots
     * of the same state are the same bytes whether taken on the writer or built off it.
     */
    RecordingLog.Entry take(final EngineState state, final Journal journal, final long journalPosition)
    {
        try (SnapshotWriter writer = journal.snapshotWriter())
        {
            write(state, writer::append, journalPosition);
            return writer.finish(journalPosition, state.epoch(), state.lastEntryTimestampNs() / 1_000_000);
        }
    }

    /**
     * Write a snapshot of the state to a sink, one message per call: the same messages {@link #take} records.
     *
     * @param state    to write, the state after every entry up to {@code position} and none after.
     * @param sink     taking each message.
     * @param position the begin and end markers name: the journal position, or the cluster log position in cluster
     *                 mode.
     */
    void write(final EngineState state, final SnapshotSink sink, final long position)
    {
        final long timestampNs = state.lastEntryTimestampNs();
        final int[] typeIds = typesWithCodec(state);

        crc.reset();
        beginEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .journalPosition(position)
            .epoch(state.epoch())
            .timestampNs(timestampNs)
            .nextSequence(state.nextSequence())
            .lastEntrySequence(state.lastEntrySequence())
            .aggregateTypes(typeIds.length);
        append(sink, MessageHeaderEncoder.ENCODED_LENGTH + beginEncoder.encodedLength());
        for (final int typeId : typeIds)
        {
            final AggregateDefinition<Object> definition = state.runtime(typeId).definition();
            typeEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                .aggregateTypeId(typeId)
                .schemaId(definition.schemaId())
                .schemaVersion(definition.schemaVersion());
            append(sink, MessageHeaderEncoder.ENCODED_LENGTH + typeEncoder.encodedLength());
        }

        long aggregates = 0;
        for (final int typeId : typeIds)
        {
            final AggregateRuntime<Object> runtime = state.runtime(typeId);
            final StateCodec<Object> codec = runtime.definition().stateCodec();
            batchCount = 0;
            for (final long id : EngineState.snapshotOrder(runtime))
            {
                final AggregateRecord<Object> record = runtime.existing(id);
                final int stateLength = codec.encode(record.state, stateBuffer, 0);
                if (batchCount > 0 && (batchEncoder.limit() + ELEMENT_OVERHEAD + stateLength > MAX_BATCH_LENGTH ||
                    batchCount == MAX_BATCH_COUNT))
                {
                    flushBatch(sink);
                }
                if (0 == batchCount)
                {
                    batch = batchEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                        .aggregateTypeId(typeId)
                        .aggregatesCount(MAX_BATCH_COUNT);
                }
                batch.next().aggregateId(id).version(record.version);
                final int lengthOffset = batchEncoder.limit();
                buffer.putInt(lengthOffset, stateLength, ByteOrder.LITTLE_ENDIAN);
                buffer.putBytes(lengthOffset + 4, stateBuffer, 0, stateLength);
                batchEncoder.limit(lengthOffset + 4 + stateLength);
                batchCount++;
                aggregates++;
            }
            if (batchCount > 0)
            {
                flushBatch(sink);
            }
        }

        final IdempotencyWindow window = state.window();
        for (int i = 0; i < window.size(); i++)
        {
            final int entry = window.oldest(i);
            keyEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                .keyHi(window.keyHi(entry))
                .keyLo(window.keyLo(entry))
                .aggregateTypeId(window.typeId(entry))
                .aggregateId(window.aggregateId(entry))
                .version(window.version(entry))
                .sequence(window.sequence(entry))
                .position(window.position(entry));
            append(sink, MessageHeaderEncoder.ENCODED_LENGTH + keyEncoder.encodedLength());
        }

        endEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .journalPosition(position)
            .checksum(crc.getValue())
            .aggregates(aggregates)
            .keys(window.size());
        sink.append(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + endEncoder.encodedLength());
    }

    private void flushBatch(final SnapshotSink sink)
    {
        batch.resetCountToIndex();
        append(sink, batchEncoder.limit());
        batchCount = 0;
    }

    private void append(final SnapshotSink sink, final int length)
    {
        crc.update(buffer.byteArray(), 0, length);
        sink.append(buffer, 0, length);
    }

    /**
     * The aggregate types whose state goes into snapshots, in id order: those with a state codec. The others are
     * rebuilt from the journal when a snapshot is loaded.
     */
    private static int[] typesWithCodec(final EngineState state)
    {
        final int[] all = state.sortedTypeIds();
        int n = 0;
        for (final int typeId : all)
        {
            if (null != state.runtime(typeId).definition().stateCodec())
            {
                all[n++] = typeId;
            }
        }
        return Arrays.copyOf(all, n);
    }
}
