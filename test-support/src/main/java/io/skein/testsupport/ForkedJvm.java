package io.skein.testsupport;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A class's {@code main} in a JVM of its own, with this test's classpath and the JVM options Agrona and Aeron need:
 * for crash tests that kill a real process with SIGKILL. Standard output is read line by line (kept, and
 * optionally echoed), standard error goes to a file. Closing kills the process if it still runs.
 */
public final class ForkedJvm implements AutoCloseable
{
    private final Process process;
    private final String name;
    private final File errorFile;
    private final File outputFile;
    private final List<String> lines = new CopyOnWriteArrayList<>();

    private ForkedJvm(final Process process, final String name, final File errorFile, final File outputFile)
    {
        this.process = process;
        this.name = name;
        this.errorFile = errorFile;
        this.outputFile = outputFile;
        if (null != outputFile)
        {
            return;
        }
        final Thread reader = new Thread(() ->
        {
            try (BufferedReader out = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = out.readLine()))
                {
                    lines.add(line);
                }
            }
            catch (final IOException ignore)
            {
                // The process was killed: its output ends here.
            }
        }, "test-forked-" + name + "-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * Start {@code mainClass} with arguments.
     *
     * @param name       for messages and the error file's name.
     * @param errorDir   directory for {@code <name>.err}, the process's standard error (the test's own directory,
     *                   so nothing is left behind).
     * @param jvmOptions such as {@code -Dkey=value} or {@code -Xmx256m}.
     * @param mainClass  whose {@code main} runs.
     * @param args       its arguments.
     * @return the running process.
     */
    public static ForkedJvm start(
        final String name,
        final File errorDir,
        final List<String> jvmOptions,
        final Class<?> mainClass,
        final String... args)
    {
        return start(name, errorDir, false, jvmOptions, mainClass, args);
    }

    /**
     * Start {@code mainClass} with its standard output going to {@code <name>.out} in {@code dir}: for a test that
     * reads what the process wrote up to the moment it was killed (a file has every line the process wrote; a pipe
     * may still hold some when the kill returns).
     *
     * @param name       for messages and the files' names.
     * @param dir        directory for {@code <name>.out} and {@code <name>.err}.
     * @param jvmOptions such as {@code -Dkey=value} or {@code -Xmx256m}.
     * @param mainClass  whose {@code main} runs.
     * @param args       its arguments.
     * @return the running process.
     */
    public static ForkedJvm startWithOutputFile(
        final String name,
        final File dir,
        final List<String> jvmOptions,
        final Class<?> mainClass,
        final String... args)
    {
        return start(name, dir, true, jvmOptions, mainClass, args);
    }

    private static ForkedJvm start(
        final String name,
        final File errorDir,
        final boolean toFile,
        final List<String> jvmOptions,
        final Class<?> mainClass,
        final String... args)
    {
        final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        final List<String> command = new ArrayList<>(List.of(java,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED"));
        if (jvmOptions.stream().noneMatch((option) -> option.startsWith("-Xmx")))
        {
            command.add("-Xmx256m");
        }
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(List.of(args));
        final File errorFile = new File(errorDir, name + ".err");
        try
        {
            final File outputFile = toFile ? new File(errorDir, name + ".out") : null;
            final ProcessBuilder builder = new ProcessBuilder(command).redirectError(errorFile);
            if (toFile)
            {
                builder.redirectOutput(outputFile);
            }
            return new ForkedJvm(builder.start(), name, errorFile, outputFile);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot start " + name, ex);
        }
    }

    /**
     * Wait for a line of standard output.
     *
     * @param matching  the line to wait for.
     * @param timeoutNs the longest to wait.
     * @return the first matching line.
     * @throws AssertionError if the process ends or the time runs out first.
     */
    public String awaitLine(final Predicate<String> matching, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        int seen = 0;
        while (true)
        {
            final boolean alive = process.isAlive();
            final List<String> now = lines();
            for (; seen < now.size(); seen++)
            {
                if (matching.test(now.get(seen)))
                {
                    return now.get(seen);
                }
            }
            if (!alive && seen == lines().size())
            {
                throw new AssertionError(name + " ended (exit " + process.exitValue() + ") before printing the " +
                    "awaited line; see " + errorFile);
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError(name + " did not print the awaited line in time; see " + errorFile);
            }
            sleep();
        }
    }

    /**
     * Every line of standard output so far.
     *
     * @return the lines.
     */
    public List<String> lines()
    {
        if (null == outputFile)
        {
            return lines;
        }
        try
        {
            return outputFile.exists() ? Files.readAllLines(outputFile.toPath()) : List.of();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * Whether the process still runs.
     *
     * @return true while alive.
     */
    public boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * Kill the process with SIGKILL and wait for it to be gone.
     *
     * @return its exit value (137 for SIGKILL).
     */
    public int kill()
    {
        process.destroyForcibly();
        try
        {
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                throw new AssertionError(name + " did not die within 30 s of SIGKILL");
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while killing " + name, ex);
        }
        return process.exitValue();
    }

    /**
     * Kill the process if it still runs.
     */
    @Override
    public void close()
    {
        if (process.isAlive())
        {
            kill();
        }
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(5);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", ex);
        }
    }
}
