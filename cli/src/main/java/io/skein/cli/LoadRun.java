package io.skein.cli;

import java.io.PrintStream;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.skein.client.SendResult;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.protocol.CommandResult;
import io.skein.protocol.SkeinException;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Drives a node from several clients, each on its own thread with its own session, and measures latency from each
 * command's intended send time to its reply. At a fixed rate (open loop) a command that could not be sent on time
 * still counts from when it should have gone, so a stalled node shows up in the percentiles instead of hiding
 * behind a slower sender (coordinated omission). At the maximum rate (rate 0) each client keeps a window of commands
 * in flight and latency counts from the send. The sessions go to a node or, through the cluster client, to a cluster's
 * leader; every load command carries an idempotency key, so those resent after a failover are answered DUPLICATE if
 * the cluster had already decided them.
 */
final class LoadRun
{
    private static final int CAPACITY = 1 << 16;
    private static final long MAX_LATENCY_NS = TimeUnit.SECONDS.toNanos(60);

    private final ClientOptions.Connection connection;
    private final int clients;
    private final long rate;
    private final long count;
    private final int window;
    private final OrderFlow.Workload workload;
    private final int aggregates;
    private final long seed;
    private final long runId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    private final AtomicLong replies = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    LoadRun(
        final ClientOptions.Connection connection,
        final int clients,
        final long rate,
        final long count,
        final int window,
        final OrderFlow.Workload workload,
        final int aggregates,
        final long seed)
    {
        this.connection = connection;
        this.clients = clients;
        this.rate = rate;
        this.count = count;
        this.window = Math.min(window, CAPACITY);
        this.workload = workload;
        this.aggregates = aggregates;
        this.seed = seed;
    }

    /**
     * What a run measured.
     */
    static final class Result
    {
        final Histogram latency = new Histogram(MAX_LATENCY_NS, 3);
        final long[] outcomes = new long[Outcome.values().length];
        final long[] reasons = new long[RejectReason.values().length];
        long sent;
        long replies;
        long backPressured;
        long elapsedNs;
        boolean cluster;
        long leaderChanges;
        long resent;
        long reconnects;
        long acknowledgedAmount;

        synchronized void add(final Worker worker)
        {
            latency.add(worker.latency);
            for (int i = 0; i < outcomes.length; i++)
            {
                outcomes[i] += worker.outcomes[i];
            }
            for (int i = 0; i < reasons.length; i++)
            {
                reasons[i] += worker.reasons[i];
            }
            sent += worker.sent;
            replies += worker.received;
            backPressured += worker.backPressured;
            leaderChanges += worker.leaderChanges;
            resent += worker.resent;
            reconnects += worker.reconnects;
            acknowledgedAmount += worker.acknowledgedAmount;
        }

        /**
         * Commands answered ACCEPTED or DUPLICATE (decided before, when a resend after a failover asked again).
         *
         * @return the count.
         */
        long acknowledged()
        {
            return outcomes[Outcome.ACCEPTED.ordinal()] + outcomes[Outcome.DUPLICATE.ordinal()];
        }

        double throughput()
        {
            return replies / (elapsedNs / 1e9);
        }
    }

    /**
     * Replies so far, over all clients.
     *
     * @return the count.
     */
    long replies()
    {
        return replies.get();
    }

    Result run(final PrintStream progressOut, final String label) throws Exception
    {
        final Result result = new Result();
        result.cluster = connection.isCluster();
        final CyclicBarrier start = new CyclicBarrier(clients + 1);
        final Thread[] threads = new Thread[clients];
        for (int c = 0; c < clients; c++)
        {
            final Worker worker = new Worker(c, count / clients + (c < count % clients ? 1 : 0));
            threads[c] = new Thread(() ->
            {
                try
                {
                    worker.run(start);
                    result.add(worker);
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                    start.reset();
                }
            }, "skein-load-" + c);
            threads[c].start();
        }
        try
        {
            start.await(60, TimeUnit.SECONDS);
        }
        catch (final Exception ex)
        {
            joinAll(threads);
            throw failure.get() instanceof Exception ? (Exception)failure.get() : ex;
        }
        final long startNs = System.nanoTime();
        final ProgressBar progress = null == progressOut ? null : new ProgressBar(progressOut, count, label);
        while (isAlive(threads))
        {
            if (null != progress)
            {
                progress.update(replies.get(), System.nanoTime() - startNs);
            }
            Thread.sleep(100);
        }
        result.elapsedNs = System.nanoTime() - startNs;
        if (null != progress)
        {
            progress.finish(replies.get(), result.elapsedNs);
        }
        joinAll(threads);
        if (null != failure.get())
        {
            final Throwable ex = failure.get();
            throw ex instanceof Exception ? (Exception)ex : new IllegalStateException(ex);
        }
        return result;
    }

    private static boolean isAlive(final Thread[] threads)
    {
        for (final Thread thread : threads)
        {
            if (thread.isAlive())
            {
                return true;
            }
        }
        return false;
    }

    private static void joinAll(final Thread[] threads) throws InterruptedException
    {
        for (final Thread thread : threads)
        {
            thread.join();
        }
    }

