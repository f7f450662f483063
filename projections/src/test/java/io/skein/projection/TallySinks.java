package io.skein.projection;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;

import io.skein.engine.test.codecs.AddedDecoder;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinProtocol;

/**
 * Sinks for the tally's events that a crash test can check against the journal: an exactly-once one whose state and
 * checkpoint are one file replaced atomically per batch (a transaction), and an at-least-once one that appends every
 * event it is given to a log forced at each batch end.
 */
final class TallySinks
{
    static final int AGGREGATES = 16;

    private TallySinks()
    {
    }

    /**
     * What a model of the tally's events holds: how many, the sum of their sequences, and each aggregate's total.
     */
    static final class Model
    {
        long count;
        long sequenceSum;
        final long[] totals = new long[AGGREGATES];

        void apply(final long sequence, final long aggregateId, final long amount)
        {
            count++;
            sequenceSum += sequence;
            totals[(int)(aggregateId % AGGREGATES)] += amount;
        }

        String describe()
        {
            return "count=" + count + " sequenceSum=" + sequenceSum + " totals=" + java.util.Arrays.toString(totals);
        }

        void copyFrom(final Model other)
        {
            count = other.count;
            sequenceSum = other.sequenceSum;
            System.arraycopy(other.totals, 0, totals, 0, AGGREGATES);
        }
    }

    static long amount(final JournalEvents event, final AddedDecoder decoder)
    {
        decoder.wrap(event.event(), SkeinProtocol.HEADER_LENGTH, AddedDecoder.BLOCK_LENGTH,
            AddedDecoder.SCHEMA_VERSION);
        return decoder.amount();
    }

    /**
     * Exactly once: the model and the checkpoint are written together, to a temporary file forced to the device and
     * moved over the last one, so a crash leaves one committed batch or the one before.
     */
    static final class Transactional implements TransactionalProjection
    {
        private final File file;
        private final Model committed = new Model();
        private final Model working = new Model();
        private final AddedDecoder decoder = new AddedDecoder();
        private final long commitPauseMs;
        long batches;

        Transactional(final File file, final long commitPauseMs)
        {
            this.file = file;
            this.commitPauseMs = commitPauseMs;
        }

        @Override
        public Checkpoint loadCheckpoint() throws IOException
        {
            if (!file.exists())
            {
                committed.copyFrom(new Model());
                return Checkpoint.NONE;
            }
            final List<String> lines = Files.readAllLines(file.toPath(), StandardCharsets.UTF_8);
            final String[] head = lines.get(0).split(" ");
            committed.count = Long.parseLong(head[2]);
            committed.sequenceSum = Long.parseLong(head[3]);
            final String[] totals = lines.get(1).split(" ");
            for (int i = 0; i < AGGREGATES; i++)
            {
                committed.totals[i] = Long.parseLong(totals[i]);
            }
            return new Checkpoint(Long.parseLong(head[0]), Long.parseLong(head[1]));
        }

        @Override
        public void onBatchStart()
        {
            working.copyFrom(committed);
        }

        @Override
        public void onEvent(final JournalEvents event)
        {
            working.apply(event.sequence(), event.aggregateId(), amount(event, decoder));
        }

        @Override
        public void onBatchEnd(final Checkpoint checkpoint) throws Exception
        {
            final StringBuilder text = new StringBuilder();
            text.append(checkpoint.position()).append(' ').append(checkpoint.entrySequence()).append(' ')
                .append(working.count).append(' ').append(working.sequenceSum).append('\n');
            for (int i = 0; i < AGGREGATES; i++)
            {
                text.append(working.totals[i]).append(i == AGGREGATES - 1 ? "\n" : " ");
            }
            final File temporary = new File(file.getParentFile(), file.getName() + ".tmp");
            try (FileChannel channel = FileChannel.open(temporary.toPath(), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING))
            {
                channel.write(ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            if (commitPauseMs > 0)
            {
                Thread.sleep(commitPauseMs);
            }
            Files.move(temporary.toPath(), file.toPath(), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
            committed.copyFrom(working);
            batches++;
        }

        Model committed()
        {
            return committed;
        }
    }

    /**
     * At least once: every event given is appended ({@code sequence position aggregate amount}) and the log forced
     * at each batch end, before the runner stores the checkpoint.
     */
    static final class AppendLog implements Projection
    {
        private final File file;
        private final StringBuilder pending = new StringBuilder();
        private final AddedDecoder decoder = new AddedDecoder();
        private final long commitPauseMs;
        long batches;

        AppendLog(final File file, final long commitPauseMs)
        {
            this.file = file;
            this.commitPauseMs = commitPauseMs;
        }

        @Override
        public void onEvent(final JournalEvents event)
        {
            pending.append(event.sequence()).append(' ').append(event.position()).append(' ')
                .append(event.aggregateId()).append(' ').append(amount(event, decoder)).append('\n');
        }

        @Override
        public void onBatchEnd(final Checkpoint checkpoint) throws Exception
        {
            try (FileChannel channel = FileChannel.open(file.toPath(), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND))
            {
                channel.write(ByteBuffer.wrap(pending.toString().getBytes(StandardCharsets.UTF_8)));
                channel.force(true);
            }
            pending.setLength(0);
            if (commitPauseMs > 0)
            {
                Thread.sleep(commitPauseMs);
            }
            batches++;
        }

        @Override
        public void onBatchAbort(final Throwable cause)
        {
            pending.setLength(0);
        }
    }
}
