package io.skein.benchmarks;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the whole benchmark suite (JMH, GC profiler on; then the end-to-end harness over Aeron, the snapshot
 * harness and the subscription latency harness) and writes {@code results.json}, {@code end-to-end.json},
 * {@code snapshots.json}, {@code subscription-latency.json}, charts and {@code summary.md}: each Skein figure beside
 * its raw baseline measured in the same run, as a ratio, with the machine and date.
 * <pre>
 * java -jar benchmarks/target/skein-benchmarks.jar [--smoke] [--output DIR]
 * </pre>
 * {@code --smoke} runs every benchmark for one short iteration only: it checks they run, its figures mean nothing.
 */
public final class BenchmarkSuite
{
    private BenchmarkSuite()
    {
    }

    /**
     * Run the suite.
     *
     * @param args {@code --smoke} and {@code --output DIR}.
     * @throws Exception if a benchmark fails or the output cannot be written.
     */
    public static void main(final String[] args) throws Exception
    {
        boolean smoke = false;
        File output = new File("benchmarks/target/results");
        for (int i = 0; i < args.length; i++)
        {
            if ("--smoke".equals(args[i]))
            {
                smoke = true;
            }
            else if ("--output".equals(args[i]) && i + 1 < args.length)
            {
                output = new File(args[++i]);
            }
            else
            {
                System.err.println("usage: skein-benchmarks [--smoke] [--output DIR]");
                System.exit(2);
            }
        }
        final Collection<RunResult> results = run(smoke, output, 1);
        final String endToEnd = EndToEndHarness.run(smoke, output);
        final String snapshots = SnapshotHarness.run(smoke, output);
        final String subscriptions = SubscriptionLatencyHarness.run(smoke, output);
        final String idle = IdleHarness.run(smoke, output);
        final String summary = summary(results, smoke) + "\n" + endToEnd + "\n" + snapshots + "\n" + subscriptions +
            "\n" + idle;
        Files.write(new File(output, "summary.md").toPath(), summary.getBytes(StandardCharsets.UTF_8));
        System.out.println();
        System.out.println(summary);
        System.out.println("Wrote results.json, end-to-end.json, snapshots.json, subscription-latency.json, " +
            "idle.json, summary.md and the charts (latency-ipc.png, latency-udp.png, throughput.png) in " + output);
    }

