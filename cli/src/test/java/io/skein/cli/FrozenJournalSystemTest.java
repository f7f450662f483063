package io.skein.cli;

import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import io.skein.node.SkeinNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Journals outlive code: a node's journal and snapshot written by an earlier Skein (both sample domains, every event
 * type, a snapshot followed by a journal tail) are kept under {@code src/test/resources/frozen/<version>/}, and every
 * later build must verify them, dump them exactly as they were dumped when written, and recover them (from the
 * snapshot plus the tail) to the state hash they had. A new frozen version is added, never rewritten:
 * {@code -Dskein.frozen.write=v7} writes one that does not exist yet. v6 has every event type of schema version 6;
 * v7 adds transfers (entries that change two accounts, schema version 7 and the bank schema's version 2).
 */
class FrozenJournalSystemTest
{
    /**
     * Every frozen journal, oldest first.
     */
    private static final List<String> VERSIONS = List.of("v6", "v7");
    private static final Path RESOURCES = Path.of("src/test/resources/frozen");
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    File dir;

    @Test
    void everyFrozenJournalVerifiesDumpsTheSameAndRecoversToItsHash() throws Exception
    {
        final String write = System.getProperty("skein.frozen.write");
        if (null != write && !Files.exists(RESOURCES.resolve(write)))
        {
            writeFrozen(write);
        }
        for (final String version : VERSIONS)
        {
            final Path frozen = RESOURCES.resolve(version);
            assertTrue(Files.isDirectory(frozen), "no frozen journal " + frozen);
            final File node = new File(dir, version);
            unzip(frozen.resolve("node.zip").toFile(), node);

            final CliRun verify = CliRun.run("journal", "verify", "--dir", node.getPath());
            assertEquals(0, verify.exitCode, version + ": " + verify);
            final CliRun dump = CliRun.run("journal", "dump", "--dir", node.getPath());
            assertEquals(0, dump.exitCode, version + ": " + dump);
            assertEquals(Files.readString(frozen.resolve("dump.txt")), dump.out,
                version + ": the dump differs from the one made when the journal was written");
            final String state = Files.readString(frozen.resolve("state.txt")).trim();
            final CliRun now = CliRun.run("state", "--dir", node.getPath());
            assertTrue(now.out.contains(state), version + ": expected '" + state + "' in " + now);

            final String hash = state.substring(state.lastIndexOf(' ') + 1);
            try (SkeinNode recovered = SkeinNode.launch(context(node)))
            {
                assertTrue(recovered.engine().startedFromSnapshotAt() > 0, version + ": recovery used the snapshot");
                assertTrue(recovered.engine().recoveredEntries() > 0, version + ": and replayed the tail after it");
                assertEquals(hash, String.format("%016x", recovered.engine().stateHash(TIMEOUT_NS)),
                    version + ": the recovered state hash");
            }
        }

        // v7's transfers, from the side of the account that received one: its history and its entries.
        final File v7 = new File(dir, "v7");
        final CliRun history = CliRun.run("history", "--dir", v7.getPath(), "--aggregate", "account:3");
        assertEquals(0, history.exitCode, history.toString());
        assertTrue(history.out.contains("v2 #11 ") && history.out.contains("TransferReceived{fromAccountId=1, " +
            "amount=20}") && history.out.contains("v3 #12 ") && history.out.contains("TransferSent{toAccountId=1, " +
            "amount=5}"), history.toString());
        final CliRun entries = CliRun.run("journal", "dump", "--dir", v7.getPath(), "--aggregate", "account:3");
        assertEquals(0, entries.exitCode, entries.toString());
        assertTrue(entries.out.contains(" #8 ") && entries.out.contains("account:1 v4") &&
            entries.out.contains("(account:3 v2)"), "the entry addressed to account 1 that changed account 3: " +
            entries);
    }

    /**
     * Write a frozen journal with this build: every event type of both sample domains, a snapshot, then a tail.
     */
    private void writeFrozen(final String version) throws Exception
    {
        final File node = new File(dir, "writing-" + version);
        final String ingress = "aeron:udp?endpoint=localhost:" + freePort();
        try (SkeinNode running = SkeinNode.launch(context(node).ingressChannel(ingress)))
        {
            send(ingress, "account:1", "OpenAccount", "ownerId=7", "initialDeposit=100");
            send(ingress, "account:1", "Deposit", "amount=50");
            send(ingress, "account:1", "Withdraw", "amount=30");
            send(ingress, "account:2", "OpenAccount", "ownerId=8", "initialDeposit=0");
            send(ingress, "order-book:1", "PlaceLimitOrder", "orderId=1", "traderId=7", "side=SELL", "price=101",
                "quantity=10");
            send(ingress, "order-book:1", "PlaceLimitOrder", "orderId=2", "traderId=8", "side=SELL", "price=102",
                "quantity=5");
            send(ingress, "account:3", "OpenAccount", "ownerId=9", "initialDeposit=0");
            send(ingress, "account:1", "Transfer", "toAccountId=3", "amount=20", "toExpectedVersion=1");
            running.engine().takeSnapshot(TIMEOUT_NS);
            send(ingress, "account:3", "Transfer", "toAccountId=1", "amount=5", "toExpectedVersion=-1");
            send(ingress, "account:2", "CloseAccount", "reasonCode=3");
            send(ingress, "order-book:1", "PlaceMarketOrder", "orderId=3", "traderId=9", "side=BUY", "quantity=4");
            send(ingress, "order-book:1", "CancelOrder", "orderId=2");
            send(ingress, "account:1", "Deposit", "amount=1", "--key", "123e4567-e89b-12d3-a456-426614174000");
        }
        final Path target = RESOURCES.resolve(version);
        Files.createDirectories(target);
        zip(node, target.resolve("node.zip").toFile());
        final CliRun dump = CliRun.run("journal", "dump", "--dir", node.getPath());
        assertEquals(0, dump.exitCode, dump.toString());
        Files.writeString(target.resolve("dump.txt"), dump.out);
        final CliRun state = CliRun.run("state", "--dir", node.getPath());
        final String line = state.out.lines().filter((text) -> text.contains("state hash")).findFirst()
            .orElseThrow(() -> new AssertionError("no state hash in " + state));
        Files.writeString(target.resolve("state.txt"), line.trim() + "\n");
    }

    private static void send(final String ingress, final String aggregate, final String... command)
    {
        final String[] args = new String[command.length + 5];
        args[0] = "send";
        args[1] = "--ingress";
        args[2] = ingress;
        args[3] = "--aggregate";
        args[4] = aggregate;
        System.arraycopy(command, 0, args, 5, command.length);
        final CliRun sent = CliRun.run(args);
        assertTrue(sent.out.startsWith("ACCEPTED"), String.join(" ", command) + ": " + sent);
    }

    private static SkeinNode.Context context(final File node)
    {
        final SkeinNode.Context ctx = new SkeinNode.Context().dir(node)
            .ingressChannel("aeron:udp?endpoint=localhost:" + freePort());
        ctx.archiveContext().termLength(64 * 1024).segmentFileLength(64 * 1024)
            .markFileWaitNs(TimeUnit.SECONDS.toNanos(20));
        ctx.engineContext().snapshotOnClose(false);
        return ctx;
    }

    /**
     * The node's journal and archive, without the media driver's files (they are made afresh at every start).
     */
    private static void zip(final File node, final File zip) throws IOException
    {
        try (ZipOutputStream out = new ZipOutputStream(new FileOutputStream(zip)); Stream<Path> files =
            Files.walk(node.toPath()))
        {
            for (final Path file : files.filter(Files::isRegularFile).sorted().toList())
            {
                final String name = node.toPath().relativize(file).toString();
                if (name.startsWith("journal/") || name.startsWith("archive/"))
                {
                    final ZipEntry entry = new ZipEntry(name);
                    entry.setTime(0);
                    out.putNextEntry(entry);
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
        }
    }

    /**
     * Unpack a frozen node directory (also for the C++ reader's tests, through this module's test jar).
     *
     * @param zip  the frozen {@code node.zip}.
     * @param node the directory to unpack it into.
     * @throws IOException if it cannot be read or written.
     */
    static void unzip(final File zip, final File node) throws IOException
    {
        try (ZipInputStream in = new ZipInputStream(new FileInputStream(zip)))
        {
            ZipEntry entry;
            while (null != (entry = in.getNextEntry()))
            {
                final Path target = node.toPath().resolve(entry.getName()).normalize();
                assertTrue(target.startsWith(node.toPath()), "zip entry outside the directory: " + entry.getName());
                Files.createDirectories(target.getParent());
                try (OutputStream out = Files.newOutputStream(target))
                {
                    in.transferTo(out);
                }
            }
        }
    }

    private static int freePort()
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
