package io.skein.projection;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.skein.codecs.Outcome;
import io.skein.engine.RecordedEvent;
import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.EventFilter;
import io.skein.protocol.SkeinException;
import io.skein.testsupport.Await;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventSubscriptionSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<Throwable> expectedWarnings = new CopyOnWriteArrayList<>();
    private final AtomicLong correlation = new AtomicLong();

    @AfterEach
    void noUnexpectedErrors()
    {
        assertEquals(List.of(), errors, "errors reported by the engine or a subscription");
    }

    @Test
    void shouldPageThroughEveryDurableEventWithFilters() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            long events = 0;
            for (int i = 0; i < 300; i++)
            {
                final int repeat = i % 7 == 0 ? 3 : 1;
                add(engine, i % 5, i, repeat);
                events += repeat;
            }
            final EventReader reader = new EventReader(EventSource.of(engine));
            final List<RecordedEvent> all = readAll(reader, 0, 7, EventFilter.ALL);
            assertEquals(events, all.size());
            for (int i = 0; i < all.size(); i++)
            {
                assertEquals(i + 1, all.get(i).sequence(), "global sequence of event " + i);
                assertEquals(TestAggregates.TYPE_ID, all.get(i).aggregateTypeId());
            }
            assertEquals(engine.durablePosition(), all.get(all.size() - 1).position());

            final List<RecordedEvent> ofTwo = readAll(reader, 0, 4, EventFilter.aggregate(TestAggregates.TYPE_ID, 2));
            final List<RecordedEvent> expected = new ArrayList<>();
            for (final RecordedEvent event : all)
            {
                if (event.aggregateId() == 2)
                {
                    expected.add(event);
                }
            }
            assertEquals(sequences(expected), sequences(ofTwo), "one aggregate's history is its events, in order");
            for (int i = 0; i < ofTwo.size(); i++)
            {
                assertEquals(i + 1, ofTwo.get(i).version(), "history versions");
            }
            assertEquals(sequences(ofTwo), sequences(readAll(reader, 0, 1000, EventFilter.aggregate(
                TestAggregates.TYPE_ID, 2))), "page size does not change the history");
            assertEquals(0, readAll(reader, 0, 50, EventFilter.aggregateTypes(TestAggregates.TYPE_ID + 1)).size());
            assertEquals(0, readAll(reader, 0, 50,
                EventFilter.aggregateTypes(TestAggregates.TYPE_ID).templates(12345)).size());

            final EventPage first = reader.read(0, 10, EventFilter.ALL);
            assertTrue(first.hasMore());
            final EventPage rest = reader.read(first.nextPosition(), 1_000_000, EventFilter.ALL);
            assertFalse(rest.hasMore());
            assertEquals(rest.durablePosition(), rest.nextPosition());
            assertEquals(first.events().get(first.events().size() - 1).sequence() + 1,
                rest.events().get(0).sequence(), "the next page starts right after the last");
            final EventPage empty = reader.read(rest.nextPosition(), 10, EventFilter.ALL);
            assertEquals(0, empty.events().size());
            assertFalse(empty.hasMore());
        }
    }

    @Test
    void shouldRefuseAPositionInsideAnEntryOrPastTheDurableEnd() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            final long bigStart = add(engine, 1, 1, 1).journalPosition();
            final long bigEnd = add(engine, 2, 2, 400).journalPosition();
            assertTrue(bigEnd - bigStart > 4096, "an entry of several fragments");
            add(engine, 4, 4, 1);
            final EventReader reader = new EventReader(EventSource.of(engine));
            final SkeinException inside = assertThrows(SkeinException.class,
                () -> reader.read(bigStart + 2048, 10, EventFilter.ALL));
            assertEquals(SkeinException.Code.BAD_INPUT, inside.code(), inside.getMessage());
            assertTrue(inside.getMessage().contains("not where a journal entry starts"), inside.getMessage());
            assertEquals(SkeinException.Code.BAD_INPUT, assertThrows(SkeinException.class,
                () -> reader.read(engine.durablePosition() + 32, 10, EventFilter.ALL)).code());
            assertEquals(SkeinException.Code.BAD_INPUT, assertThrows(SkeinException.class,
                () -> reader.read(33, 10, EventFilter.ALL)).code());
            assertEquals(400, reader.read(bigStart, 1, EventFilter.ALL).events().size(), "an entry is never split");

            for (long at = bigStart + 32; at < bigEnd; at += 32)
            {
                final long position = at;
                assertEquals(SkeinException.Code.BAD_INPUT, assertThrows(SkeinException.class,
                    () -> EventSubscription.open(EventSource.of(engine), position, EventFilter.ALL,
                        (event) -> subscriptionDelivered(), errors::add), "subscribe from " + position).code());
            }
            assertEquals(1, reader.read(bigEnd, 1, EventFilter.ALL).events().size());
        }
    }

    @Test
    void shouldSeeAWriteMadeAfterSubscribingFromLive() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            add(engine, 1, 5, 1);
            final List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
            try (EventSubscription subscription = EventSubscription.start("live", EventSource.of(engine),
                EventSubscription.FROM_LIVE, null, (event) -> seen.add(RecordedEvent.copyOf(event)), errors::add))
            {
                final CommandResult result = add(engine, 2, 7, 2);
                Await.until(() -> seen.size() == 2, TIMEOUT_NS, () -> "the live write arrives: " + seen);
                assertEquals(2, seen.get(0).aggregateId());
                assertEquals(result.journalPosition(), seen.get(1).position());
                assertEquals(2, seen.get(0).sequence());
                assertEquals(result.correlationId(), seen.get(0).correlationId());
            }
        }
    }

    @Test
    void shouldDeliverExactlyTheEventsAfterAPositionThenTheLiveOnes() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            CommandResult middle = null;
            for (int i = 0; i < 200; i++)
            {
                final CommandResult result = add(engine, i % 3, i, 1 + i % 2);
                if (i == 99)
                {
                    middle = result;
                }
            }
            final long from = middle.journalPosition();
            final List<RecordedEvent> seen = new CopyOnWriteArrayList<>();
            try (EventSubscription subscription = EventSubscription.start("from-p", EventSource.of(engine), from,
                EventFilter.ALL, (event) -> seen.add(RecordedEvent.copyOf(event)), errors::add))
            {
                for (int i = 200; i < 300; i++)
                {
                    add(engine, i % 3, i, 1);
                }
                final List<RecordedEvent> expected = readAll(new EventReader(EventSource.of(engine)), from, 64,
                    EventFilter.ALL);
                Await.until(() -> seen.size() >= expected.size(), TIMEOUT_NS,
                    () -> "caught up: " + seen.size() + " of " + expected.size());
                assertEquals(sequences(expected), sequences(seen), "the events after P, history then live");
                assertEquals(engine.durablePosition(), subscription.position());
            }
        }
    }

    @Test
    void shouldCatchUpWithNoGapOrDuplicateWhileTheWriterRunsAtFullSpeed() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            for (int i = 0; i < 2_000; i++)
            {
                engine.submit(command(i % 64, i, 1), 0, writer.length());
            }
            final AtomicBoolean stop = new AtomicBoolean();
            final AtomicLong written = new AtomicLong(2_000);
            final Thread producer = new Thread(() ->
            {
                final UnsafeBuffer own = new UnsafeBuffer(new byte[256]);
                final CommandWriter ownWriter = new CommandWriter();
                long i = 0;
                while (!stop.get())
                {
                    ownWriter.wrap(own, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % 64);
                    ownWriter.body(new AddEncoder()).amount(i).repeat(1 + (int)(i % 3)).behaviour(0)
                        .putNote(TestAggregates.NO_NOTE, 0, 0);
                    engine.submit(own, 0, ownWriter.length());
                    written.incrementAndGet();
                    i++;
                }
            }, "full-speed-producer");
            final long[] last = { 0 };
            final AtomicLong gaps = new AtomicLong();
            final AtomicLong delivered = new AtomicLong();
            producer.start();
            try (EventSubscription subscription = EventSubscription.start("catch-up", EventSource.of(engine),
                EventSubscription.FROM_START, EventFilter.ALL, (event) ->
                {
                    if (event.sequence() != last[0] + 1)
                    {
                        gaps.incrementAndGet();
                    }
                    last[0] = event.sequence();
                    delivered.incrementAndGet();
                }, errors::add))
            {
                Await.until(() -> delivered.get() > 50_000, TIMEOUT_NS * 2,
                    () -> "the subscriber catches up while the writer runs: " + delivered.get());
                stop.set(true);
                producer.join();
                final long end = add(engine, 1, 1, 1).journalPosition();
                Await.until(() -> subscription.position() == end, TIMEOUT_NS,
                    () -> "caught up to " + end + ": at " + subscription.position());
                final long total = new EventReader(EventSource.of(engine)).read(0, Integer.MAX_VALUE,
                    EventFilter.ALL).events().size();
                assertEquals(0, gaps.get(), "no gap or duplicate in the global sequence");
                assertEquals(total, delivered.get(), "every event once");
                assertEquals(total, last[0]);
            }
        }
    }

    @Test
    void shouldHandTheRefusedEntryOverAgainAfterAHandlerError() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            for (int i = 0; i < 20; i++)
            {
                add(engine, i, i, 1);
            }
            final List<Long> seen = new CopyOnWriteArrayList<>();
            final AtomicBoolean thrown = new AtomicBoolean();
            try (EventSubscription subscription = EventSubscription.start("retry", EventSource.of(engine),
                EventSubscription.FROM_START, EventFilter.ALL, (event) ->
                {
                    if (event.sequence() == 10 && thrown.compareAndSet(false, true))
                    {
                        throw new IllegalStateException("refused once");
                    }
                    seen.add(event.sequence());
                }, expectedWarnings::add))
            {
                Await.until(() -> seen.size() == 20, TIMEOUT_NS, () -> "all twenty after one retry: " + seen);
                final List<Long> expected = new ArrayList<>();
                for (long s = 1; s <= 20; s++)
                {
                    expected.add(s);
                }
                assertEquals(expected, seen);
                assertEquals(1, subscription.handlerErrors());
                assertEquals(1, expectedWarnings.size());
            }
        }
    }

    @Test
    void shouldNotHoldTheWriterBackWhenASubscriberIsStuck() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            final CountDownLatch release = new CountDownLatch(1);
            final AtomicLong delivered = new AtomicLong();
            try (EventSubscription subscription = EventSubscription.start("stuck", EventSource.of(engine),
                EventSubscription.FROM_START, EventFilter.ALL, (event) ->
                {
                    delivered.incrementAndGet();
                    release.await();
                }, errors::add))
            {
                add(engine, 0, 0, 1);
                Await.until(() -> delivered.get() == 1, TIMEOUT_NS, "the subscriber is stuck on the first event");
                for (int i = 1; i <= 20_000; i++)
                {
                    engine.submit(command(i % 100, i, 1), 0, writer.length());
                }
                // Every one of these commands is answered (its entry durable) while the subscriber is stuck.
                assertEquals(Outcome.ACCEPTED, add(engine, 1, 1, 1).outcome());
                assertEquals(1, delivered.get(), "the stuck subscriber is still on its first event");
                release.countDown();
                Await.until(() -> delivered.get() == 20_002, TIMEOUT_NS,
                    () -> "it catches up from the journal: " + delivered.get());
            }
        }
    }

    private static void subscriptionDelivered()
    {
        throw new AssertionError("nothing is delivered from inside an entry");
    }

    private static List<RecordedEvent> readAll(
        final EventReader reader, final long from, final int pageSize, final EventFilter filter)
    {
        final List<RecordedEvent> all = new ArrayList<>();
        long position = from;
        EventPage page;
        do
        {
            page = reader.read(position, pageSize, filter);
            assertTrue(page.events().size() <= pageSize + 2, "a page holds at most one entry more than asked");
            all.addAll(page.events());
            position = page.nextPosition();
        }
        while (page.hasMore());
        return all;
    }

    private static List<Long> sequences(final List<RecordedEvent> events)
    {
        final List<Long> sequences = new ArrayList<>();
        for (final RecordedEvent event : events)
        {
            sequences.add(event.sequence());
        }
        return Collections.unmodifiableList(sequences);
    }

    private SkeinEngine launch(final TestArchive archive)
    {
        return SkeinEngine.launch(new SkeinEngine.Context()
            .name("read")
            .aggregate(TestAggregates.Tally::new)
            .errorHandler(errors::add)
            .journal(archive.journal()));
    }

    private UnsafeBuffer command(final long aggregateId, final long amount, final int repeat)
    {
        writer.wrap(buffer, 0).correlationId(correlation.incrementAndGet()).aggregate(TestAggregates.TYPE_ID,
            aggregateId);
        writer.body(new AddEncoder()).amount(amount).repeat(repeat).behaviour(0)
            .putNote(TestAggregates.NO_NOTE, 0, 0);
        return buffer;
    }

    private CommandResult add(final SkeinEngine engine, final long aggregateId, final long amount, final int repeat)
        throws Exception
    {
        command(aggregateId, amount, repeat);
        final CommandResult result = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
        assertEquals(Outcome.ACCEPTED, result.outcome(), result.toString());
        return result;
    }
}
