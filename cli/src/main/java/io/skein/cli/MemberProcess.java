package io.skein.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.skein.cluster.ClusterMembers;
import io.skein.cluster.SkeinClusterMemberMain;

/**
 * A cluster member in a child JVM ({@link SkeinClusterMemberMain} with test settings, the same java and classpath as
 * this process), its output echoed with a prefix and told to a {@link MemberWatch}.
 */
final class MemberProcess
{
    final int memberId;
    private final Process process;
    private final Thread echo;

    private MemberProcess(final int memberId, final Process process, final Thread echo)
    {
        this.memberId = memberId;
        this.process = process;
        this.echo = echo;
    }

    /**
     * Start a member; it runs until stopped.
     *
     * @param memberId of the member.
     * @param members  of the cluster.
     * @param dir      the member's directory.
     * @param watch    told each line the member prints.
     * @param out      where its lines are echoed.
     * @return the running process.
     * @throws IOException if the process cannot be started.
     */
    static MemberProcess start(
        final int memberId,
        final ClusterMembers members,
        final File dir,
        final MemberWatch watch,
        final PrintStream out) throws IOException
    {
        return start(memberId, members, dir, watch, out, SkeinClusterMemberMain.class.getName());
    }

    /**
     * Start a member with another main class that takes the same options, such as {@code skein cluster}.
     *
     * @param memberId of the member.
     * @param members  of the cluster.
     * @param dir      the member's directory.
     * @param watch    told each line the member prints.
     * @param out      where its lines are echoed.
     * @param command  the main class, and any arguments before the member's options.
     * @return the running process.
     * @throws IOException if the process cannot be started.
     */
    static MemberProcess start(
        final int memberId,
        final ClusterMembers members,
        final File dir,
        final MemberWatch watch,
        final PrintStream out,
        final String... command) throws IOException
    {
        final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        final List<String> args = new ArrayList<>(List.of(java,
            "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
            "--add-opens", "java.base/java.nio=ALL-UNNAMED",
            "-cp", System.getProperty("java.class.path")));
        args.addAll(List.of(command));
        args.addAll(List.of(
            "--member", Integer.toString(memberId),
            "--members", members.toString(),
            "--dir", dir.getAbsolutePath(),
            "--for-tests"));
        final ProcessBuilder builder = new ProcessBuilder(args);
        builder.redirectErrorStream(true);
        final Process process = builder.start();
        final Thread echo = new Thread(() ->
        {
            try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while (null != (line = reader.readLine()))
                {
                    out.println("  member " + memberId + " | " + line);
                    watch.onLine(memberId, line);
                }
            }
            catch (final IOException ignore)
            {
                // The member was killed; its output ends here.
            }
        }, "skein-cluster-demo-member-" + memberId);
        echo.setDaemon(true);
        echo.start();
        return new MemberProcess(memberId, process, echo);
    }

    /**
     * Whether the member still runs.
     *
     * @return true if it does.
     */
    boolean isAlive()
    {
        return process.isAlive();
    }

    /**
     * The exit code of a member that exited.
     *
     * @return the code.
     */
    int exitValue()
    {
        return process.exitValue();
    }

    /**
     * SIGKILL: no shutdown hook, nothing flushed.
     *
     * @throws InterruptedException if interrupted while waiting for it to exit.
     */
    void kill() throws InterruptedException
    {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /**
     * SIGTERM: the member closes itself in its shutdown hook.
     */
    void terminate()
    {
        process.destroy();
    }

    /**
     * SIGKILL without waiting.
     */
    void destroyForcibly()
    {
        process.destroyForcibly();
    }

    /**
     * Wait for the process to exit, forcing it after the timeout, and for its output to end.
     *
     * @param timeoutNs the longest to wait before SIGKILL.
     * @throws InterruptedException if interrupted.
     */
    void awaitExit(final long timeoutNs) throws InterruptedException
    {
        if (!process.waitFor(timeoutNs, TimeUnit.NANOSECONDS))
        {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
        echo.join(TimeUnit.SECONDS.toMillis(2));
    }
}
