package io.skein.projection;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandWriter;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The process a projection crash test kills: an engine on an embedded archive with a projection of the tally's
 * events into one of {@link TallySinks}. Arguments: the directory, {@code exactly} or {@code atleast}, and
 * {@code run} (write commands without end and project them; prints {@code B <position>} after each committed batch)
 * or {@code finish} (write nothing, project to the end of the recovered journal, print {@code DONE}, exit).
 */
public final class ProjectionCrashProcess
{
    private ProjectionCrashProcess()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final File dir = new File(args[0]);
        final boolean exactly = "exactly".equals(args[1]);
        final boolean run = "run".equals(args[2]);
        final PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
        final EmbeddedArchive archive = EmbeddedArchive.launch(new EmbeddedArchive.Context()
            .baseDir(dir).termLength(TestArchive.TERM_LENGTH).segmentFileLength(TestArchive.TERM_LENGTH * 16));
        final Journal journal = Journal.launch(new Journal.Context()
            .embeddedArchive(archive).journalDir(new File(dir, "journal")));
        final SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
            .name("projected")
            .aggregate(TestAggregates.Tally::new)
            .journal(journal));

        final File sinkDir = new File(dir, "sink");
        sinkDir.mkdirs();
        final Projection projection = exactly ?
            new TallySinks.Transactional(new File(sinkDir, "tally.state"), run ? 2 : 0) :
            new TallySinks.AppendLog(new File(sinkDir, "tally.log"), run ? 2 : 0);
        final ProjectionRunner.Context ctx = new ProjectionRunner.Context()
            .name("tally")
            .source(EventSource.of(engine))
            .projection(projection)
            .delivery(exactly ? ProjectionRunner.Delivery.EXACTLY_ONCE : ProjectionRunner.Delivery.AT_LEAST_ONCE)
            .checkpointDir(sinkDir)
            .batchSize(20)
            .errorHandler((ex) ->
            {
                synchronized (out)
                {
                    out.println("ERROR " + ex);
                    out.flush();
                }
            });
        final ProjectionRunner runner = ProjectionRunner.open(ctx);
        out.println("READY");
        out.flush();

        if (run)
        {
            final Thread writer = new Thread(() -> write(engine), "writer");
            writer.setDaemon(true);
            writer.start();
            long lastPosition = -1;
            while (true)
            {
                if (runner.doWork() == 0)
                {
                    Thread.sleep(1);
                }
                final Checkpoint checkpoint = runner.checkpoint();
                if (null != checkpoint && checkpoint.position() != lastPosition)
                {
                    lastPosition = checkpoint.position();
                    out.println("B " + lastPosition);
                    out.flush();
                }
            }
        }
        final long end = engine.durablePosition();
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (null == runner.checkpoint() || runner.checkpoint().position() < end)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("projection did not reach " + end + ": " + runner.checkpoint());
            }
            if (runner.doWork() == 0)
            {
                Thread.sleep(1);
            }
        }
        runner.close();
        engine.close();
        journal.close();
        archive.close();
        out.println("DONE " + end);
        out.flush();
    }

    private static void write(final SkeinEngine engine)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        final AddEncoder add = new AddEncoder();
        final Semaphore inFlight = new Semaphore(32);
        for (long i = 0; ; i++)
        {
            inFlight.acquireUninterruptibly();
            writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % TallySinks.AGGREGATES);
            writer.body(add).amount(1 + (i * 7919) % 1000).repeat(1 + (int)(i % 3)).behaviour(0)
                .putNote(TestAggregates.NO_NOTE, 0, 0);
            engine.submit(buffer, 0, writer.length()).whenComplete((result, ex) -> inFlight.release());
            if (i % 64 == 0)
            {
                try
                {
                    Thread.sleep(1);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }
    }
}
