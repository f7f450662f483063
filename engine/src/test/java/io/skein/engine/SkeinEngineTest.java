package io.skein.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

import io.skein.codecs.CommandEnvelopeEncoder;
import io.skein.codecs.JournalEntryDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.engine.test.codecs.AddedDecoder;
import io.skein.engine.test.codecs.AddedEncoder;
import io.skein.engine.test.codecs.PeekEncoder;
import io.skein.engine.test.codecs.ReadEncoder;
import io.skein.engine.test.codecs.TotalDecoder;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SkeinEngineTest
{
    private static final int TYPE = TestAggregates.TYPE_ID;
    private static final byte[] NO_NOTE = TestAggregates.NO_NOTE;

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8192);
    private final CommandWriter writer = new CommandWriter();
    private final List<byte[]> entries = new ArrayList<>();
    private SkeinEngine engine;

    @AfterEach
    void close()
    {
        if (null != engine)
        {
            engine.close();
        }
    }

    private SkeinEngine launch(final SkeinEngine.Context ctx)
    {
        engine = SkeinEngine.launch(ctx.name("test").aggregate(TestAggregates.Tally::new).entryAppender(
            (b, o, l) ->
            {
                final byte[] bytes = new byte[l];
                b.getBytes(o, bytes);
                synchronized (entries)
                {
                    entries.add(bytes);
                    return entries.size() * 1000L;
                }
            }));
        return engine;
    }

    private SkeinEngine launch()
    {
        return launch(new SkeinEngine.Context());
    }

    private int add(final long id, final long amount, final int repeat, final int behaviour)
    {
        writer.wrap(buffer, 0).correlationId(amount).aggregate(TYPE, id);
        return body(amount, repeat, behaviour);
    }

    private int body(final long amount, final int repeat, final int behaviour)
    {
        writer.body(new AddEncoder()).amount(amount).repeat(repeat).behaviour(behaviour).putNote(NO_NOTE, 0, 0);
        return writer.length();
    }

    private CommandResult submit(final int length) throws Exception
    {
        return engine.submit(buffer, 0, length).get(10, TimeUnit.SECONDS);
    }

    private long total(final long id) throws Exception
    {
        writer.wrap(buffer, 0).correlationId(-1).aggregate(TYPE, id);
        writer.body(new ReadEncoder()).unused(0);
        final CommandResult result = submit(writer.length());
        assertEquals(Outcome.ACCEPTED, result.outcome());
        return new TotalDecoder().wrap(result.payload(), 8, TotalDecoder.BLOCK_LENGTH, TotalDecoder.SCHEMA_VERSION)
            .total();
    }

    @Test
    void shouldChangeNothingWhenCommandIsRejected() throws Exception
    {
        launch();
        assertEquals(Outcome.ACCEPTED, submit(add(1, 10, 1, 0)).outcome());
        final CommandResult rejected = submit(add(1, -5, 1, 0));
        assertEquals(Outcome.REJECTED, rejected.outcome());
        assertEquals(RejectReason.DOMAIN, rejected.reason());
        assertEquals(TestAggregates.NEGATIVE, rejected.rejectCode());
        assertEquals("amount must not be negative", rejected.message());
        assertEquals(1, rejected.version());
        assertEquals(10, total(1));
        assertEquals(1, entries.size(), "no journal entry for a rejected command");
        assertEquals(1, engine.counters().rejected().get());
    }

    @Test
    void shouldLetExactlyOneOfTwoCommandsAtTheSameExpectedVersionWin() throws Exception
    {
        launch();
        submit(add(1, 1, 2, 0));
        writer.wrap(buffer, 0).correlationId(1).aggregate(TYPE, 1).expectedVersion(2);
        final CommandResult first = submit(body(5, 1, 0));
        writer.wrap(buffer, 0).correlationId(2).aggregate(TYPE, 1).expectedVersion(2);
        final CommandResult second = submit(body(7, 1, 0));

        assertEquals(Outcome.ACCEPTED, first.outcome());
        assertEquals(3, first.version());
        assertEquals(Outcome.CONFLICT, second.outcome());
        assertEquals(2, second.expectedVersion());
        assertEquals(3, second.version(), "actual version");
        assertEquals(2 + 5, total(1));
        assertEquals(1, engine.counters().conflicts().get());
    }

    @Test
    void shouldRequireNewAggregateForExpectedVersionZero() throws Exception
    {
        launch();
        writer.wrap(buffer, 0).aggregate(TYPE, 4).expectedVersion(SkeinProtocol.NEW_AGGREGATE);
        assertEquals(Outcome.ACCEPTED, submit(body(1, 1, 0)).outcome());
        writer.wrap(buffer, 0).aggregate(TYPE, 4).expectedVersion(SkeinProtocol.NEW_AGGREGATE);
        assertEquals(Outcome.CONFLICT, submit(body(1, 1, 0)).outcome());
    }

    @Test
    void shouldReplyDuplicateWithOriginalVersionAndSequenceEvenWhenExpectedVersionIsStale() throws Exception
    {
        launch();
        writer.wrap(buffer, 0).correlationId(1).aggregate(TYPE, 1).expectedVersion(0).idempotencyKey(11, 22);
        final CommandResult original = submit(body(3, 2, 0));
        submit(add(1, 4, 1, 0));
        submit(add(2, 4, 1, 0));

        writer.wrap(buffer, 0).correlationId(9).aggregate(TYPE, 1).expectedVersion(0).idempotencyKey(11, 22);
        final CommandResult retry = submit(body(3, 2, 0));

        assertEquals(Outcome.DUPLICATE, retry.outcome());
        assertEquals(9, retry.correlationId());
        assertEquals(original.version(), retry.version());
        assertEquals(original.sequence(), retry.sequence());
        assertEquals(original.journalPosition(), retry.journalPosition());
        assertEquals(6 + 4, total(1), "the retry applied nothing");
        assertEquals(3, entries.size());
        assertEquals(1, engine.counters().duplicates().get());
    }

    @Test
    void shouldRunRetryAgainOnceItsKeyIsEvictedFromTheWindow() throws Exception
    {
        launch(new SkeinEngine.Context().idempotencyWindowCapacity(2));
        for (int key = 1; key <= 3; key++)
        {
            writer.wrap(buffer, 0).aggregate(TYPE, 1).idempotencyKey(0, key);
            assertEquals(Outcome.ACCEPTED, submit(body(1, 1, 0)).outcome());
        }
        writer.wrap(buffer, 0).aggregate(TYPE, 1).idempotencyKey(0, 3);
        assertEquals(Outcome.DUPLICATE, submit(body(1, 1, 0)).outcome());
        writer.wrap(buffer, 0).aggregate(TYPE, 1).idempotencyKey(0, 1);
        assertEquals(Outcome.ACCEPTED, submit(body(1, 1, 0)).outcome(), "key 1 was evicted");
    }

    @Test
    void shouldLeaveStateUntouchedWhenHandlerThrowsAndCarryOn() throws Exception
    {
        final List<Throwable> errors = new ArrayList<>();
        launch(new SkeinEngine.Context().errorHandler(errors::add));
        submit(add(1, 10, 1, 0));

        final CommandResult error = submit(add(1, 5, 1, 2));
        assertEquals(Outcome.ERROR, error.outcome());
        assertTrue(error.message().contains("boom"), error.message());
        assertEquals(1, error.version());
        assertEquals(1, engine.counters().errors().get());
        assertEquals(1, errors.size());

        final CommandResult next = submit(add(1, 5, 1, 0));
        assertEquals(Outcome.ACCEPTED, next.outcome());
        assertEquals(2, next.version());
        assertEquals(15, total(1));

        assertEquals(Outcome.ERROR, submit(add(2, 5, 1, 2)).outcome(), "first command of a new aggregate throws");
        final CommandResult first = submit(add(2, 6, 1, 0));
        assertEquals(Outcome.ACCEPTED, first.outcome());
        assertEquals(1, first.version());
        assertEquals(6, total(2));

        // A handler that marks a new aggregate's state and then throws: the next new aggregate starts clean.
        assertEquals(Outcome.ERROR, submit(add(3, 5, 1, 5)).outcome());
        assertEquals(Outcome.ACCEPTED, submit(add(3, 7, 1, 0)).outcome());
        assertEquals(7, total(3));
        assertEquals(Outcome.ACCEPTED, submit(add(4, 8, 1, 0)).outcome());
        assertEquals(8, total(4));
    }

    @Test
    void shouldApplyAllEventsOfOneCommandInOneEntryWithEngineMetadata() throws Exception
    {
        final AtomicLong clock = new AtomicLong(1_700_000_000_000_000_000L);
        launch(new SkeinEngine.Context().epochNanoClock(clock::get));
        submit(add(1, 1, 1, 0));
        clock.set(1_700_000_000_123_456_789L);
        writer.wrap(buffer, 0).correlationId(77).causationId(66).aggregate(TYPE, 1).idempotencyKey(5, 6);
        final CommandResult result = submit(body(2, 4, 0));

        assertEquals(Outcome.ACCEPTED, result.outcome());
        assertEquals(5, result.version());
        assertEquals(5, result.sequence());
        assertEquals(1 + 8, total(1));
        assertEquals(2, entries.size());

        final UnsafeBuffer entry = new UnsafeBuffer(entries.get(1));
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(entry, 0);
        final JournalEntryDecoder decoder = new JournalEntryDecoder().wrap(entry, MessageHeaderDecoder.ENCODED_LENGTH,
            header.blockLength(), header.version());
        assertEquals(2, decoder.entrySequence());
        assertEquals(1_700_000_000_123_456_789L, decoder.timestampNs());
        assertEquals(TYPE, decoder.aggregateTypeId());
        assertEquals(1, decoder.aggregateId());
        assertEquals(5, decoder.version());
        assertEquals(2, decoder.firstSequence());
        assertEquals(77, decoder.correlationId());
        assertEquals(66, decoder.causationId());
        assertEquals(5, decoder.idempotencyKeyHi());
        assertEquals(6, decoder.idempotencyKeyLo());
        final JournalEntryDecoder.EventsDecoder events = decoder.events();
        assertEquals(4, events.count());
        final AddedDecoder added = new AddedDecoder();
        final MessageHeaderDecoder eventHeader = new MessageHeaderDecoder();
        for (final JournalEntryDecoder.EventsDecoder event : events)
        {
            final byte[] body = new byte[event.bodyLength()];
            event.getBody(body, 0, body.length);
            final UnsafeBuffer bodyBuffer = new UnsafeBuffer(body);
            eventHeader.wrap(bodyBuffer, 0);
            assertEquals(AddedDecoder.TEMPLATE_ID, eventHeader.templateId());
            added.wrap(bodyBuffer, 8, eventHeader.blockLength(), eventHeader.version());
            assertEquals(2, added.amount());
        }
    }

    @Test
    void shouldAnswerQueryWithoutEventsOrVersionChange() throws Exception
    {
        launch();
        final CommandResult before = submit(add(1, 3, 2, 0));
        assertEquals(6, total(1));
        final CommandResult after = submit(add(1, 1, 1, 0));
        assertEquals(before.version() + 1, after.version());
        assertEquals(before.sequence() + 1, after.sequence(), "the query took no sequence");
        assertEquals(2, entries.size());
    }

    @Test
    void shouldAnswerAQueryWithNoFieldsAndDecodeItsReplyFromTheResult() throws Exception
    {
        launch();
        submit(add(1, 3, 2, 0));
        writer.wrap(buffer, 0).correlationId(77).aggregate(TYPE, 1);
        writer.body(new PeekEncoder());
        assertEquals(SkeinProtocol.HEADER_LENGTH * 2 + CommandEnvelopeEncoder.BLOCK_LENGTH, writer.length(),
            "envelope, then the query's header and an empty block");
        final CommandResult peek = submit(writer.length());
        assertEquals(Outcome.ACCEPTED, peek.outcome(), peek.toString());
        final TotalDecoder total = peek.reply(new TotalDecoder());
        assertEquals(6, total.total());
        assertEquals(2, total.count());
        assertEquals(1, entries.size(), "a query writes no entry");
    }

    @Test
    void shouldRejectBadInputWithItsReason() throws Exception
    {
        launch(new SkeinEngine.Context().maxCommandLength(256));
        final MessageHeaderEncoder header = new MessageHeaderEncoder();

        writer.wrap(buffer, 0).aggregate(99, 1);
        assertReason(RejectReason.UNKNOWN_AGGREGATE_TYPE, submit(body(1, 1, 0)));

        writer.wrap(buffer, 0).aggregate(TYPE, 1);
        writer.body(new AddedEncoder()).amount(1);
        assertReason(RejectReason.UNKNOWN_TEMPLATE, submit(writer.length()));

        writer.wrap(buffer, 0).aggregate(TYPE, 1);
        final int length = body(1, 1, 0);
        header.wrap(buffer, SkeinProtocol.ENVELOPE_LENGTH).templateId(55);
        assertReason(RejectReason.UNKNOWN_TEMPLATE, submit(length));

        header.wrap(buffer, SkeinProtocol.ENVELOPE_LENGTH).templateId(1).schemaId(1234);
        assertReason(RejectReason.WRONG_SCHEMA_ID, submit(length));

        header.wrap(buffer, SkeinProtocol.ENVELOPE_LENGTH).schemaId(6901).version(2);
        assertReason(RejectReason.WRONG_SCHEMA_VERSION, submit(length));

        writer.wrap(buffer, 0).aggregate(TYPE, 1);
        header.wrap(buffer, 0).schemaId(42);
        assertReason(RejectReason.WRONG_SCHEMA_ID, submit(body(1, 1, 0)));

        writer.wrap(buffer, 0).aggregate(TYPE, 1);
        header.wrap(buffer, 0).version(SkeinProtocol.SCHEMA_VERSION + 1);
        assertReason(RejectReason.WRONG_SCHEMA_VERSION, submit(body(1, 1, 0)));

        writer.wrap(buffer, 0).aggregate(TYPE, 1);
        assertReason(RejectReason.TRUNCATED, submit(SkeinProtocol.ENVELOPE_LENGTH - 1));
        assertReason(RejectReason.TRUNCATED, submit(SkeinProtocol.ENVELOPE_LENGTH + 4));
        final int full = body(1, 1, 0);
        assertReason(RejectReason.TRUNCATED, submit(SkeinProtocol.ENVELOPE_LENGTH + 8 + 6));

        writer.wrap(buffer, 0).aggregate(TYPE, 1);
        writer.body(new AddEncoder()).amount(1).repeat(1).behaviour(0).putNote(new byte[40], 0, 40);
        assertReason(RejectReason.MALFORMED, submit(writer.length() - 30));
        assertTrue(full > 0);

        writer.wrap(buffer, 0).aggregate(TYPE, 1);
        writer.body(new AddEncoder()).amount(1).repeat(1).behaviour(0).putNote(new byte[300], 0, 300);
        final CommandResult oversized = submit(writer.length());
        assertReason(RejectReason.OVERSIZED, oversized);
        assertEquals(TYPE, oversized.aggregateTypeId(), "the envelope is still echoed");

        writer.wrap(buffer, 0).aggregate(TYPE, 1).expectedVersion(-2);
        assertReason(RejectReason.MALFORMED, submit(body(1, 1, 0)));

        assertEquals(0, entries.size(), "bad input changes nothing");
        assertEquals(0, total(1));
    }

    @Test
    void shouldRejectCommandWhoseEventsExceedOneEntry() throws Exception
    {
        launch(new SkeinEngine.Context().maxEntryLength(1024));
        final CommandResult result = submit(add(1, 1, 200, 0));
        assertReason(RejectReason.ENTRY_TOO_LARGE, result);
        assertEquals(0, total(1));
        assertEquals(Outcome.ACCEPTED, submit(add(1, 1, 5, 0)).outcome());
        assertEquals(5, total(1));
    }

    @Test
    void shouldAnswerErrorWhenHandlerEmitsEventWithoutApplier() throws Exception
    {
        launch();
        submit(add(1, 1, 1, 0));
        final CommandResult result = submit(add(1, 1, 1, 4));
        assertEquals(Outcome.ERROR, result.outcome());
        assertTrue(result.message().contains("no applier"), result.message());
        assertEquals(1, total(1));
    }

    @Test
    void shouldGiveEveryCallerExactlyOneReplyUnderConcurrentProducers() throws Exception
    {
        launch(new SkeinEngine.Context().ringSize(64));
        final int producers = 4;
        final int perProducer = 5_000;
        final AtomicIntegerArray replies = new AtomicIntegerArray(producers * perProducer);
        final AtomicInteger total = new AtomicInteger();
        final Thread[] threads = new Thread[producers];
        for (int p = 0; p < producers; p++)
        {
            final int producer = p;
            threads[p] = new Thread(() ->
            {
                final MutableDirectBuffer local = new UnsafeBuffer(new byte[256]);
                final CommandWriter localWriter = new CommandWriter();
                final ReplyListener listener = (reply) ->
                {
                    replies.incrementAndGet((int)reply.correlationId());
                    total.incrementAndGet();
                };
                for (int i = 0; i < perProducer; i++)
                {
                    final int n = producer * perProducer + i;
                    localWriter.wrap(local, 0).correlationId(n).aggregate(TYPE, n % 10);
                    localWriter.body(new AddEncoder()).amount(1).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0);
                    while (engine.tryOffer(local, 0, localWriter.length(), listener) == OfferResult.BACK_PRESSURED)
                    {
                        Thread.yield();
                    }
                }
            });
            threads[p].start();
        }
        for (final Thread thread : threads)
        {
            thread.join(30_000);
        }
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (total.get() < producers * perProducer)
        {
            assertTrue(System.nanoTime() < deadlineNs, "waiting for replies, have " + total.get());
            Thread.yield();
        }
        for (int n = 0; n < producers * perProducer; n++)
        {
            assertEquals(1, replies.get(n), "replies to command " + n);
        }
        long sum = 0;
        for (int id = 0; id < 10; id++)
        {
            sum += total(id);
        }
        assertEquals(producers * perProducer, sum);
        assertEquals(producers * perProducer, engine.counters().accepted().get() - 10);
    }

    @Test
    void shouldPushBackWhenRingIsFullAndCompleteEverythingOnceDrained() throws Exception
    {
        launch(new SkeinEngine.Context().ringSize(4));
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger replies = new AtomicInteger();
        final ReplyListener slow = (reply) ->
        {
            try
            {
                release.await(10, TimeUnit.SECONDS);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            replies.incrementAndGet();
        };
        int offered = 0;
        OfferResult result = OfferResult.OFFERED;
        for (int i = 0; i < 10 && result == OfferResult.OFFERED; i++)
        {
            result = engine.tryOffer(buffer, 0, add(1, 1, 1, 0), slow);
            if (result == OfferResult.OFFERED)
            {
                offered++;
            }
        }
        assertEquals(OfferResult.BACK_PRESSURED, result);
        assertEquals(4, offered);
        assertEquals(OfferResult.BACK_PRESSURED, engine.offer(buffer, 0, add(1, 1, 1, 0), slow, 1_000_000));
        release.countDown();
        assertEquals(OfferResult.OFFERED, engine.offer(buffer, 0, add(1, 1, 1, 0), slow,
            TimeUnit.SECONDS.toNanos(10)));
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (replies.get() < offered + 1)
        {
            assertTrue(System.nanoTime() < deadlineNs, "waiting for replies, have " + replies.get());
            Thread.yield();
        }
        assertEquals(offered + 1, total(1));
    }

    @Test
    void aSyncCallerGetsEachCommandsOwnReplyAcceptedOrRejected()
    {
        launch();
        final SyncCaller caller = engine.newSyncCaller();
        for (int i = 1; i <= 1_000; i++)
        {
            final Reply reply = caller.call(buffer, 0, add(7, i, 1, 0), TimeUnit.SECONDS.toNanos(10));
            assertEquals(i, reply.correlationId());
            assertEquals(Outcome.ACCEPTED, reply.outcome());
            assertEquals(i, reply.version());
        }
        final Reply rejected = caller.call(buffer, 0, add(7, -5, 1, 0), TimeUnit.SECONDS.toNanos(10));
        assertEquals(Outcome.REJECTED, rejected.outcome());
        assertEquals(TestAggregates.NEGATIVE, rejected.rejectCode());
        assertEquals("amount must not be negative", rejected.message());

        writer.wrap(buffer, 0).correlationId(-1).aggregate(TYPE, 7);
        writer.body(new ReadEncoder()).unused(0);
        final Reply read = caller.call(buffer, 0, writer.length(), TimeUnit.SECONDS.toNanos(10));
        assertEquals(1_000L * 1_001 / 2, new TotalDecoder().wrap(read.payload(), 8, TotalDecoder.BLOCK_LENGTH,
            TotalDecoder.SCHEMA_VERSION).total());
        assertEquals(1_002, engine.counters().accepted().get() + engine.counters().rejected().get());
    }

    @Test
    void aSyncCallerThatTimedOutNeverTakesTheLateReplyForItsNextCommand() throws Exception
    {
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger appended = new AtomicInteger();
        engine = SkeinEngine.launch(new SkeinEngine.Context().name("late").aggregate(TestAggregates.Tally::new)
            .entryAppender((b, o, l) ->
            {
                // The first entry holds the writer until released, so its reply comes late.
                if (appended.incrementAndGet() == 1)
                {
                    try
                    {
                        release.await(10, TimeUnit.SECONDS);
                    }
                    catch (final InterruptedException ex)
                    {
                        Thread.currentThread().interrupt();
                    }
                }
                return appended.get() * 1000L;
            }));
        final SyncCaller caller = engine.newSyncCaller();
        final SkeinException late = assertThrows(SkeinException.class,
            () -> caller.call(buffer, 0, add(3, 5, 1, 0), TimeUnit.MILLISECONDS.toNanos(200)));
        assertEquals(SkeinException.Code.UNKNOWN_OUTCOME, late.code());
        final SkeinException notOffered = assertThrows(SkeinException.class,
            () -> caller.call(buffer, 0, add(3, 7, 1, 0), TimeUnit.MILLISECONDS.toNanos(100)));
        assertEquals(SkeinException.Code.UNKNOWN_OUTCOME, notOffered.code());
        assertTrue(notOffered.getMessage().contains("not offered"), notOffered.getMessage());

        release.countDown();
        final Reply next = caller.call(buffer, 0, add(3, 11, 1, 0), TimeUnit.SECONDS.toNanos(10));
        assertEquals(11, next.correlationId(), "the late reply (correlation 5) is not taken for this command");
        assertEquals(2, next.version());
        assertEquals(16, total(3), "the timed-out command took effect; the refused one was never offered");
    }

    @Test
    void aSyncCallerIsToldWhenTheEngineIsClosed()
    {
        launch();
        final SyncCaller caller = engine.newSyncCaller();
        engine.close();
        final SkeinException closed = assertThrows(SkeinException.class,
            () -> caller.call(buffer, 0, add(1, 1, 1, 0), TimeUnit.SECONDS.toNanos(1)));
        assertEquals(SkeinException.Code.CLOSED, closed.code());
    }

    @Test
    void shouldDrainOfferedCommandsOnCloseAndRefuseLaterOnes()
    {
        launch();
        final AtomicInteger replies = new AtomicInteger();
        for (int i = 0; i < 1_000; i++)
        {
            assertEquals(OfferResult.OFFERED, engine.offer(buffer, 0, add(i % 3, 1, 1, 0),
                (reply) -> replies.incrementAndGet(), TimeUnit.SECONDS.toNanos(10)));
        }
        engine.close();
        assertEquals(1_000, replies.get(), "every offered command answered before close returns");
        assertEquals(OfferResult.CLOSED, engine.tryOffer(buffer, 0, add(1, 1, 1, 0), (reply) ->
        {
        }));
        assertTrue(engine.isClosed());
    }

    @Test
    void shouldAnswerEveryOfferedCommandWhenClosedBeforeItsThreadsRun()
    {
        // Threads that start late, as on a busy machine: close used to halt stages that were not running yet.
        launch(new SkeinEngine.Context().threadFactory((runnable) -> new Thread(() ->
        {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(200));
            runnable.run();
        })));
        final AtomicInteger replies = new AtomicInteger();
        for (int i = 0; i < 100; i++)
        {
            assertEquals(OfferResult.OFFERED, engine.offer(buffer, 0, add(i % 3, 1, 1, 0),
                (reply) -> replies.incrementAndGet(), TimeUnit.SECONDS.toNanos(10)));
        }
        engine.close();
        assertEquals(100, replies.get(), "every offered command answered before close returns");
    }

    @Test
    void shouldKeepCountersThatAddUp() throws Exception
    {
        launch();
        submit(add(1, 1, 1, 0));
        submit(add(1, -1, 1, 0));
        submit(add(1, 1, 1, 2));
        writer.wrap(buffer, 0).aggregate(TYPE, 1).expectedVersion(7);
        submit(body(1, 1, 0));
        writer.wrap(buffer, 0).aggregate(TYPE, 1).idempotencyKey(1, 1);
        submit(body(1, 1, 0));
        writer.wrap(buffer, 0).aggregate(TYPE, 1).idempotencyKey(1, 1);
        submit(body(1, 1, 0));

        final EngineCounters counters = engine.counters();
        assertEquals(6, counters.commands().get());
        assertEquals(2, counters.accepted().get());
        assertEquals(1, counters.rejected().get());
        assertEquals(1, counters.errors().get());
        assertEquals(1, counters.conflicts().get());
        assertEquals(1, counters.duplicates().get());
        assertEquals(1, engine.aggregateCount(TimeUnit.SECONDS.toNanos(5)));
    }

    private static void assertReason(final RejectReason reason, final CommandResult result)
    {
        assertEquals(Outcome.REJECTED, result.outcome(), result.toString());
        assertEquals(reason, result.reason(), result.toString());
        assertTrue(result.message().length() > 0, "a readable message: " + result);
    }
}