    /**
     * Run the benchmarks.
     *
     * @param smoke  one short iteration each.
     * @param output directory for results.json.
     * @param forks  JVM forks per benchmark (0 runs in this JVM).
     * @return the results.
     * @throws RunnerException if a benchmark fails.
     * @throws IOException     if the output directory cannot be made.
     */
    public static Collection<RunResult> run(final boolean smoke, final File output, final int forks)
        throws RunnerException, IOException
    {
        Files.createDirectories(output.toPath());
        final ChainedOptionsBuilder options = new OptionsBuilder()
            .include(EngineBenchmark.class.getSimpleName())
            .include(RawDisruptorBenchmark.class.getSimpleName())
            .include(JournaledBenchmark.class.getSimpleName())
            .include(RawArchiveBenchmark.class.getSimpleName())
            .include(ReplayBenchmark.class.getSimpleName())
            .include(SubscriptionBenchmark.class.getSimpleName())
            .addProfiler(GCProfiler.class)
            .forks(forks)
            .shouldFailOnError(true)
            .resultFormat(ResultFormatType.JSON)
            .result(new File(output, "results.json").getPath());
        if (smoke)
        {
            options.warmupIterations(0).measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(200)).warmupTime(TimeValue.milliseconds(200));
        }
        else
        {
            options.warmupIterations(5).measurementIterations(10);
        }
        return new Runner(options.build()).run();
    }

    /**
     * The summary table: each Skein figure, its baseline, and their ratio.
     *
     * @param results of a run.
     * @param smoke   whether it was a smoke run.
     * @return Markdown text.
     */
    public static String summary(final Collection<RunResult> results, final boolean smoke)
    {
        final Map<String, Result<?>> primary = new HashMap<>();
        final Map<String, Result<?>> allocation = new HashMap<>();
        final Map<String, Result<?>> events = new HashMap<>();
        for (final RunResult result : results)
        {
            final String name = result.getParams().getBenchmark().replaceFirst("^.*\\.(\\w+\\.\\w+)$", "$1");
            final String workload = result.getParams().getParam("workload");
            final String key = name + (null == workload ? "" : ":" + workload);
            primary.put(key, result.getPrimaryResult());
            final Result<?> alloc = result.getSecondaryResults().get("gc.alloc.rate.norm");
            if (null != alloc)
            {
                allocation.put(key, alloc);
            }
            final Result<?> eventRate = result.getSecondaryResults().get("events");
            if (null != eventRate)
            {
                events.put(key, eventRate);
            }
        }

        final StringBuilder out = new StringBuilder();
        out.append("| measurement | Skein | baseline (same run) | ratio | target |\n");
        out.append("|---|---|---|---|---|\n");
        row(out, "engine only, deposits to 1,000 accounts (commands/s)",
            primary.get("EngineBenchmark.commands:account"), "raw Disruptor loop",
            primary.get("RawDisruptorBenchmark.commands:account"), false, "≥ 0.7");
        row(out, "engine only, order-book flow over 8 books (commands/s)",
            primary.get("EngineBenchmark.commands:orderbook"), "raw Disruptor loop",
            primary.get("RawDisruptorBenchmark.commands:orderbook"), false, "≥ 0.7");
        row(out, "journaled (RECORDED), deposits (commands/s, reply after recording)",
            primary.get("JournaledBenchmark.commands:account"), "raw Archive recording of 116-byte entries",
            primary.get("RawArchiveBenchmark.record:account"), false, "≥ 0.7");
        row(out, "recovery of " + ReplayBenchmark.ENTRIES + " entries (ms, lower is better)",
            primary.get("ReplayBenchmark.skeinRecovery"), "raw Archive replay, counting fragments",
            primary.get("ReplayBenchmark.rawReplay"), true, "≥ 0.8");
        row(out, "subscription catch-up from 0 over " + SubscriptionBenchmark.ENTRIES + " entries (catch-ups/s)",
            primary.get("SubscriptionBenchmark.subscription"), "raw Archive replay, counting fragments",
            primary.get("SubscriptionBenchmark.rawReplay"), false, "");
        row(out, "subscription catch-up, events/s (JMH events counter: catch-ups/s × entries)",
            events.get("SubscriptionBenchmark.subscription"), "raw Archive replay, fragments/s",
            events.get("SubscriptionBenchmark.rawReplay"), false, "");
        out.append('\n');
        out.append("| allocation, bytes per command (JMH -prof gc, all threads) | Skein | raw baseline |\n");
        out.append("|---|---|---|\n");
        allocationRow(out, "deposits", allocation.get("EngineBenchmark.commands:account"),
            allocation.get("RawDisruptorBenchmark.commands:account"));
        allocationRow(out, "order-book flow", allocation.get("EngineBenchmark.commands:orderbook"),
            allocation.get("RawDisruptorBenchmark.commands:orderbook"));
        allocationRow(out, "journaled deposits", allocation.get("JournaledBenchmark.commands:account"),
            allocation.get("RawArchiveBenchmark.record:account"));
        allocationRow(out, "subscription catch-up of " + SubscriptionBenchmark.ENTRIES + " events (bytes per " +
            "catch-up, not per event)", allocation.get("SubscriptionBenchmark.subscription"),
            allocation.get("SubscriptionBenchmark.rawReplay"));
        out.append('\n');
        out.append("Machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
            .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append(", Java ")
            .append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vm.name"))
            .append("); ").append(LocalDate.now()).append(smoke ? "; SMOKE RUN: figures are not measurements" : "")
            .append('\n');
        return out.toString();
    }

    private static void row(
        final StringBuilder out,
        final String what,
        final Result<?> skein,
        final String baselineName,
        final Result<?> baseline,
        final boolean lowerIsBetter,
        final String target)
    {
        if (null == skein || null == baseline)
        {
            out.append("| ").append(what).append(" | missing | missing | | ").append(target).append(" |\n");
            return;
        }
        final double ratio = lowerIsBetter ? baseline.getScore() / skein.getScore() :
            skein.getScore() / baseline.getScore();
        out.append("| ").append(what).append(" | ").append(format(skein)).append(" | ").append(baselineName)
            .append(": ").append(format(baseline)).append(" | ").append(String.format("%.2f", ratio)).append(" | ")
            .append(target).append(" |\n");
    }

    private static void allocationRow(
        final StringBuilder out, final String what, final Result<?> skein, final Result<?> baseline)
    {
        out.append("| ").append(what).append(" | ").append(null == skein ? "missing" : format(skein)).append(" | ")
            .append(null == baseline ? "missing" : format(baseline)).append(" |\n");
    }

    private static String format(final Result<?> result)
    {
        return String.format("%,.1f ± %,.1f %s", result.getScore(), result.getScoreError(), result.getScoreUnit());
    }
}
