package io.skein.engine;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import io.aeron.archive.client.AeronArchive;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.engine.test.codecs.ReadEncoder;
import io.skein.engine.test.codecs.TotalDecoder;
import io.skein.journal.Journal;
import io.skein.journal.RecordingLog;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinException;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecoverySystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int AGGREGATES = 50;

    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
    private final CommandWriter writer = new CommandWriter();

    @Test
    void shouldRecoverExactStateAfterCleanRestart() throws Exception
    {
        final long hash;
        final long lastSequence;
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal()))
        {
            CommandResult last = null;
            for (int i = 0; i < 2_000; i++)
            {
                last = add(engine, i % AGGREGATES, i, 1 + i % 3, 0, 0);
                assertEquals(Outcome.ACCEPTED, last.outcome());
            }
            lastSequence = last.sequence();
            hash = engine.stateHash(TIMEOUT_NS);
            assertEquals(AGGREGATES, engine.aggregateCount(TIMEOUT_NS));
        }

        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal()))
        {
            assertEquals(2_000, engine.recoveredEntries());
            assertEquals(hash, engine.stateHash(TIMEOUT_NS));
            assertEquals(AGGREGATES, engine.aggregateCount(TIMEOUT_NS));
            assertEquals(total(0, 2_000), readTotal(engine, 0));

            final CommandResult next = add(engine, 3, 1, 2, 0, 0);
            assertEquals(Outcome.ACCEPTED, next.outcome());
            assertEquals(lastSequence + 2, next.sequence(), "global sequence continues across restart");
            assertNotEquals(hash, engine.stateHash(TIMEOUT_NS));
        }
    }

    @Test
    void shouldAnswerDuplicateWithOriginalPositionWhenKeyIsReusedAfterRestart() throws Exception
    {
        final CommandResult original;
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal()))
        {
            add(engine, 1, 5, 1, 0, 0);
            original = add(engine, 1, 7, 2, 0xABCL, 0xDEFL);
            add(engine, 1, 9, 1, 0, 0);
            assertEquals(Outcome.ACCEPTED, original.outcome());
            assertTrue(original.journalPosition() > 0);
        }

        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal()))
        {
            final CommandResult retry = add(engine, 1, 7, 2, 0xABCL, 0xDEFL);
            assertEquals(Outcome.DUPLICATE, retry.outcome());
            assertEquals(original.version(), retry.version());
            assertEquals(original.sequence(), retry.sequence());
            assertEquals(original.journalPosition(), retry.journalPosition());
            assertEquals(5 + 7 * 2 + 9, readTotal(engine, 1), "the retry applied nothing");
        }
    }

    @Test
    void shouldHoldADuplicateUntilItsOriginalEntryIsDurableOnTheFollowers() throws Exception
    {
        final CommandResult original;
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal()))
        {
            original = add(engine, 1, 7, 2, 0xABCL, 0xDEFL);
            assertEquals(Outcome.ACCEPTED, original.outcome());
        }

        // As on a freshly promoted leader: the entry is in its journal, but no follower holds it yet.
        final AtomicLong replicated = new AtomicLong(-1);
        try (TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = launchReplicated(archive.journal(), replicated::get))
        {
            final CompletableFuture<CommandResult> retry = submitAdd(engine, 1, 7, 2, 0xABCL, 0xDEFL);
            awaitDuplicateDecided(engine);
            assertNotAnswered(retry, "before its original entry was replicated");

            replicated.set(original.journalPosition() - 1);
            assertNotAnswered(retry, "while the followers hold less than the whole entry");

            replicated.set(original.journalPosition());
            final CommandResult duplicate = retry.get(10, TimeUnit.SECONDS);
            assertEquals(Outcome.DUPLICATE, duplicate.outcome());
            assertEquals(original.journalPosition(), duplicate.journalPosition());
        }
    }

    @Test
    void shouldAnswerADuplicateUnknownWhenTheJournalFailsBeforeItsOriginalIsDurable() throws Exception
    {
        final CommandResult original;
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal()))
        {
            original = add(engine, 1, 7, 2, 0xABCL, 0xDEFL);
        }

        final AtomicLong replicated = new AtomicLong(-1);
        try (TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = launchReplicated(archive.journal(), replicated::get))
        {
            final CompletableFuture<CommandResult> retry = submitAdd(engine, 1, 7, 2, 0xABCL, 0xDEFL);
            awaitDuplicateDecided(engine);
            assertNotAnswered(retry, "before its original entry was replicated");
            replicated.set(DurabilityGate.FAILED);
            final CommandResult answer = retry.get(10, TimeUnit.SECONDS);
            assertEquals(Outcome.UNKNOWN, answer.outcome(), answer.toString());
            assertTrue(answer.message().contains("same idempotency key"), answer.message());
            assertTrue(original.journalPosition() > 0);
        }
    }

    @Test
    void shouldCloseWithinTheTimeoutAnsweringRepliesWaitingOnAGateThatNeverMoves() throws Exception
    {
        final List<Throwable> errors = new ArrayList<>();
        final List<CompletableFuture<CommandResult>> waiting = new ArrayList<>();
        final long closeNs;
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("stuck-gate")
                .aggregate(TestAggregates.Tally::new)
                .durability(Durability.REPLICATED)
                .replicationGate(() -> -1)
                .snapshotOnClose(false)
                .shutdownTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
                .errorHandler((ex) ->
                {
                    synchronized (errors)
                    {
                        errors.add(ex);
                    }
                })
                .journal(archive.journal()));
            for (int i = 1; i <= 3; i++)
            {
                waiting.add(submitAdd(engine, i, i, 1, 0xC105EL, i));
            }
            final long startNs = System.nanoTime();
            engine.close();
            closeNs = System.nanoTime() - startNs;
        }
        assertTrue(closeNs < TimeUnit.SECONDS.toNanos(3), "close took " + closeNs / 1_000_000 + " ms");
        for (final CompletableFuture<CommandResult> future : waiting)
        {
            assertTrue(future.isDone(), "a caller still waits after close; errors: " + errors);
            final CommandResult result = future.get();
            assertEquals(Outcome.UNKNOWN, result.outcome(), result.toString());
            assertTrue(result.message().contains("the engine closed before"), result.message());
        }
        // A halted Disruptor processor returns from its loop when close returns, but its thread may take a moment
        // more to end: give each a bounded join (well within the shutdown timeout) before calling it a survivor.
        final long joinDeadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().startsWith("skein-stuck-gate"))
            {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(joinDeadlineNs - System.nanoTime())));
                assertTrue(!thread.isAlive(), "thread " + thread.getName() + " outlived close");
            }
        }
        synchronized (errors)
        {
            for (final Throwable error : errors)
            {
                assertTrue(!error.getMessage().contains("halting"), "the engine had to halt its threads: " + error);
            }
        }
    }

    @Test
    void shouldCountTheSnapshotPolicyFromTheLastSnapshotAcrossRestarts() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = launchEvery(journal, 5))
            {
                for (int i = 1; i <= 7; i++)
                {
                    assertEquals(Outcome.ACCEPTED, add(engine, 1, i, 1, 0, 0).outcome());
                }
                awaitSnapshots(journal, 1);
            }
        }
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = launchEvery(journal, 5))
            {
                for (int i = 8; i <= 9; i++)
                {
                    assertEquals(Outcome.ACCEPTED, add(engine, 1, i, 1, 0, 0).outcome());
                }
                readTotal(engine, 1);   // the writer takes an inline snapshot before it reads: none is under way
                assertEquals(1, snapshots(journal), "entries 8 and 9 are 3 and 4 after the snapshot at entry 5");
                assertEquals(Outcome.ACCEPTED, add(engine, 1, 10, 1, 0, 0).outcome());
                awaitSnapshots(journal, 2);
            }
        }
    }

    private static SkeinEngine launchEvery(final Journal journal, final long entries)
    {
        return SkeinEngine.launch(new SkeinEngine.Context()
            .name("policy")
            .aggregate(TestAggregates.Tally::new)
            .snapshotEveryEntries(entries)
            .snapshotMode(SnapshotMode.INLINE)
            .snapshotOnClose(false)
            .journal(journal));
    }

    private static long snapshots(final Journal journal)
    {
        return journal.recordingLog().entries().stream()
            .filter((entry) -> entry.isValid() && entry.type() == RecordingLog.TYPE_SNAPSHOT).count();
    }

    private static void awaitSnapshots(final Journal journal, final long count)
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (snapshots(journal) < count)
        {
            assertTrue(System.nanoTime() < deadlineNs, "waiting for snapshot " + count);
            Thread.yield();
        }
        assertEquals(count, snapshots(journal));
    }

    @Test
    void shouldReleaseRepliesOnlyOnceRecorded() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = launch(journal))
            {
                final AtomicLong violations = new AtomicLong();
                final AtomicLong replies = new AtomicLong();
                for (int i = 0; i < 5_000; i++)
                {
                    writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % 7);
                    writer.body(new AddEncoder()).amount(1).repeat(1).behaviour(0)
                        .putNote(TestAggregates.NO_NOTE, 0, 0);
                    final OfferResult result = engine.offer(buffer, 0, writer.length(), (reply) ->
                    {
                        if (reply.journalPosition() <= 0 || journal.durablePosition() < reply.journalPosition())
                        {
                            violations.incrementAndGet();
                        }
                        replies.incrementAndGet();
                    }, TIMEOUT_NS);
                    assertEquals(OfferResult.OFFERED, result);
                }
                final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                while (replies.get() < 5_000)
                {
                    assertTrue(System.nanoTime() < deadlineNs, "waiting for replies: " + replies.get());
                    Thread.yield();
                }
                assertEquals(0, violations.get(), "replies released before their entry was recorded");
            }
        }
    }

    @Test
    void aSyncCallersRepliesComeOnlyOnceRecorded() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = launch(journal))
            {
                final SyncCaller caller = engine.newSyncCaller();
                for (int i = 0; i < 2_000; i++)
                {
                    writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % 7);
                    writer.body(new AddEncoder()).amount(1).repeat(1).behaviour(0)
                        .putNote(TestAggregates.NO_NOTE, 0, 0);
                    final Reply reply = caller.call(buffer, 0, writer.length(), TIMEOUT_NS);
                    assertEquals(i, reply.correlationId());
                    assertEquals(Outcome.ACCEPTED, reply.outcome());
                    assertTrue(reply.journalPosition() > 0 && journal.durablePosition() >= reply.journalPosition(),
                        "reply " + i + " at " + reply.journalPosition() + " released before recorded (" +
                        journal.durablePosition() + ")");
                }
                assertEquals(2_000 / 7 + 1, readTotal(engine, 0));
            }
        }
    }

    @Test
    void shouldAcknowledgeNothingUnrecordedOnceTheArchiveStopsRecording() throws Exception
    {
        final List<Throwable> errors = new ArrayList<>();
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("failing")
                .aggregate(TestAggregates.Tally::new)
                .errorHandler((ex) ->
                {
                    synchronized (errors)
                    {
                        errors.add(ex);
                    }
                })
                .journal(journal)))
            {
                assertEquals(Outcome.ACCEPTED, add(engine, 1, 1, 1, 0, 0).outcome());
                try (AeronArchive control = AeronArchive.connect(new AeronArchive.Context()
                    .aeronDirectoryName(archive.archive().aeronDirectoryName())
                    .controlRequestChannel("aeron:ipc")
                    .controlResponseChannel("aeron:ipc")))
                {
                    assertTrue(control.tryStopRecordingByIdentity(journal.recordingId()));
                }
                final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                while (Journal.FAILED_POSITION != journal.durablePosition())
                {
                    assertTrue(System.nanoTime() < deadlineNs, "waiting for the recording to stop");
                    Thread.yield();
                }

                for (int i = 0; i < 20; i++)
                {
                    final CommandResult result = add(engine, 1, 100, 1, 0, 0);
                    assertNotEquals(Outcome.ACCEPTED, result.outcome(), "acknowledged after the recording stopped");
                    assertTrue(result.outcome() == Outcome.ERROR || result.reason() == RejectReason.UNAVAILABLE,
                        result.toString());
                }
            }
        }
        synchronized (errors)
        {
            assertTrue(errors.size() >= 1, "the journal failure was reported");
        }
    }

    @Test
    void shouldRefuseToStartOnCorruptJournalEntryNamingItsPosition() throws Exception
    {
        final long goodEnd;
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = launch(journal))
            {
                add(engine, 1, 5, 1, 0, 0);
                goodEnd = add(engine, 1, 6, 1, 0, 0).journalPosition();
            }
            final UnsafeBuffer garbage = new UnsafeBuffer(new byte[48]);
            garbage.setMemory(0, 48, (byte)0x3C);
            journal.append(garbage, 0, 48);
            assertTrue(journal.awaitDurable(journal.position(), TIMEOUT_NS));
        }

        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            final SkeinException ex = assertThrows(SkeinException.class, () -> launch(journal));
            assertTrue(ex.getMessage().contains("between positions " + goodEnd + " and "), ex.getMessage());
        }
    }

    private SkeinEngine launchReplicated(final Journal journal, final DurabilityGate followers)
    {
        return SkeinEngine.launch(new SkeinEngine.Context()
            .name("replicated")
            .aggregate(TestAggregates.Tally::new)
            .durability(Durability.REPLICATED)
            .replicationGate(followers)
            .snapshotOnClose(false)
            .journal(journal));
    }

    private CompletableFuture<CommandResult> submitAdd(
        final SkeinEngine engine,
        final long aggregateId,
        final long amount,
        final int repeat,
        final long keyHi,
        final long keyLo)
    {
        writer.wrap(buffer, 0).correlationId(amount).aggregate(TestAggregates.TYPE_ID, aggregateId)
            .idempotencyKey(keyHi, keyLo);
        writer.body(new AddEncoder()).amount(amount).repeat(repeat).behaviour(0)
            .putNote(TestAggregates.NO_NOTE, 0, 0);
        return engine.submit(buffer, 0, writer.length());
    }

    private static void awaitDuplicateDecided(final SkeinEngine engine)
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (engine.counters().duplicates().get() < 1)
        {
            assertTrue(System.nanoTime() < deadlineNs, "waiting for the writer to decide the retry");
            Thread.yield();
        }
    }

    /**
     * The reply stage answers a decided command within microseconds unless it holds it back; 300 ms is ample to see
     * a reply that is wrongly released.
     */
    private static void assertNotAnswered(final CompletableFuture<CommandResult> retry, final String when)
        throws Exception
    {
        try
        {
            final CommandResult early = retry.get(300, TimeUnit.MILLISECONDS);
            throw new AssertionError("a duplicate was answered " + when + ": " + early);
        }
        catch (final TimeoutException expected)
        {
            // Held back, as it must be.
        }
    }

    private SkeinEngine launch(final Journal journal)
    {
        return SkeinEngine.launch(new SkeinEngine.Context()
            .name("recovery")
            .aggregate(TestAggregates.Tally::new)
            .journal(journal));
    }

    private CommandResult add(
        final SkeinEngine engine,
        final long aggregateId,
        final long amount,
        final int repeat,
        final long keyHi,
        final long keyLo) throws Exception
    {
        writer.wrap(buffer, 0).correlationId(amount).aggregate(TestAggregates.TYPE_ID, aggregateId)
            .idempotencyKey(keyHi, keyLo);
        writer.body(new AddEncoder()).amount(amount).repeat(repeat).behaviour(0)
            .putNote(TestAggregates.NO_NOTE, 0, 0);
        return engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
    }

    private long readTotal(final SkeinEngine engine, final long aggregateId) throws Exception
    {
        writer.wrap(buffer, 0).correlationId(-1).aggregate(TestAggregates.TYPE_ID, aggregateId);
        writer.body(new ReadEncoder()).unused(0);
        final CommandResult result = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
        assertEquals(Outcome.ACCEPTED, result.outcome());
        return new TotalDecoder().wrap(result.payload(), 8, TotalDecoder.BLOCK_LENGTH, TotalDecoder.SCHEMA_VERSION)
            .total();
    }

    private static long total(final long aggregateId, final int commands)
    {
        long total = 0;
        for (int i = 0; i < commands; i++)
        {
            if (i % AGGREGATES == aggregateId)
            {
                total += (long)i * (1 + i % 3);
            }
        }
        return total;
    }
}
