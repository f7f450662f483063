package io.skein.node;

import java.io.File;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.skein.client.SkeinClient;
import io.skein.codecs.Outcome;
import io.skein.protocol.CommandResult;
import io.skein.protocol.SkeinException;
import io.skein.testsupport.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A node's close: every thread it started ends within the shutdown timeout, every caller gets an explicit answer, and
 * the parts close in reverse dependency order (the replication gate keeps moving while the engine drains).
 */
class NodeShutdownSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(20);
    private static final long SHUTDOWN_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(1);

    @TempDir
    File dir;

    private final String archiveControl = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();
    private final String status = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();

    @Test
    void shouldAnswerEveryWaitingCallerAndStopEveryThreadWhenTheGateNeverMoves() throws Exception
    {
        final Set<Thread> before = Thread.getAllStackTraces().keySet();
        final Bank bank = new Bank();
        final TestNode leader = leader(1, SHUTDOWN_TIMEOUT_NS);
        final List<CompletableFuture<CommandResult>> waiting = new ArrayList<>();
        waiting.add(leader.node().engine().submit(bank.buffer, 0, bank.open(1, 1, 0)));
        for (int i = 0; i < 20; i++)
        {
            waiting.add(leader.node().engine().submit(bank.buffer, 0, bank.deposit(2 + i, 1, 1, 1 + i)));
        }
        // Every entry is in the journal (the writer has taken all 21), yet no reply may be released.
        Await.until(() -> leader.node().engine().counters().journalEntries().get() == 21, TIMEOUT_NS,
            "the 21 commands journaled");
        for (final CompletableFuture<CommandResult> future : waiting)
        {
            assertTrue(!future.isDone(), "no follower holds the entries: nothing is answered yet");
        }
        final Set<Thread> started = new HashSet<>(Thread.getAllStackTraces().keySet());
        started.removeAll(before);
        assertTrue(!started.isEmpty());

        final long startNs = System.nanoTime();
        leader.close();
        final long tookNs = System.nanoTime() - startNs;
        assertTrue(tookNs < 2 * SHUTDOWN_TIMEOUT_NS + TimeUnit.SECONDS.toNanos(3),
            "close took " + tookNs / 1_000_000 + " ms with a shutdown timeout of 1 s");
        for (final CompletableFuture<CommandResult> future : waiting)
        {
            assertTrue(future.isDone(), "every caller is answered by the time close returns");
            assertEquals(Outcome.UNKNOWN, future.get().outcome(),
                "journaled but never held by a follower: the outcome is unknown, not lost, not accepted");
        }
        assertNoneAlive(started);
    }

    @Test
    void shouldKeepTheGateMovingWhileTheEngineDrainsSoNoTakenCommandIsLeftUnknown() throws Exception
    {
        final Bank bank = new Bank();
        final List<CompletableFuture<CommandResult>> results = new ArrayList<>();
        final AtomicBoolean stop = new AtomicBoolean();
        final TestNode leader = leader(1, TimeUnit.SECONDS.toNanos(10));
        try (TestNode follower = follower())
        {
            assertEquals(Outcome.ACCEPTED,
                leader.node().engine().submit(bank.buffer, 0, bank.open(1, 3, 0)).get(20, TimeUnit.SECONDS).outcome());
            final Thread load = new Thread(() ->
            {
                final Bank own = new Bank();
                long key = 1;
                while (!stop.get())
                {
                    final CompletableFuture<CommandResult> future =
                        leader.node().engine().submit(own.buffer, 0, own.deposit(key, 3, 1, key));
                    key++;
                    synchronized (results)
                    {
                        results.add(future);
                    }
                    if (future.isDone() && future.isCompletedExceptionally())
                    {
                        return;
                    }
                    if (key % 64 == 0)
                    {
                        Thread.yield();
                    }
                }
            }, "test-load");
            load.start();
            // Close while the load runs: once the engine has accepted a few hundred deposits.
            Await.until(() -> leader.node().engine().counters().accepted().get() > 300, TIMEOUT_NS,
                "300 deposits accepted under load");
            final long startNs = System.nanoTime();
            leader.close();
            final long tookNs = System.nanoTime() - startNs;
            stop.set(true);
            load.join(TimeUnit.SECONDS.toMillis(20));

            int accepted = 0;
            int refused = 0;
            synchronized (results)
            {
                for (final CompletableFuture<CommandResult> future : results)
                {
                    assertTrue(future.isDone());
                    try
                    {
                        final CommandResult result = future.get();
                        if (result.outcome() == Outcome.ACCEPTED)
                        {
                            accepted++;
                        }
                        else
                        {
                            assertEquals(Outcome.REJECTED, result.outcome(), result.toString());
                            refused++;
                        }
                    }
                    catch (final ExecutionException ex)
                    {
                        assertTrue(ex.getCause() instanceof SkeinException, ex.toString());
                        refused++;
                    }
                }
            }
            assertTrue(accepted > 100, "accepted " + accepted + " under load before close");
            assertTrue(tookNs < TimeUnit.SECONDS.toNanos(8),
                "with a follower reporting, draining takes far less than the 10 s shutdown timeout: took " +
                tookNs / 1_000_000 + " ms");

            try (TestNode restarted = leader(1, SHUTDOWN_TIMEOUT_NS);
                SkeinClient client = SkeinClient.connect(restarted.clientContext()))
            {
                final long balance = Bank.balanceOf(client.send(bank.buffer, 0, bank.balance(-1, 3), TIMEOUT_NS));
                assertTrue(balance >= accepted && balance <= accepted + refused,
                    "every acknowledged deposit survives the close: balance " + balance + ", accepted " + accepted);
            }
        }
    }

    private static void assertNoneAlive(final Set<Thread> threads) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        for (final Thread thread : threads)
        {
            thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime())));
            if (thread.isAlive())
            {
                fail("thread " + thread.getName() + " started by the node is still alive after close");
            }
        }
    }

    private TestNode leader(final int requiredFollowers, final long shutdownTimeoutNs)
    {
        return TestNode.launch(new File(dir, "leader"), (ctx) ->
        {
            ctx.name("leader").replicationStatusChannel(status).replicatedFollowers(requiredFollowers);
            ctx.archiveContext().controlChannel(archiveControl);
            ctx.engineContext().shutdownTimeoutNs(shutdownTimeoutNs);
        });
    }

    private TestNode follower()
    {
        return TestNode.launch(new File(dir, "follower"), (ctx) ->
        {
            ctx.name("follower").followerId(1).leaderArchiveControlChannel(archiveControl)
                .replicationStatusChannel(status);
            ctx.archiveContext().controlChannel("aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort());
        }).expectError("replication image closed unexpectedly");
    }
}
