package io.skein.cli;

import java.io.File;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoCommandSystemTest
{
    @TempDir
    File dir;

    @Test
    void shouldLoadKillRestartAndRecoverTheSameStateOverAeron()
    {
        final CliRun demo = CliRun.run("demo", "--orders", "5000", "--rate", "2000", "--seconds", "1",
            "--dir", new File(dir, "node").getAbsolutePath());
        final String output = demo.out;
        System.out.println(output);
        assertEquals(0, demo.exitCode, demo.toString());
        assertTrue(output.contains("Throughput: "), output);
        assertTrue(output.contains("p99.99"), output);
        assertTrue(output.contains("Killing the node with SIGKILL"), output);
        assertTrue(output.contains("recovered in"), output);
        assertTrue(output.contains("snapshot at journal position"), output);
        assertTrue(output.contains("MATCHES the state before the kill"), output);
    }

    @Test
    void shouldExplainAMissingNodeDirectoryInOneLine()
    {
        final CliRun node = CliRun.run("node");
        final String output = node.err.trim();
        assertEquals(1, node.exitCode);
        assertTrue(output.startsWith("skein: ") && output.contains("skein.dir") && !output.contains("\n\tat "),
            output);
    }
}
