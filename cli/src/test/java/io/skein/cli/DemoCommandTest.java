package io.skein.cli;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoCommandTest
{
    @TempDir
    File dir;

    @Test
    void shouldLoadKillRestartAndRecoverTheSameStateOverAeron()
    {
        final PrintStream original = System.out;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final int exitCode;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8))
        {
            System.setOut(out);
            exitCode = SkeinCli.execute("demo", "--orders", "5000", "--rate", "2000", "--seconds", "1",
                "--dir", new File(dir, "node").getAbsolutePath());
        }
        finally
        {
            System.setOut(original);
        }
        final String output = captured.toString(StandardCharsets.UTF_8);
        original.println(output);
        assertEquals(0, exitCode, output);
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
        final PrintStream original = System.err;
        final ByteArrayOutputStream captured = new ByteArrayOutputStream();
        final int exitCode;
        try (PrintStream err = new PrintStream(captured, true, StandardCharsets.UTF_8))
        {
            System.setErr(err);
            exitCode = SkeinCli.execute("node");
        }
        finally
        {
            System.setErr(original);
        }
        final String output = captured.toString(StandardCharsets.UTF_8).trim();
        assertEquals(1, exitCode);
        assertTrue(output.startsWith("skein: ") && output.contains("skein.dir") && !output.contains("\n\tat "),
            output);
    }
}
