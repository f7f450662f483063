package io.skein.cli;

import java.io.PrintStream;
import java.util.Locale;

import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import org.HdrHistogram.Histogram;

/**
 * Prints what a {@link LoadRun} measured, readably or as JSON.
 */
final class LoadReport
{
    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};

    private LoadReport()
    {
    }

    static void print(final PrintStream out, final LoadRun.Result result)
    {
        out.printf("Throughput: %,.0f commands/s (%,d replies in %.2f s)%n", result.throughput(), result.replies,
            result.elapsedNs / 1e9);
        final Histogram latency = result.latency;
        out.printf("Latency, send to durable reply, microseconds: p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  " +
            "p99.99 %.1f  max %.1f%n",
            latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(90) / 1e3,
            latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
            latency.getValueAtPercentile(99.99) / 1e3, latency.getMaxValue() / 1e3);
        out.printf("Outcomes: accepted %,d  rejected %,d  conflicts %,d  duplicates %,d  errors %,d  unknown %,d%n",
            result.outcomes[Outcome.ACCEPTED.ordinal()], result.outcomes[Outcome.REJECTED.ordinal()],
            result.outcomes[Outcome.CONFLICT.ordinal()], result.outcomes[Outcome.DUPLICATE.ordinal()],
            result.outcomes[Outcome.ERROR.ordinal()], result.outcomes[Outcome.UNKNOWN.ordinal()]);
        final StringBuilder rejected = new StringBuilder();
        for (final RejectReason reason : RejectReason.values())
        {
            if (reason != RejectReason.NULL_VAL && result.reasons[reason.ordinal()] > 0)
            {
                rejected.append(rejected.length() > 0 ? ", " : "").append(reason).append(' ')
                    .append(result.reasons[reason.ordinal()]);
            }
        }
        if (rejected.length() > 0)
        {
            out.println("Rejections by reason: " + rejected);
        }
        if (result.backPressured > 0)
        {
            out.printf("The ingress pushed back %,d times (the node was busy; those commands waited and their " +
                "latency counts from when they should have been sent).%n", result.backPressured);
        }
        if (result.cluster)
        {
            out.printf("Cluster: %,d leader change%s followed, %,d command%s resent with their idempotency keys " +
                "(answered DUPLICATE if already decided), %,d reconnect%s%n", result.leaderChanges,
                1 == result.leaderChanges ? "" : "s", result.resent, 1 == result.resent ? "" : "s",
                result.reconnects, 1 == result.reconnects ? "" : "s");
        }
    }

    static String json(
        final LoadRun.Result result, final String workload, final int clients, final long rate, final long count)
    {
        final StringBuilder json = new StringBuilder(512);
        json.append("{\"workload\":\"").append(workload).append("\",\"clients\":").append(clients)
            .append(",\"targetRate\":").append(rate).append(",\"commands\":").append(count)
            .append(",\"replies\":").append(result.replies)
            .append(",\"elapsedSeconds\":").append(format(result.elapsedNs / 1e9))
            .append(",\"throughput\":").append(format(result.throughput()))
            .append(",\"backPressured\":").append(result.backPressured);
        if (result.cluster)
        {
            json.append(",\"leaderChanges\":").append(result.leaderChanges)
                .append(",\"resent\":").append(result.resent)
                .append(",\"reconnects\":").append(result.reconnects);
        }
        json            .append(",\"latencyMicros\":{");
        for (final double percentile : PERCENTILES)
        {
            json.append('"').append('p').append(java.math.BigDecimal.valueOf(percentile).stripTrailingZeros()
                .toPlainString()).append("\":")
                .append(format(result.latency.getValueAtPercentile(percentile) / 1e3)).append(',');
        }
        json.append("\"max\":").append(format(result.latency.getMaxValue() / 1e3)).append("},\"outcomes\":{");
        for (final Outcome outcome : Outcome.values())
        {
            if (outcome != Outcome.NULL_VAL)
            {
                json.append(outcome.ordinal() > 0 ? "," : "").append('"').append(outcome).append("\":")
                    .append(result.outcomes[outcome.ordinal()]);
            }
        }
        return json.append("}}").toString();
    }

    private static String format(final double value)
    {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
