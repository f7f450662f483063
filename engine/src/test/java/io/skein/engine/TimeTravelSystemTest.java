package io.skein.engine;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.skein.engine.test.codecs.AddEncoder;
import io.skein.engine.test.codecs.AddedDecoder;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class TimeTravelSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final AtomicLong clock = new AtomicLong(1_000_000_000_000L);

    @Test
    void shouldRebuildStateAsOfPositionAndTimestampAndPageHistory() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            final long[] positions = new long[3];
            final long[] hashes = new long[3];
            final long[] times = new long[3];
            try (SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("time-travel")
                .aggregate(TestAggregates.Tally::new)
                .epochNanoClock(clock::get)
                .journal(journal)))
            {
                for (int stage = 0; stage < 3; stage++)
                {
                    CommandResult last = null;
                    for (int i = 0; i < 100; i++)
                    {
                        clock.addAndGet(1_000);
                        last = add(engine, i % 5, stage * 100 + i);
                    }
                    positions[stage] = last.journalPosition();
                    hashes[stage] = engine.stateHash(TIMEOUT_NS);
                    times[stage] = clock.get();
                    if (stage == 0)
                    {
                        assertEquals(positions[0], engine.takeSnapshot(TIMEOUT_NS));
                    }
                }
            }

            final TimeTravel timeTravel = new TimeTravel(
                journal, List.of(TestAggregates.Tally::new), (ex) -> ex.printStackTrace());
            for (int stage = 0; stage < 3; stage++)
            {
                final TimeTravel.PointInTime atPosition = timeTravel.atPosition(positions[stage]);
                assertEquals(positions[stage], atPosition.position());
                assertEquals(hashes[stage], atPosition.stateHash(), "state as of position " + positions[stage]);
                assertEquals(positions[0], atPosition.snapshotPosition(), "built from the snapshot before it");

                final TimeTravel.PointInTime atTime = timeTravel.atTimestamp(times[stage]);
                assertEquals(hashes[stage], atTime.stateHash(), "state as of time " + times[stage]);
                assertEquals(positions[0], atTime.snapshotPosition(), "built from the snapshot before the time");
            }

            final TimeTravel.PointInTime early = timeTravel.atPosition(positions[0] - 1);
            assertEquals(SkeinProtocol.NULL_POSITION, early.snapshotPosition(), "snapshot is after this point");
            assertEquals(99 / 5 + 1 - 1, early.version(TestAggregates.TYPE_ID, 4), "last command excluded");
            assertNull(timeTravel.atPosition(0).state(TestAggregates.TYPE_ID, 1));

            final List<RecordedEvent> all = new ArrayList<>();
            long from = 1;
            List<RecordedEvent> page;
            while (!(page = timeTravel.history(TestAggregates.TYPE_ID, 2, from, 7)).isEmpty())
            {
                assertEquals(Math.min(7, 60 - all.size()), page.size());
                all.addAll(page);
                from = page.get(page.size() - 1).version() + 1;
            }
            assertEquals(60, all.size(), "aggregate 2 got one event for each of 60 commands");
            final AddedDecoder added = new AddedDecoder();
            for (int i = 0; i < all.size(); i++)
            {
                assertEquals(i + 1, all.get(i).version());
                assertEquals(i * 5 + 2, all.get(i).decode(added).amount());
            }
        }
    }

    private CommandResult add(final SkeinEngine engine, final long aggregateId, final long amount) throws Exception
    {
        writer.wrap(buffer, 0).correlationId(amount).aggregate(TestAggregates.TYPE_ID, aggregateId);
        writer.body(new AddEncoder()).amount(amount).repeat(1).behaviour(0)
            .putNote(TestAggregates.NO_NOTE, 0, 0);
        return engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
    }
}
