package io.skein.cli;

import java.io.File;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code skein node} start errors: each is one readable line and a non-zero exit code, with no exception class name
 * or stack trace, and a failed start leaves no half-created node directory behind.
 */
class NodeCommandSystemTest
{
    /**
     * A node that wrongly starts would run until interrupted; fail instead of hanging.
     */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    File parent;

    @Test
    void shouldSayWhichPortIsInUseAndLeaveNoNodeDirectory() throws Exception
    {
        final File dir = new File(parent, "node");
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            final int port = taken.getLocalPort();
            final String channel = "aeron:udp?endpoint=localhost:" + port;
            final CliRun run = node("--dir", dir.getAbsolutePath(), "--ingress", channel);
            assertNotEquals(0, run.exitCode, run.toString());
            assertOneReadableLine(run);
            assertTrue(run.err.contains(channel) && run.err.contains("port " + port + " is already in use"),
                run.toString());
            assertFalse(dir.exists(), "a failed start removes the node directory it created: " + list(dir));
        }
    }

    @Test
    void shouldLeaveAnExistingDirectoryAloneWhenTheStartFails() throws Exception
    {
        final File dir = new File(parent, "node");
        assertTrue(dir.mkdirs());
        final File mine = new File(dir, "notes.txt");
        Files.writeString(mine.toPath(), "kept");
        try (DatagramSocket taken = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        {
            final CliRun run = node("--dir", dir.getAbsolutePath(), "--ingress",
                "aeron:udp?endpoint=localhost:" + taken.getLocalPort());
            assertNotEquals(0, run.exitCode, run.toString());
            assertOneReadableLine(run);
        }
        assertTrue(dir.isDirectory(), "the directory existed before, so it stays");
        assertEquals("kept", Files.readString(mine.toPath()));
    }

    @Test
    void shouldRefuseMalformedChannelsInOneLine()
    {
        final File dir = new File(parent, "node");
        for (final String channel : new String[] {"localhost:20121", "aeron:udp?endpoint=localhost:notaport",
            "aeron:udp?endpoint=localhost:70000", "aeron:tcp?endpoint=localhost:20121", "aeron:udp"})
        {
            final CliRun run = node("--dir", dir.getAbsolutePath(), "--ingress", channel);
            assertNotEquals(0, run.exitCode, run.toString());
            assertOneReadableLine(run);
            assertTrue(run.err.contains("ingress channel " + channel), run.toString());
            assertFalse(dir.exists(), channel + ": a failed start removes the node directory it created: " +
                list(dir));
        }
    }

    @Test
    void shouldSayAHostCannotBeResolvedAndRemoveTheDirectoriesTheStartCreated()
    {
        final File dir = new File(parent, "a/b/node");
        final String channel = "aeron:udp?endpoint=no-such-host.invalid:20121";
        final CliRun run = node("--dir", dir.getAbsolutePath(), "--ingress", channel, "--secret", "s3cr3t");
        assertNotEquals(0, run.exitCode, run.toString());
        assertOneReadableLine(run);
        assertEquals("skein: cannot open the ingress channel " + channel + ": the host no-such-host.invalid cannot " +
            "be resolved", run.err.trim());
        assertFalse(new File(parent, "a").exists(), "the directories this start created are removed: " +
            list(parent));
    }

    @Test
    void shouldSayAMissingConfigFileDoesNotExist()
    {
        final File dir = new File(parent, "node");
        final File missing = new File(parent, "missing.properties");
        final CliRun run = node("--dir", dir.getAbsolutePath(), "--config", missing.getAbsolutePath());
        assertNotEquals(0, run.exitCode, run.toString());
        assertOneReadableLine(run);
        assertTrue(run.err.contains("--config " + missing.getAbsolutePath() + ": no such file"), run.toString());
        assertFalse(dir.exists(), list(dir));
    }

    private static CliRun node(final String... args)
    {
        final String[] all = new String[args.length + 3];
        all[0] = "node";
        all[1] = "--term-length";
        all[2] = "65536";
        System.arraycopy(args, 0, all, 3, args.length);
        return assertTimeoutPreemptively(START_TIMEOUT, () -> CliRun.run(all));
    }

    private static void assertOneReadableLine(final CliRun run)
    {
        final String err = run.err.trim();
        assertEquals(1, err.lines().count(), run.toString());
        assertTrue(err.startsWith("skein: "), run.toString());
        assertFalse(err.matches(".*\\b(java|io\\.aeron|org\\.agrona|io\\.skein)\\.[a-z.]*[A-Z]\\w*.*") ||
            err.contains("Exception") || err.contains("\tat "), "no class names or stack trace: " + run);
        assertArrayEquals(new String[0], run.out.lines().filter((line) -> line.contains("ready"))
            .toArray(String[]::new), "not started: " + run.out);
    }

    private static String list(final File dir)
    {
        final String[] names = dir.list();
        return null == names ? "(none)" : String.join(", ", names);
    }
}
