package io.skein.sink.postgres;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.engine.test.codecs.AddedDecoder;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import io.skein.projection.CrashRun;
import io.skein.projection.EventSource;
import io.skein.projection.ProjectionRunner;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinProtocol;

/**
 * The process a PostgreSQL crash test kills: an engine on an embedded archive and a projection of the tally's events
 * into {@code tally_event} (one row per event, its global sequence the primary key, so a repeat could not even be
 * written). Arguments: the directory, the JDBC URL, and {@code run} (write commands without end, project them with a
 * pause inside each transaction; prints {@code B <position>} per committed batch) or {@code finish} (project to the
 * end of the recovered journal, print {@code DONE}, exit).
 */
public final class PostgresCrashProcess
{
    private PostgresCrashProcess()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final File dir = new File(args[0]);
        final String url = args[1];
        final boolean run = "run".equals(args[2]);
        final PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
        final EmbeddedArchive archive = EmbeddedArchive.launch(new EmbeddedArchive.Context()
            .baseDir(dir).termLength(TestArchive.TERM_LENGTH).segmentFileLength(TestArchive.TERM_LENGTH * 16));
        final Journal journal = Journal.launch(new Journal.Context()
            .embeddedArchive(archive).journalDir(new File(dir, "journal")));
        final SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
            .name("tally")
            .aggregate(TestAggregates.Tally::new)
            .journal(journal));
        final Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        final AddedDecoder added = new AddedDecoder();
        final PostgresProjection sink = new PostgresProjection(url, properties, "tally", new RowWriter()
        {
            @Override
            public void createSchema(final Rows rows) throws SQLException
            {
                try (Statement create = rows.connection().createStatement())
                {
                    create.execute("CREATE TABLE IF NOT EXISTS tally_event (sequence bigint PRIMARY KEY, " +
                        "aggregate_id bigint NOT NULL, amount bigint NOT NULL, position bigint NOT NULL)");
                }
            }

            @Override
            public void onEvent(final Rows rows, final JournalEvents event) throws SQLException
            {
                added.wrap(event.event(), SkeinProtocol.HEADER_LENGTH, AddedDecoder.BLOCK_LENGTH,
                    AddedDecoder.SCHEMA_VERSION);
                final PreparedStatement insert = rows.statement(
                    "INSERT INTO tally_event (sequence, aggregate_id, amount, position) VALUES (?, ?, ?, ?)");
                insert.setLong(1, event.sequence());
                insert.setLong(2, event.aggregateId());
                insert.setLong(3, added.amount());
                insert.setLong(4, event.position());
                insert.executeUpdate();
                if (run && event.eventIndex() == 0)
                {
                    try
                    {
                        Thread.sleep(0, 200_000);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        });
        final ProjectionRunner runner = ProjectionRunner.open(new ProjectionRunner.Context()
            .name("tally")
            .source(EventSource.of(engine))
            .projection(sink)
            .delivery(ProjectionRunner.Delivery.EXACTLY_ONCE)
            .batchSize(25)
            .errorHandler((ex) ->
            {
                synchronized (out)
                {
                    out.println("ERROR " + ex);
                    out.flush();
                }
            }));
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
        sink.close();
        engine.close();
        journal.close();
        archive.close();
        out.println("DONE " + end);
        out.flush();
    }
}
