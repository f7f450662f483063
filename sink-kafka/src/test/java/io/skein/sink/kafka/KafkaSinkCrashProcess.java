package io.skein.sink.kafka;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;

import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import io.skein.projection.Checkpoint;
import io.skein.projection.CrashRun;
import io.skein.projection.EventSource;
import io.skein.projection.ProjectionRunner;
import io.skein.projection.TransactionalProjection;
import io.skein.protocol.JournalEvents;

/**
 * The process the Kafka crash test kills: an engine on an embedded archive, a runner and a {@link KafkaSink}
 * publishing the tally's events. Arguments: the directory, the bootstrap servers, the topic, and {@code run} (write
 * commands without end and publish them, printing {@code B <position>} after each committed batch; after 30
 * batches, hold the next transaction open, its events sent, print {@code PAUSED} and wait to be killed) or
 * {@code finish} (write nothing, publish to the end of the recovered journal, print {@code DONE}, exit).
 */
public final class KafkaSinkCrashProcess
{
    static final String NAME = "crash";
    static final int BATCHES_BEFORE_PAUSE = 30;
    static final int COMMANDS = 1_500;
    private static volatile boolean writing = true;

    private KafkaSinkCrashProcess()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final File dir = new File(args[0]);
        final boolean run = "run".equals(args[3]);
        final PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
        final EmbeddedArchive archive = EmbeddedArchive.launch(new EmbeddedArchive.Context()
            .baseDir(dir).termLength(TestArchive.TERM_LENGTH).segmentFileLength(TestArchive.TERM_LENGTH * 16));
        final Journal journal = Journal.launch(new Journal.Context()
            .embeddedArchive(archive).journalDir(new File(dir, "journal")));
        final SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
            .name("published")
            .aggregate(TestAggregates.Tally::new)
            .errorHandler((ex) -> report(out, ex))
            .journal(journal));
        final KafkaSink sink = KafkaSink.launch(new KafkaSink.Context()
            .bootstrapServers(args[1])
            .projectionName(NAME)
            .topic(args[2])
            .checkpointTopic("crash-checkpoints")
            .timeoutMs(10_000));
        final PausingProjection projection = new PausingProjection(sink, run ? BATCHES_BEFORE_PAUSE : -1, out);
        final ProjectionRunner runner = ProjectionRunner.open(new ProjectionRunner.Context()
            .name(NAME)
            .source(EventSource.of(engine))
            .projection(projection)
            .delivery(ProjectionRunner.Delivery.EXACTLY_ONCE)
            .batchSize(20)
            .errorHandler((ex) -> report(out, ex)));

        if (run)
        {
            CrashRun.startWriter(engine, COMMANDS, () -> writing);
            CrashRun.commitForever(runner, out);
        }
        final long end = engine.durablePosition();
        CrashRun.finish(runner, end);
        runner.close();
        sink.close();
        engine.close();
        journal.close();
        archive.close();
        out.println("DONE " + end + " " + sink.transactions());
        out.flush();
    }

    private static void report(final PrintStream out, final Throwable ex)
    {
        synchronized (out)
        {
            out.println("ERROR " + ex);
            out.flush();
        }
    }

    /**
     * The sink, but after a number of committed batches it holds the next transaction open, its events sent and
     * given time to reach the broker, and waits there to be killed.
     */
    static final class PausingProjection implements TransactionalProjection
    {
        private final KafkaSink sink;
        private final long pauseAfterBatches;
        private final PrintStream out;
        private long batches;

        PausingProjection(final KafkaSink sink, final long pauseAfterBatches, final PrintStream out)
        {
            this.sink = sink;
            this.pauseAfterBatches = pauseAfterBatches;
            this.out = out;
        }

        @Override
        public Checkpoint loadCheckpoint()
        {
            final long t0 = System.nanoTime();
            final Checkpoint checkpoint = sink.loadCheckpoint();
            synchronized (out)
            {
                out.println("LOADED " + checkpoint + " in " + (System.nanoTime() - t0) / 1_000_000 + " ms");
                out.flush();
            }
            return checkpoint;
        }

        @Override
        public void onBatchStart()
        {
            sink.onBatchStart();
        }

        @Override
        public void onEvent(final JournalEvents event)
        {
            sink.onEvent(event);
        }

        @Override
        public void onBatchEnd(final Checkpoint checkpoint) throws Exception
        {
            if (batches++ == pauseAfterBatches)
            {
                // The journal stops growing, so the finishing run has a bounded amount to publish.
                writing = false;
                synchronized (out)
                {
                    out.println("PAUSED " + checkpoint.position());
                    out.flush();
                }
                Thread.sleep(TimeUnit.MINUTES.toMillis(2));
            }
            sink.onBatchEnd(checkpoint);
        }

        @Override
        public void onBatchAbort(final Throwable cause)
        {
            sink.onBatchAbort(cause);
        }
    }
}
