package io.skein.node;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.skein.client.ClientListener;
import io.skein.client.RemoteSubscription;
import io.skein.client.SendResult;
import io.skein.client.SkeinClient;
import io.skein.codecs.Outcome;
import io.skein.projection.EventSubscription;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allocation guard of the whole node path, in one JVM: a client sends pipelined deposits to a leader over UDP;
 * the leader's replies wait for one follower that replicates its journal through Aeron Archive and applies it; a
 * remote subscription on the client and an in-process subscription on the leader follow the journal live. Once warm,
 * every thread of the path (the client's, each node's agent, writer and reply stage, the follower's replicator and
 * tail, the subscription's) must allocate nothing per command, measured with HotSpot's per-thread counter.
 */
class NodeSteadyStateAllocationTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int ACCOUNTS = 100;
    private static final int WINDOW = 512;
    private static final int WARM_UP = 100_000;
    private static final int MEASURED = 100_000;

    /**
     * Bytes a thread may allocate over the measured commands: room for one-off noise (a lazily initialised JDK
     * structure, a periodic housekeeping task), while 8 bytes per command would be 800 KB.
     */
    private static final long TOLERANCE = 16 * 1024;

    /**
     * Aeron's own agents allocate a little per segment file, not per command: the archive's recording writer opens
     * and closes a file on each segment roll-over (about 3.6 KB, some 15 of them here on each archive), and the
     * driver's transport pollers iterate an {@code ArrayList} whose iterator escape analysis usually, not always,
     * removes. Two bytes per command on average is far above that and far below any per-command allocation (16 B).
     */
    private static final long AERON_TOLERANCE = 2L * MEASURED;

    @TempDir
    File dir;

    private final String archiveControl = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();
    private final String status = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();

    @Test
    void shouldNotAllocateOnIngressEgressReplicationOrSubscriptionThreadsInSteadyState() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final Bank bank = new Bank();
        final Counter listener = new Counter();
        final AtomicLong localEvents = new AtomicLong();
        final long[] remoteEvents = new long[1];
        try (TestNode leader = leader();
            TestNode follower = follower();
            SkeinClient client = SkeinClient.connect(leader.clientContext().listener(listener));
            EventSubscription local = EventSubscription.start("alloc", leader.node().eventSource(),
                EventSubscription.FROM_START, null, (event) -> localEvents.incrementAndGet(),
                Throwable::printStackTrace);
            RemoteSubscription remote = client.subscribe(SkeinClient.FROM_START, 0, null,
                (JournalEvents event) -> remoteEvents[0]++, TIMEOUT_NS))
        {
            for (int i = 1; i <= ACCOUNTS; i++)
            {
                send(client, listener, bank, bank.open(i, i, 0), 1);
            }
            send(client, listener, bank, 0, WARM_UP);
            awaitEvents(client, localEvents, remoteEvents, ACCOUNTS + WARM_UP);

            final Map<Thread, Long> before = allocated(threads);
            final long clientBefore = threads.getCurrentThreadAllocatedBytes();
            send(client, listener, bank, 0, MEASURED);
            awaitEvents(client, localEvents, remoteEvents, ACCOUNTS + WARM_UP + MEASURED);
            final long clientBytes = threads.getCurrentThreadAllocatedBytes() - clientBefore;
            final Map<Thread, Long> after = allocated(threads);
            after.put(Thread.currentThread(), before.get(Thread.currentThread()) + clientBytes);

            follower.awaitApplied(leader.node().engine().durablePosition(), TIMEOUT_NS);
            assertEquals(0, listener.notAccepted, "every command accepted");
            assertEquals(leader.node().engine().stateHash(TIMEOUT_NS),
                follower.node().engine().stateHash(TIMEOUT_NS));

            final List<String> offenders = new ArrayList<>();
            final StringBuilder report = new StringBuilder("bytes allocated per thread over " + MEASURED +
                " commands:");
            for (final Map.Entry<Thread, Long> entry : after.entrySet())
            {
                final Long start = before.get(entry.getKey());
                final long bytes = entry.getValue() - (null == start ? 0 : start);
                final String name = entry.getKey().getName();
                if (bytes > 0 || isSkeins(entry.getKey()))
                {
                    report.append("\n  ").append(name).append(": ").append(bytes);
                }
                if (isSkeins(entry.getKey()) && bytes > TOLERANCE || isAerons(name) && bytes > AERON_TOLERANCE)
                {
                    offenders.add(name + " allocated " + bytes + " bytes");
                }
            }
            System.out.println(report);
            for (final String thread : new String[] {"skein-node-leader", "skein-node-follower", "skein-leader-writer",
                "skein-leader-replier", "skein-follower-writer", "skein-subscription-alloc"})
            {
                assertTrue(report.indexOf("\n  " + thread) >= 0, "no thread " + thread + " measured: " + report);
            }
            assertTrue(offenders.isEmpty(), offenders + "\n" + report);
        }
    }

    private TestNode leader()
    {
        return TestNode.launch(new File(dir, "leader"), (ctx) ->
        {
            ctx.name("leader").replicationStatusChannel(status).replicatedFollowers(1);
            ctx.archiveContext().controlChannel(archiveControl);
        });
    }

    private TestNode follower()
    {
        return TestNode.launch(new File(dir, "follower"), (ctx) ->
        {
            ctx.name("follower").followerId(1).leaderArchiveControlChannel(archiveControl)
                .replicationStatusChannel(status);
            ctx.archiveContext().controlChannel("aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort());
        });
    }

    /**
     * Skein's threads on the measured path: the node's agents, writers, reply stages, the follower's replicator and
     * tail, the subscription's, and this test's thread (the client and its remote subscription).
     */
    private static boolean isSkeins(final Thread thread)
    {
        return thread == Thread.currentThread() || thread.getName().startsWith("skein-");
    }

    /**
     * The media drivers' and archives' agents (Aeron's code), held to {@link #AERON_TOLERANCE}.
     */
    private static boolean isAerons(final String name)
    {
        return name.startsWith("archive-") || name.contains("driver-conductor") || name.startsWith("aeron-");
    }

    private static Map<Thread, Long> allocated(final com.sun.management.ThreadMXBean threads)
    {
        final Map<Thread, Long> bytes = new HashMap<>();
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            final long allocated = threads.getThreadAllocatedBytes(thread.getId());
            if (allocated >= 0)
            {
                bytes.put(thread, allocated);
            }
        }
        return bytes;
    }

    /**
     * Send {@code count} commands (the one already in the bank's buffer when {@code length} is given, else deposits)
     * with at most {@link #WINDOW} unanswered, then wait for every reply.
     */
    private static void send(
        final SkeinClient client, final Counter listener, final Bank bank, final int length, final long count)
    {
        final long sentBefore = listener.sent;
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (listener.sent - sentBefore < count || listener.replies < listener.sent)
        {
            if (listener.sent - sentBefore < count && listener.sent - listener.replies < WINDOW)
            {
                final long n = listener.sent;
                final int commandLength = length > 0 ? length :
                    bank.deposit(n, 1 + n % ACCOUNTS, 1, n + 1);
                if (client.offer(bank.buffer, 0, commandLength) == SendResult.SENT)
                {
                    listener.sent++;
                }
            }
            if (client.poll() == 0)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new AssertionError("replies " + listener.replies + " of " + listener.sent);
                }
                Thread.onSpinWait();
            }
        }
    }

    private static void awaitEvents(
        final SkeinClient client, final AtomicLong local, final long[] remote, final long expected)
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (local.get() < expected || remote[0] < expected)
        {
            if (client.poll() == 0)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new AssertionError("subscriptions at " + local.get() + " local and " + remote[0] +
                        " remote events of " + expected);
                }
                Thread.onSpinWait();
            }
        }
    }

    private static final class Counter implements ClientListener
    {
        private long sent;
        private long replies;
        private long notAccepted;

        @Override
        public void onReply(final Reply reply)
        {
            replies++;
            if (reply.outcome() != Outcome.ACCEPTED)
            {
                notAccepted++;
            }
        }
    }
}
