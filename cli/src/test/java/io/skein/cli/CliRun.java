package io.skein.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Runs the command line in-process and captures what it prints.
 */
final class CliRun
{
    final int exitCode;
    final String out;
    final String err;

    private CliRun(final int exitCode, final String out, final String err)
    {
        this.exitCode = exitCode;
        this.out = out;
        this.err = err;
    }

    static synchronized CliRun run(final String... args)
    {
        final PrintStream originalOut = System.out;
        final PrintStream originalErr = System.err;
        final ByteArrayOutputStream out = new ByteArrayOutputStream();
        final ByteArrayOutputStream err = new ByteArrayOutputStream();
        final int exitCode;
        try (PrintStream capturedOut = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream capturedErr = new PrintStream(err, true, StandardCharsets.UTF_8))
        {
            System.setOut(capturedOut);
            System.setErr(capturedErr);
            exitCode = SkeinCli.execute(args);
        }
        finally
        {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
        return new CliRun(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Override
    public String toString()
    {
        return "exit " + exitCode + "\nout:\n" + out + "\nerr:\n" + err;
    }
}
