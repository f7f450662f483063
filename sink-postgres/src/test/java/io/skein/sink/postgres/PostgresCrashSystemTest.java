package io.skein.sink.postgres;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.skein.engine.RecordedEvent;
import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.engine.test.codecs.AddedDecoder;
import io.skein.journal.TestArchive;
import io.skein.projection.EventPage;
import io.skein.projection.EventReader;
import io.skein.projection.EventSource;
import io.skein.protocol.EventFilter;
import io.skein.testsupport.ForkedJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process projecting into PostgreSQL, SIGKILLed in the middle of its transactions and started again, leaves the
 * table equal to a model of the journal: every event exactly once.
 */
class PostgresCrashSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(90);

    @TempDir
    File dir;

    @Test
    void shouldEndWithEveryEventExactlyOnceAfterSigkillMidTransaction() throws Exception
    {
        try (PostgresServer server = PostgresServer.launch())
        {
            final File output = new File(dir, "run.out");
            try (ForkedJvm process = ForkedJvm.startWithOutputFile("run", dir, List.of(), PostgresCrashProcess.class,
                dir.getAbsolutePath(), server.url(), "run"))
            {
                final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                while (batches(output) < 40)
                {
                    assertTrue(process.isAlive(), "the projection process ended early; see " + dir + "/run.err");
                    assertTrue(System.nanoTime() < deadlineNs, "waiting for 40 batches: " + batches(output));
                    Thread.sleep(5);
                }
                assertEquals(137, process.kill(), "killed by SIGKILL");
            }
            final String run = Files.readString(output.toPath());
            assertFalse(run.contains("ERROR"), run);
            try (ForkedJvm process = ForkedJvm.startWithOutputFile("finish", dir, List.of(),
                PostgresCrashProcess.class, dir.getAbsolutePath(), server.url(), "finish"))
            {
                process.awaitLine((line) -> line.startsWith("DONE"), TIMEOUT_NS);
            }
            final String finish = Files.readString(new File(dir, "finish.out").toPath());
            assertFalse(finish.contains("ERROR"), finish);

            final long[] journal = modelOfJournal();
            try (Connection connection = server.connect(); Statement select = connection.createStatement();
                ResultSet row = select.executeQuery("SELECT count(*), coalesce(sum(sequence), 0), " +
                    "coalesce(sum(amount), 0), coalesce(max(position), 0) FROM tally_event"))
            {
                assertTrue(row.next());
                assertEquals(journal[0], row.getLong(1), "events in the table and in the journal");
                assertEquals(journal[1], row.getLong(2), "the same events: sum of their sequences");
                assertEquals(journal[2], row.getLong(3), "the same amounts");
                assertEquals(journal[3], row.getLong(4), "up to the journal's last entry");
            }
            assertTrue(journal[0] > 500, "enough events to cross many batches: " + journal[0]);
        }
    }

    private static long batches(final File output) throws Exception
    {
        return !output.exists() ? 0 : Files.readAllLines(output.toPath(), StandardCharsets.UTF_8).stream()
            .filter((line) -> line.startsWith("B ")).count();
    }

    private long[] modelOfJournal()
    {
        final long[] model = new long[4];
        final AddedDecoder added = new AddedDecoder();
        try (TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("checked")
                .aggregate(TestAggregates.Tally::new)
                .journal(archive.journal())))
        {
            final EventReader reader = new EventReader(EventSource.of(engine));
            long position = 0;
            EventPage page;
            do
            {
                page = reader.read(position, 10_000, EventFilter.ALL);
                for (final RecordedEvent event : page.events())
                {
                    model[0]++;
                    model[1] += event.sequence();
                    model[2] += event.decode(added).amount();
                    model[3] = Math.max(model[3], event.position());
                }
                position = page.nextPosition();
            }
            while (page.hasMore());
        }
        return model;
    }
}
