package io.skein.projection;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.skein.engine.RecordedEvent;
import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.engine.test.codecs.AddedDecoder;
import io.skein.journal.TestArchive;
import io.skein.protocol.EventFilter;
import io.skein.testsupport.ForkedJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A projection process killed with SIGKILL in the middle of its batches and started again ends equal to a model
 * computed from the journal: exactly once, every event once; at least once, every event at least once and repeats
 * only of events after the checkpoint that was stored when it was killed.
 */
class ProjectionCrashSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(90);

    @TempDir
    File dir;

    @Test
    void shouldEndEqualToTheJournalExactlyOnceAfterSigkill() throws Exception
    {
        killThenFinish("exactly");
        final TallySinks.Transactional sink = new TallySinks.Transactional(new File(dir, "sink/tally.state"), 0);
        final Checkpoint checkpoint = sink.loadCheckpoint();
        final TallySinks.Model journal = modelOfJournal();
        assertEquals(journal.describe(), sink.committed().describe(), "exactly once: the sink equals the journal");
        assertTrue(journal.count > 200, "enough events to have crossed many batches: " + journal.count);
        assertTrue(checkpoint.position() > 0);
    }

    @Test
    void shouldEndWithEveryEventAndRepeatsOnlyAfterTheStoredCheckpointAtLeastOnceAfterSigkill() throws Exception
    {
        final Checkpoint atKill = killThenFinish("atleast");
        final List<String> lines = Files.readAllLines(new File(dir, "sink/tally.log").toPath(),
            StandardCharsets.UTF_8);
        final Map<Long, Integer> seen = new HashMap<>();
        final TallySinks.Model distinct = new TallySinks.Model();
        long repeats = 0;
        for (final String line : lines)
        {
            final String[] fields = line.split(" ");
            final long sequence = Long.parseLong(fields[0]);
            final long position = Long.parseLong(fields[1]);
            if (seen.merge(sequence, 1, Integer::sum) > 1)
            {
                repeats++;
                assertTrue(position > atKill.position(), "event " + sequence + " at " + position +
                    " came twice though the checkpoint stored at the kill, " + atKill + ", was past it");
            }
            else
            {
                distinct.apply(sequence, Long.parseLong(fields[2]), Long.parseLong(fields[3]));
            }
        }
        final TallySinks.Model journal = modelOfJournal();
        assertEquals(journal.describe(), distinct.describe(), "at least once: every event, counted once");
        assertTrue(repeats <= 3 * 20 * 2, "repeats only within the last uncommitted batch: " + repeats);
    }

    private Checkpoint killThenFinish(final String mode) throws Exception
    {
        final File output = new File(dir, "run.out");
        try (ForkedJvm process = ForkedJvm.startWithOutputFile("run", dir, List.of(), ProjectionCrashProcess.class,
            dir.getAbsolutePath(), mode, "run"))
        {
            final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
            while (batches(output) < 40)
            {
                assertTrue(process.isAlive(), "the projection process ended early; see " + dir + "/run.err");
                assertTrue(System.nanoTime() < deadlineNs, "waiting for 40 batches, have " + batches(output));
                Thread.sleep(5);
            }
            assertEquals(137, process.kill(), "killed by SIGKILL");
        }
        final String errors = Files.readString(output.toPath());
        assertTrue(!errors.contains("ERROR"), "the run reported errors: " + errors);
        final Checkpoint atKill = "atleast".equals(mode) ?
            new FileCheckpointStore(new File(dir, "sink")).load("tally") : null;

        try (ForkedJvm process = ForkedJvm.startWithOutputFile("finish", dir, List.of(),
            ProjectionCrashProcess.class, dir.getAbsolutePath(), mode, "finish"))
        {
            process.awaitLine((line) -> line.startsWith("DONE"), TIMEOUT_NS);
        }
        final String finish = Files.readString(new File(dir, "finish.out").toPath());
        assertTrue(!finish.contains("ERROR"), "the finishing run reported errors: " + finish);
        return atKill;
    }

    private static long batches(final File output) throws Exception
    {
        if (!output.exists())
        {
            return 0;
        }
        return Files.readAllLines(output.toPath(), StandardCharsets.UTF_8).stream()
            .filter((line) -> line.startsWith("B ")).count();
    }

    private TallySinks.Model modelOfJournal()
    {
        final TallySinks.Model model = new TallySinks.Model();
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
                    model.apply(event.sequence(), event.aggregateId(), event.decode(added).amount());
                }
                position = page.nextPosition();
            }
            while (page.hasMore());
        }
        return model;
    }
}
