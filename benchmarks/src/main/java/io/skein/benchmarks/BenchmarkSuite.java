package io.skein.benchmarks;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
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
        final String jmh = summary(results, smoke);
        final String endToEnd = EndToEndHarness.run(smoke, output);
        final String snapshots = SnapshotHarness.run(smoke, output);
        final String subscriptions = SubscriptionLatencyHarness.run(smoke, output);
        final String idle = IdleHarness.run(smoke, output);
        final String summary = Targets.table() + "\n" + jmh + "\n" + endToEnd + "\n" + snapshots + "\n" +
            subscriptions + "\n" + idle;
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
            .include(SyncCallerBenchmark.class.getSimpleName())
            .include(TransferBenchmark.class.getSimpleName())
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
            primary.get("RawDisruptorBenchmark.commands:account"), false, "≥ 0.8");
        row(out, "engine only, order-book flow over 8 books (commands/s)",
            primary.get("EngineBenchmark.commands:orderbook"), "raw Disruptor loop",
            primary.get("RawDisruptorBenchmark.commands:orderbook"), false, "≥ 0.8");
        row(out, "journaled (RECORDED), deposits (commands/s, reply after recording)",
            primary.get("JournaledBenchmark.commands:account"), "raw Archive recording of 116-byte entries",
            primary.get("RawArchiveBenchmark.record:account"), false, "≥ 0.8");
        row(out, "recovery of " + String.format(Locale.ROOT, "%,d", ReplayBenchmark.ENTRIES) +
            " entries (ms, lower is better)", primary.get("ReplayBenchmark.skeinRecovery"),
            "raw Archive replay, counting fragments", primary.get("ReplayBenchmark.rawReplay"), true, "≥ 0.9");
        row(out, "one synchronous caller, in memory: SyncCaller.call (commands/s)",
            primary.get("SyncCallerBenchmark.syncCall"), "raw Disruptor hand-off and back",
            primary.get("SyncCallerBenchmark.rawHandOff"), false, "≥ 250 k/s");
        row(out, "one synchronous caller, in memory: submit().get() (commands/s)",
            primary.get("SyncCallerBenchmark.futureGet"), "raw Disruptor hand-off and back",
            primary.get("SyncCallerBenchmark.rawHandOff"), false, "");
        row(out, "subscription catch-up from 0 over " + SubscriptionBenchmark.ENTRIES + " entries (catch-ups/s)",
            primary.get("SubscriptionBenchmark.subscription"), "raw Archive replay, counting fragments",
            primary.get("SubscriptionBenchmark.rawReplay"), false, "");
        row(out, "subscription catch-up, events/s (JMH events counter: catch-ups/s × entries)",
            events.get("SubscriptionBenchmark.subscription"), "raw Archive replay, fragments/s",
            events.get("SubscriptionBenchmark.rawReplay"), false, "");
        row(out, "transfer, one command changing two accounts (ops/s, one caller, durable replies)",
            primary.get("TransferBenchmark.transfer"), "the same transfer as a two-command saga",
            primary.get("TransferBenchmark.saga"), false, "");
        row(out, "transfer, one command changing two accounts (ops/s, one caller, durable replies)",
            primary.get("TransferBenchmark.transfer"), "a deposit to one account",
            primary.get("TransferBenchmark.deposit"), false, "");
        row(out, "funded limit order: risk, match and settlement across types in one entry (ops/s, one caller)",
            primary.get("TransferBenchmark.fundedOrder"), "the same order flow without risk",
            primary.get("TransferBenchmark.unfundedOrder"), false, "");
        jmhTargets(primary, allocation);
        out.append('\n');
        out.append("| allocation, bytes per command (JMH -prof gc, all threads) | Skein | raw baseline |\n");
        out.append("|---|---|---|\n");
        allocationRow(out, "deposits", allocation.get("EngineBenchmark.commands:account"),
            allocation.get("RawDisruptorBenchmark.commands:account"));
        allocationRow(out, "order-book flow", allocation.get("EngineBenchmark.commands:orderbook"),
            allocation.get("RawDisruptorBenchmark.commands:orderbook"));
        allocationRow(out, "journaled deposits", allocation.get("JournaledBenchmark.commands:account"),
            allocation.get("RawArchiveBenchmark.record:account"));
        allocationRow(out, "one synchronous caller (SyncCaller.call; submit().get() allocates its future)",
            allocation.get("SyncCallerBenchmark.syncCall"), allocation.get("SyncCallerBenchmark.rawHandOff"));
        allocationRow(out, "transfers (one synchronous caller, journaled)",
            allocation.get("TransferBenchmark.transfer"), allocation.get("TransferBenchmark.saga"));
        allocationRow(out, "funded limit orders (one synchronous caller, journaled)",
            allocation.get("TransferBenchmark.fundedOrder"), allocation.get("TransferBenchmark.unfundedOrder"));
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

    /**
     * The targets the JMH benchmarks measure, into {@link Targets}.
     */
    private static void jmhTargets(final Map<String, Result<?>> primary, final Map<String, Result<?>> allocation)
    {
        final StringBuilder spreads = new StringBuilder();
        boolean steady = true;
        boolean any = false;
        for (final String baseline : new String[] {"RawDisruptorBenchmark.commands:account",
            "RawDisruptorBenchmark.commands:orderbook", "RawArchiveBenchmark.record:account",
            "ReplayBenchmark.rawReplay", "SyncCallerBenchmark.rawHandOff"})
        {
            final Result<?> result = primary.get(baseline);
            if (null != result && result.getScore() > 0)
            {
                final double spread = 100 * result.getScoreError() / result.getScore();
                steady &= spread < 15;
                any = true;
                spreads.append(spreads.length() > 0 ? ", " : "").append(baseline.replace("Benchmark", ""))
                    .append(String.format(Locale.ROOT, " ±%.0f%%", spread));
            }
        }
        Targets.add("raw baselines' spread (99.9% error / score) under ±15%", any ? spreads.toString() : "missing",
            any ? steady : null);
        ratioTarget("engine only, deposits ≥ 0.8 of the raw Disruptor loop", primary,
            "EngineBenchmark.commands:account", "RawDisruptorBenchmark.commands:account", 0.8, "commands/s");
        ratioTarget("engine only, order book ≥ 0.8 of the raw Disruptor loop", primary,
            "EngineBenchmark.commands:orderbook", "RawDisruptorBenchmark.commands:orderbook", 0.8, "commands/s");
        ratioTarget("journaled ≥ 0.8 of raw Archive recording of the same bytes", primary,
            "JournaledBenchmark.commands:account", "RawArchiveBenchmark.record:account", 0.8, "commands/s");
        final Result<?> recovery = primary.get("ReplayBenchmark.skeinRecovery");
        final Result<?> rawReplay = primary.get("ReplayBenchmark.rawReplay");
        if (null != recovery && null != rawReplay)
        {
            final double ratio = rawReplay.getScore() / recovery.getScore();
            Targets.add("recovery ≥ 0.9 of raw replay, on at least 2 M entries", String.format(Locale.ROOT,
                "%.2f (%,.0f ms against %,.0f ms for %,d entries)", ratio, recovery.getScore(), rawReplay.getScore(),
                ReplayBenchmark.ENTRIES), ratio >= 0.9 && ReplayBenchmark.ENTRIES >= 2_000_000);
        }
        else
        {
            Targets.add("recovery ≥ 0.9 of raw replay, on at least 2 M entries", "missing", null);
        }
        final Result<?> sync = primary.get("SyncCallerBenchmark.syncCall");
        final Result<?> future = primary.get("SyncCallerBenchmark.futureGet");
        final Result<?> handOff = primary.get("SyncCallerBenchmark.rawHandOff");
        if (null != sync && null != handOff)
        {
            Targets.add("one synchronous caller ≥ 250 k commands/s in memory, not allocating", String.format(
                Locale.ROOT, "SyncCaller.call %s/s (%.2f of a raw hand-off's %s/s)%s", Targets.figure(sync.getScore()),
                sync.getScore() / handOff.getScore(), Targets.figure(handOff.getScore()), null == future ? "" :
                "; submit().get() " + Targets.figure(future.getScore()) + "/s"), sync.getScore() >= 250_000);
        }
        else
        {
            Targets.add("one synchronous caller ≥ 250 k commands/s in memory, not allocating", "missing", null);
        }
        final StringBuilder bytes = new StringBuilder();
        boolean zero = true;
        final String[][] paths = {
            {"deposits", "EngineBenchmark.commands:account", "RawDisruptorBenchmark.commands:account"},
            {"order book", "EngineBenchmark.commands:orderbook", "RawDisruptorBenchmark.commands:orderbook"},
            {"journaled", "JournaledBenchmark.commands:account", "RawArchiveBenchmark.record:account"},
            {"synchronous", "SyncCallerBenchmark.syncCall", "SyncCallerBenchmark.rawHandOff"}};
        for (final String[] path : paths)
        {
            final Result<?> skein = allocation.get(path[1]);
            final Result<?> raw = allocation.get(path[2]);
            if (null != skein && null != raw)
            {
                final double added = skein.getScore() - raw.getScore();
                zero &= added < 1.0;
                bytes.append(bytes.length() > 0 ? ", " : "").append(path[0]).append(String.format(Locale.ROOT,
                    " %.1f B (raw %.1f B)", skein.getScore(), raw.getScore()));
            }
        }
        Targets.add("zero bytes per command added by Skein on the JMH paths (all threads, JMH -prof gc; node, " +
            "replication and subscriptions: the allocation tests)", bytes.length() > 0 ? bytes.toString() :
            "missing", bytes.length() > 0 ? zero : null);
    }

    private static void ratioTarget(
        final String target,
        final Map<String, Result<?>> primary,
        final String skein,
        final String baseline,
        final double floor,
        final String unit)
    {
        final Result<?> s = primary.get(skein);
        final Result<?> b = primary.get(baseline);
        Targets.ratio(target, null == s ? 0 : s.getScore(), null == b ? 0 : b.getScore(), floor, unit);
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
