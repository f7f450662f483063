package io.skein.benchmarks;

import java.util.concurrent.TimeUnit;

import org.HdrHistogram.Histogram;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Drives a {@link RoundTrip} from one thread. At a fixed rate (open loop) each request has an intended send time on
 * a fixed schedule and its latency counts from then, even if back-pressure or a stall sent it late, so stalls show in
 * the percentiles (no coordinated omission). At rate 0 it keeps a window of requests in flight and measures the
 * maximum sustainable throughput.
 */
final class OpenLoop implements RoundTrip.ReplyHandler
{
    private static final int CAPACITY = 1 << 16;
    private static final long MAX_LATENCY_NS = TimeUnit.SECONDS.toNanos(30);

    private final long[] intendedNs = new long[CAPACITY];
    private final Histogram histogram = new Histogram(MAX_LATENCY_NS, 3);
    private long received;

    /**
     * What one run measured.
     */
    static final class Result
    {
        final Histogram histogram;
        final long replies;
        final long elapsedNs;
        final long rate;

        Result(final Histogram histogram, final long replies, final long elapsedNs, final long rate)
        {
            this.histogram = histogram;
            this.replies = replies;
            this.elapsedNs = elapsedNs;
            this.rate = rate;
        }

        double throughput()
        {
            return replies / (elapsedNs / 1e9);
        }

        double micros(final double percentile)
        {
            return histogram.getValueAtPercentile(percentile) / 1e3;
        }
    }

    static Result run(final RoundTrip roundTrip, final long rate, final long count, final int window, final long base)
    {
        return new OpenLoop().drive(roundTrip, rate, count, Math.min(window, CAPACITY), base);
    }

    private Result drive(final RoundTrip roundTrip, final long rate, final long count, final int window,
        final long base)
    {
        final IdleStrategy idle = new BackoffIdleStrategy(100, 100, 1_000, 50_000);
        final long intervalNs = rate > 0 ? Math.max(1, TimeUnit.SECONDS.toNanos(1) / rate) : 0;
        final long startNs = System.nanoTime();
        long nextNs = startNs;
        long sent = 0;
        long lastProgressNs = startNs;
        while (received < count)
        {
            int work = 0;
            final long nowNs = System.nanoTime();
            if (sent < count && sent - received < window && (0 == intervalNs || nowNs - nextNs >= 0))
            {
                if (roundTrip.offer(base + sent))
                {
                    intendedNs[(int)(sent & (CAPACITY - 1))] = 0 == intervalNs ? nowNs : nextNs;
                    sent++;
                    nextNs += intervalNs;
                    work++;
                }
            }
            final long before = received;
            work += roundTrip.poll(this);
            if (received != before)
            {
                lastProgressNs = nowNs;
            }
            else if (nowNs - lastProgressNs > TimeUnit.SECONDS.toNanos(30))
            {
                throw new IllegalStateException("no reply for 30 s with " + (sent - received) + " in flight");
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
        return new Result(histogram, received, System.nanoTime() - startNs, rate);
    }

    @Override
    public void onReply(final long correlationId)
    {
        final long latencyNs = System.nanoTime() - intendedNs[(int)(correlationId & (CAPACITY - 1))];
        histogram.recordValue(Math.min(Math.max(0, latencyNs), MAX_LATENCY_NS));
        received++;
    }
}
