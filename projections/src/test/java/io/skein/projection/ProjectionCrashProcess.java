package io.skein.projection;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;

import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;

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
            CrashRun.startWriter(engine, Long.MAX_VALUE, () -> true);
            CrashRun.commitForever(runner, out);
        }
        final long end = engine.durablePosition();
        CrashRun.finish(runner, end);
        runner.close();
        engine.close();
        journal.close();
        archive.close();
        out.println("DONE " + end);
        out.flush();
    }
}
