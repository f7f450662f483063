package io.skein.benchmarks;

import java.io.File;
import java.util.Collection;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openjdk.jmh.results.RunResult;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * CI's check that every benchmark still runs (one short iteration each, in forked JVMs) and that the summary finds
 * every figure it reports. The figures themselves mean nothing here.
 */
class BenchmarkSmokeTest
{
    @TempDir
    File dir;

    @Test
    void shouldRunEveryBenchmarkAndSummariseIt() throws Exception
    {
        final Collection<RunResult> results = BenchmarkSuite.run(true, dir, 1);
        assertEquals(18, results.size(), "2 engine, 2 raw Disruptor, journaled, raw archive, 2 replay, " +
            "subscription catch-up, raw replay, 3 synchronous caller, 5 transfer and funded order");
        for (final RunResult result : results)
        {
            assertTrue(result.getPrimaryResult().getScore() > 0, result.getParams().getBenchmark());
        }
        Targets.clear();
        final String summary = BenchmarkSuite.summary(results, true);
        assertFalse(summary.contains("missing"), summary);
        assertTrue(new File(dir, "results.json").length() > 0);
        final String targets = Targets.table();
        assertFalse(targets.contains("missing") || targets.contains("not measured"), targets);
        for (final String target : new String[] {"spread", "engine only, deposits", "engine only, order book",
            "journaled", "recovery", "synchronous caller", "zero bytes"})
        {
            assertTrue(targets.contains(target), target + " in " + targets);
        }
    }

    @Test
    void shouldRunTheSnapshotHarness() throws Exception
    {
        Targets.clear();
        final String table = SnapshotHarness.run(true, dir);
        assertTrue(Targets.table().contains("restart from a snapshot of 1 M accounts"), Targets.table());
        assertTrue(Targets.table().contains("inline snapshot pauses the writer"), Targets.table());
        assertTrue(table.contains("| inline snapshot: write |"), table);
        assertTrue(table.contains("| restart from the snapshot"), table);
        assertTrue(new File(dir, "snapshots.json").length() > 0);
    }

    @Test
    void shouldRunTheEndToEndHarnessOverIpcAndUdpAndDrawItsCharts() throws Exception
    {
        Targets.clear();
        final String table = EndToEndHarness.run(true, dir);
        final String targets = Targets.table();
        assertTrue(targets.contains("end to end, ipc, max throughput ≥ 0.6") &&
            targets.contains("end to end, udp, max throughput ≥ 0.9") &&
            targets.contains("end to end, udp at 1,000/s: p99 ≤ 2×"), targets);
        assertTrue(table.contains("| ipc, max sustainable throughput |"), table);
        assertTrue(table.contains("| udp at 1,000/s, Skein |"), table);
        assertTrue(table.contains("| udp at 1,000/s, raw echo |"), table);
        assertTrue(table.contains("| replicated acknowledgements, UDP"), table);
        assertTrue(table.matches(
            "(?s).*\\| max sustainable throughput \\| [0-9,]+ /s \\| [0-9,]+ /s \\| [0-9.]+ \\|.*"), table);
        final String ipcRow = table.lines().filter((line) -> line.startsWith("| ipc, max sustainable")).findFirst()
            .orElse("");
        assertEquals(7, ipcRow.chars().filter((c) -> c == '|').count(), "six cells with the busiest threads: " +
            ipcRow);
        assertTrue(ipcRow.matches(".*%.*%.*"), "per-thread CPU in " + ipcRow);
        for (final String file : new String[] {"end-to-end.json", "latency-ipc.png", "latency-udp.png",
            "throughput.png"})
        {
            assertTrue(new File(dir, file).length() > 0, file);
        }
    }
}