    final class Worker implements CommandSession.Listener
    {
        final Histogram latency = new Histogram(MAX_LATENCY_NS, 3);
        final long[] outcomes = new long[Outcome.values().length];
        final long[] reasons = new long[RejectReason.values().length];
        final long[] intendedNs = new long[CAPACITY];
        final int[] amounts = workload == OrderFlow.Workload.BANK ? new int[CAPACITY] : null;
        final int index;
        final long quota;
        long sent;
        long received;
        long backPressured;
        long leaderChanges;
        long resent;
        long reconnects;
        long acknowledgedAmount;

        Worker(final int index, final long quota)
        {
            this.index = index;
            this.quota = quota;
        }

        void run(final CyclicBarrier start) throws Exception
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
            final OrderFlow flow = new OrderFlow(workload, aggregates, seed, runId, index, clients);
            try (CommandSession client = connection.session(this))
            {
                for (int i = index; i < flow.setupCommands(); i += clients)
                {
                    final CommandResult opened = open(client, buffer, flow, i);
                    if (opened.outcome() != Outcome.ACCEPTED && opened.outcome() != Outcome.CONFLICT)
                    {
                        throw new SkeinException(SkeinException.Code.GENERIC, "could not open account " + (i + 1) +
                            ": " + opened);
                    }
                }
                start.await(60, TimeUnit.SECONDS);
                try
                {
                    drive(client, buffer, flow);
                }
                finally
                {
                    leaderChanges = client.leaderChanges();
                    resent = client.resent();
                    reconnects = client.reconnects();
                }
            }
        }

        /**
         * Open an account. The opening carries no idempotency key, so a cluster's leader change can leave its outcome
         * unknown; it expects a new aggregate, so sending it again is safe: the answer is then CONFLICT if the first
         * one was applied.
         */
        private CommandResult open(
            final CommandSession client, final UnsafeBuffer buffer, final OrderFlow flow, final int i)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    return client.send(buffer, 0, flow.setup(buffer, -1 - i, i), TimeUnit.SECONDS.toNanos(10));
                }
                catch (final SkeinException ex)
                {
                    if (ex.code() != SkeinException.Code.UNKNOWN_OUTCOME || attempt == 3)
                    {
                        throw ex;
                    }
                }
            }
        }

        private void drive(final CommandSession client, final UnsafeBuffer buffer, final OrderFlow flow)
        {
            final IdleStrategy idle = new BackoffIdleStrategy(100, 100, 1_000, 50_000);
            final long intervalNs = rate > 0 ? Math.max(1, TimeUnit.SECONDS.toNanos(1) * clients / rate) : 0;
            long nextNs = System.nanoTime();
            long lastReplyNs = nextNs;
            while (received < quota)
            {
                int work = 0;
                final long nowNs = System.nanoTime();
                if (sent < quota && sent - received < window && (0 == intervalNs || nowNs - nextNs >= 0))
                {
                    final int length = flow.write(buffer, sent, sent * clients + index);
                    if (null != amounts)
                    {
                        amounts[(int)(sent & (CAPACITY - 1))] = (int)flow.lastAmount();
                    }
                    final SendResult result = client.offer(buffer, 0, length);
                    if (result == SendResult.SENT)
                    {
                        intendedNs[(int)(sent & (CAPACITY - 1))] = 0 == intervalNs ? nowNs : nextNs;
                        sent++;
                        nextNs += intervalNs;
                        work++;
                    }
                    else if (result == SendResult.BACK_PRESSURED)
                    {
                        backPressured++;
                    }
                    else
                    {
                        throw new SkeinException(SkeinException.Code.NOT_CONNECTED, "lost the node after " +
                            received + " replies: " + client.disconnectReason());
                    }
                }
                final long before = received;
                work += client.poll();
                if (received != before)
                {
                    lastReplyNs = nowNs;
                }
                else if (nowNs - lastReplyNs > TimeUnit.SECONDS.toNanos(30) && sent > received)
                {
                    throw new SkeinException(SkeinException.Code.TIMEOUT, "no reply for 30 s with " +
                        (sent - received) + " commands in flight");
                }
                if (0 == work)
                {
                    idle.idle();
                }
                else
                {
                    idle.reset();
                }
            }
        }

        @Override
        public void onOutcome(final long correlationId, final Outcome outcome, final RejectReason reason)
        {
            if (correlationId < 0)
            {
                return;
            }
            final int slot = (int)(correlationId & (CAPACITY - 1));
            final long latencyNs = System.nanoTime() - intendedNs[slot];
            latency.recordValue(Math.min(Math.max(0, latencyNs), MAX_LATENCY_NS));
            outcomes[outcome.ordinal()]++;
            if (outcome == Outcome.REJECTED && null != reason)
            {
                reasons[reason.ordinal()]++;
            }
            if (null != amounts && (outcome == Outcome.ACCEPTED || outcome == Outcome.DUPLICATE))
            {
                acknowledgedAmount += amounts[slot];
            }
            received++;
            replies.getAndIncrement();
        }
    }
}
