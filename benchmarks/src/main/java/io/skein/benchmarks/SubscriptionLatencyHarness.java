package io.skein.benchmarks;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.skein.engine.OfferResult;
import io.skein.engine.ReplyListener;
import io.skein.engine.SkeinEngine;
import io.skein.examples.bank.BankAccount;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.projection.EventSource;
import io.skein.projection.EventSubscription;
import io.skein.protocol.EventFilter;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.Reply;
import org.HdrHistogram.Histogram;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Live delivery latency of the read side: deposits submitted at a fixed rate to an embedded, journaled engine
 * (RECORDED), and an {@link EventSubscription} started live on its own thread ({@link EventSubscription#start}, with
 * its own idle strategy). Each event's latency is from its command's submit to the subscription's handler, and also
 * from its intended send time on the fixed schedule (open loop: a late send counts from when it was due, so stalls
 * show); the durable reply's latency from the same submit is measured beside it as the baseline (the reply stage
 * releases it once recorded, as the subscription is bounded by the recorded position). After a warm-up at the same
 * rate, whose events are not recorded.
 * <p>
 * Submit times are kept in a {@code long[]} indexed by correlation id (the deposits' ids count from 0), written
 * before each offer: the offer, the writer, the recording and the replay each publish with release and read with
 * acquire, so the subscriber's thread sees the stamp.
 */
public final class SubscriptionLatencyHarness
{
    private static final double[] PERCENTILES = {50, 90, 99, 99.9};
    private static final long MAX_LATENCY_NS = TimeUnit.SECONDS.toNanos(30);
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    private final long rate;
    private final int warmup;
    private final int total;
    private final long[] intendedNs;
    private final long[] submitNs;
    private final Histogram fromIntended = new Histogram(MAX_LATENCY_NS, 3);
    private final Histogram fromSubmit = new Histogram(MAX_LATENCY_NS, 3);
    private final Histogram reply = new Histogram(MAX_LATENCY_NS, 3);
    private final ReplyListener replyListener = this::onReply;
    private volatile long delivered;
    private volatile long replied;
    private volatile Throwable error;

    private SubscriptionLatencyHarness(final long rate, final int warmup, final int measured)
    {
        this.rate = rate;
        this.warmup = warmup;
        this.total = warmup + measured;
        intendedNs = new long[total];
        submitNs = new long[total];
    }

    /**
     * Run on its own.
     *
     * @param args {@code --smoke} for a quick check that it runs, or {@code RATE SECONDS} (default 10,000/s for 10 s
     *             after 2 s of warm-up).
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final File output = new File("benchmarks/target/results");
        if (args.length > 0 && "--smoke".equals(args[0]))
        {
            System.out.println(run(true, output));
        }
        else if (args.length == 2)
        {
            System.out.println(run(Long.parseLong(args[0]), Integer.parseInt(args[1]), output));
        }
        else
        {
            System.out.println(run(false, output));
        }
    }

    /**
     * Run the measurement and write {@code subscription-latency.json}.
     *
     * @param smoke  1,000/s for 1 s: checks it runs.
     * @param output directory for the results.
     * @return the Markdown table.
     * @throws Exception if a run fails.
     */
    public static String run(final boolean smoke, final File output) throws Exception
    {
        return smoke ? run(1_000, 1, output) : run(10_000, 10, output);
    }

    private static String run(final long rate, final int seconds, final File output) throws Exception
    {
        Files.createDirectories(output.toPath());
        final SubscriptionLatencyHarness harness = new SubscriptionLatencyHarness(
            rate, (int)Math.max(1_000, rate * 2), (int)(rate * seconds));
        harness.measure();
        Files.write(new File(output, "subscription-latency.json").toPath(),
            harness.json(seconds).getBytes(StandardCharsets.UTF_8));
        return harness.table(seconds);
    }

    private void measure() throws Exception
    {
        final File dir = Files.createTempDirectory("skein-subscription-latency-").toFile();
        try (EmbeddedArchive archive = EmbeddedArchive.launch(new EmbeddedArchive.Context().baseDir(dir)
                .termLength(16 * 1024 * 1024));
            Journal journal = Journal.launch(new Journal.Context().embeddedArchive(archive)
                .journalDir(new File(dir, "journal")));
            SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context().name("subscription-latency")
                .aggregate(BankAccount::new).ringSize(4096).snapshotOnClose(false).journal(journal)))
        {
            final Workload commands = new Workload("account");
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
            final EngineBenchmark.Counter opened = new EngineBenchmark.Counter();
            for (int i = 0; i < Workload.ACCOUNTS; i++)
            {
                offer(engine, buffer, commands.encodeOpen(buffer, i), opened);
            }
            awaitCount(opened, Workload.ACCOUNTS);

            final EventSubscription subscription = EventSubscription.start("latency", EventSource.of(engine),
                EventSubscription.FROM_LIVE, EventFilter.ALL, this::onEvent, this::onError);
            try
            {
                System.out.printf("subscription latency: %,d/s, %,d warm-up then %,d measured deposits%n", rate,
                    warmup, total - warmup);
                send(engine, commands, buffer, subscription);
                awaitDelivered(subscription);
            }
            finally
            {
                CloseHelper.close(subscription);
            }
        }
        finally
        {
            IoUtil.delete(dir, true);
        }
        if (null != error)
        {
            throw new IllegalStateException("the subscription reported an error", error);
        }
    }

    private void send(
        final SkeinEngine engine, final Workload commands, final UnsafeBuffer buffer,
        final EventSubscription subscription)
    {
        final IdleStrategy idle = new BackoffIdleStrategy(100, 100, 1_000, 50_000);
        final long intervalNs = TimeUnit.SECONDS.toNanos(1) / rate;
        final long startNs = System.nanoTime();
        for (int n = 0; n < total; n++)
        {
            final long dueNs = startNs + n * intervalNs;
            long nowNs;
            while ((nowNs = System.nanoTime()) - dueNs < 0)
            {
                idle.idle();
            }
            idle.reset();
            final int length = commands.encodeNext(buffer);
            intendedNs[n] = dueNs;
            submitNs[n] = nowNs;
            offer(engine, buffer, length, replyListener);
            if ((n & 1023) == 0 && EventSubscription.State.FAILED == subscription.state())
            {
                throw new IllegalStateException("subscription failed", subscription.failure());
            }
        }
    }

    private static void offer(
        final SkeinEngine engine, final UnsafeBuffer buffer, final int length, final ReplyListener listener)
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (engine.tryOffer(buffer, 0, length, listener) != OfferResult.OFFERED)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("the engine's ring stayed full for 30 s");
            }
            Thread.onSpinWait();
        }
    }

    private static void awaitCount(final EngineBenchmark.Counter counter, final long count) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (counter.count < count)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("accounts opened: " + counter.count + " of " + count);
            }
            Thread.sleep(1);
        }
    }

    private void awaitDelivered(final EventSubscription subscription) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (delivered < total || replied < total)
        {
            if (EventSubscription.State.FAILED == subscription.state() || System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("events delivered " + delivered + ", replies " + replied + " of " +
                    total + "; subscription " + subscription.state(), subscription.failure());
            }
            Thread.sleep(1);
        }
    }

    private void onEvent(final JournalEvents event)
    {
        final long nowNs = System.nanoTime();
        final long correlationId = event.correlationId();
        if (correlationId >= warmup && correlationId < total)
        {
            fromSubmit.recordValue(clamp(nowNs - submitNs[(int)correlationId]));
            fromIntended.recordValue(clamp(nowNs - intendedNs[(int)correlationId]));
        }
        if (correlationId >= 0)
        {
            delivered = delivered + 1;
        }
    }

    private void onReply(final Reply response)
    {
        final long nowNs = System.nanoTime();
        final long correlationId = response.correlationId();
        if (correlationId >= warmup && correlationId < total)
        {
            reply.recordValue(clamp(nowNs - submitNs[(int)correlationId]));
        }
        replied = replied + 1;
    }

    private void onError(final Throwable ex)
    {
        error = ex;
    }

    private static long clamp(final long latencyNs)
    {
        return Math.min(Math.max(0, latencyNs), MAX_LATENCY_NS);
    }

    private String table(final int seconds)
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "| live subscription delivery, deposits at %,d/s for %d s (RECORDED), " +
            "µs | p50 | p90 | p99 | p99.9 | max |%n|---|---|---|---|---|---|%n", rate, seconds));
        row(out, "event to the subscription's handler, from submit", fromSubmit);
        row(out, "event to the subscription's handler, from intended send (open loop)", fromIntended);
        row(out, "baseline: durable reply to the submitter, from submit", reply);
        return out.toString();
    }

    private static void row(final StringBuilder out, final String what, final Histogram histogram)
    {
        out.append("| ").append(what);
        for (final double percentile : PERCENTILES)
        {
            out.append(String.format(Locale.ROOT, " | %.1f", histogram.getValueAtPercentile(percentile) / 1e3));
        }
        out.append(String.format(Locale.ROOT, " | %.1f |%n", histogram.getMaxValue() / 1e3));
    }

    private String json(final int seconds)
    {
        return String.format(Locale.ROOT, "{\"rate\":%d,\"seconds\":%d,\"events\":%d,\"fromSubmit\":%s," +
            "\"fromIntended\":%s,\"replyFromSubmit\":%s}%n", rate, seconds, fromSubmit.getTotalCount(),
            json(fromSubmit), json(fromIntended), json(reply));
    }

    private static String json(final Histogram histogram)
    {
        final StringBuilder json = new StringBuilder("{");
        for (final double percentile : PERCENTILES)
        {
            json.append(String.format(Locale.ROOT, "\"p%s\":%.1f,", String.valueOf(percentile).replace(".0", ""),
                histogram.getValueAtPercentile(percentile) / 1e3));
        }
        return json.append(String.format(Locale.ROOT, "\"max\":%.1f}", histogram.getMaxValue() / 1e3)).toString();
    }
}
