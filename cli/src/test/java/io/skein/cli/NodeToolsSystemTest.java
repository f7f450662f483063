package io.skein.cli;

import java.io.File;
import java.io.RandomAccessFile;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import io.skein.node.SkeinNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator tools against a real node: send commands and queries with fields from the command line, ask for the
 * state hash, then dump and verify the stopped node's journal, and catch a corrupted entry.
 */
class NodeToolsSystemTest
{
    @TempDir
    File dir;

    @Test
    void shouldSendDumpAndVerify() throws Exception
    {
        final String ingress = "aeron:udp?endpoint=localhost:" + freePort();
        final long entryOneEnd;
        final CliRun hash;
        final SkeinNode.Context ctx = new SkeinNode.Context().dir(dir).ingressChannel(ingress).operatorSecret("ops");
        ctx.archiveContext().termLength(64 * 1024).segmentFileLength(1024 * 1024)
            .markFileWaitNs(TimeUnit.SECONDS.toNanos(20));
        try (SkeinNode node = SkeinNode.launch(ctx))
        {
            final CliRun open = CliRun.run("send", "--ingress", ingress, "--aggregate", "account:42",
                "OpenAccount", "ownerId=7", "initialDeposit=100");
            assertEquals(0, open.exitCode, open.toString());
            assertTrue(open.out.startsWith("ACCEPTED account:42 version 1, journal position "), open.out);
            entryOneEnd = Long.parseLong(open.out.replaceAll("(?s).*journal position (\\d+),.*", "$1"));

            final CliRun deposit = CliRun.run("send", "--ingress", ingress, "--aggregate", "account:42",
                "Deposit", "amount=50", "--key", "123e4567-e89b-12d3-a456-426614174000");
            assertEquals(0, deposit.exitCode, deposit.toString());
            final CliRun retry = CliRun.run("send", "--ingress", ingress, "--aggregate", "account:42",
                "Deposit", "amount=50", "--key", "123e4567-e89b-12d3-a456-426614174000");
            assertTrue(retry.out.startsWith("DUPLICATE account:42 version 2"), retry.toString());

            final CliRun overdraw = CliRun.run("send", "--ingress", ingress, "--aggregate", "account:42",
                "Withdraw", "amount=1000");
            assertEquals(4, overdraw.exitCode, overdraw.toString());
            assertTrue(overdraw.out.contains("REJECTED") && overdraw.out.contains("insufficient funds"),
                overdraw.out);

            final CliRun balance = CliRun.run("send", "--ingress", ingress, "--aggregate", "account:42",
                "GetBalance", "unused=0");
            assertTrue(balance.out.contains("reply Balance{balance=150, status=OPEN, ownerId=7, reserved=0}"),
                balance.out);

            // No time to wait for the reply: the deposit is applied, and the retry key must be printed.
            final CliRun hurried = CliRun.run("send", "--ingress", ingress, "--aggregate", "account:42",
                "Deposit", "amount=1", "--timeout", "0");
            assertEquals(5, hurried.exitCode, hurried.toString());
            assertTrue(hurried.out.startsWith("UNKNOWN account:42: ") &&
                hurried.out.contains("no reply to the command in time"), hurried.out);
            final String hurriedKey = hurried.out.replaceAll("(?s).*resend it with --key ([0-9a-f-]{36}) .*", "$1");
            assertEquals(36, hurriedKey.length(), hurried.out);
            final CliRun safeRetry = CliRun.run("send", "--ingress", ingress, "--aggregate", "account:42",
                "Deposit", "amount=1", "--key", hurriedKey);
            assertTrue(safeRetry.out.startsWith("DUPLICATE account:42 version 3"), safeRetry.toString());
            final CliRun after = CliRun.run("send", "--ingress", ingress, "--aggregate", "account:42",
                "GetBalance", "unused=0");
            assertTrue(after.out.contains("reply Balance{balance=151,"), "applied once: " + after.out);

            final CliRun typo = CliRun.run("send", "--ingress", ingress, "--aggregate", "acount:42", "Deposit",
                "amount=1");
            assertEquals(1, typo.exitCode);
            assertEquals("skein: no aggregate type acount; known types: account (1), order-book (2)",
                typo.err.trim());

            final CliRun ordinary = CliRun.run("admin", "hash", "--ingress", ingress);
            assertEquals(1, ordinary.exitCode, ordinary.toString());
            assertTrue(ordinary.err.contains("not authorised: STATE_HASH needs operator credentials"), ordinary.err);
            hash = CliRun.run("admin", "hash", "--ingress", ingress, "--secret", "ops");
            assertEquals(String.format("state hash %016x", node.engine().stateHash(TimeUnit.SECONDS.toNanos(5))),
                hash.out.trim());

            final CliRun asOf = CliRun.run("admin", "state", "--ingress", ingress, "--secret", "ops", "--aggregate",
                "account:42",
                "--as-of-position", Long.toString(entryOneEnd));
            assertEquals("account:42 version 1 as of position " + entryOneEnd +
                ": AccountState{status=OPEN, ownerId=7, balance=100}", asOf.out.trim(), asOf.toString());
            final CliRun notFollower = CliRun.run("admin", "promote", "--ingress", ingress, "--secret", "ops");
            assertEquals(1, notFollower.exitCode);
            assertTrue(notFollower.err.contains("only a follower can be promoted"), notFollower.err);

            final CliRun busy = CliRun.run("journal", "dump", "--dir", dir.getAbsolutePath());
            assertEquals(1, busy.exitCode);
            assertTrue(busy.err.contains("in use by another running archive"), busy.err);
        }

        final CliRun dump = CliRun.run("journal", "dump", "--dir", dir.getAbsolutePath());
        assertEquals(0, dump.exitCode, dump.toString());
        assertTrue(dump.out.contains("@0.." + entryOneEnd + " #1 "), dump.out);
        assertTrue(dump.out.contains("account:42 v1 corr=1"), dump.out);
        assertTrue(dump.out.contains("1 AccountOpened{ownerId=7, initialBalance=100}"), dump.out);
        assertTrue(dump.out.contains("key=123e4567e89b12d3a456426614174000"), dump.out);
        assertTrue(dump.out.contains("2 Deposited{amount=50}"), dump.out);
        assertFalse(dump.out.contains("Withdrawn"), "a rejected command is not journaled");

        final CliRun verify = CliRun.run("journal", "verify", "--dir", dir.getAbsolutePath());
        assertEquals(0, verify.exitCode, verify.toString());
        assertTrue(verify.out.contains("OK: 3 entries, 3 events, 1 aggregate,"), verify.out);

        final CliRun snapshots = CliRun.run("snapshot", "list", "--dir", dir.getAbsolutePath());
        assertEquals(0, snapshots.exitCode, snapshots.toString());
        assertTrue(snapshots.out.contains("snapshot at journal position ") && snapshots.out.contains("valid"),
            snapshots.out);

        final CliRun now = CliRun.run("state", "--dir", dir.getAbsolutePath(), "--aggregate", "account:42");
        assertTrue(now.out.contains("account:42 version 3: AccountState{status=OPEN, ownerId=7, balance=151}"),
            now.toString());
        final CliRun then = CliRun.run("state", "--dir", dir.getAbsolutePath(), "--aggregate", "account:42",
            "--as-of-position", Long.toString(entryOneEnd));
        assertTrue(then.out.contains("account:42 version 1: AccountState{status=OPEN, ownerId=7, balance=100}"),
            then.toString());
        final CliRun whole = CliRun.run("state", "--dir", dir.getAbsolutePath());
        assertTrue(whole.out.contains("1 aggregate, state hash " + hash.out.trim().substring("state hash ".length())),
            whole.toString());

        final CliRun history = CliRun.run("history", "--dir", dir.getAbsolutePath(), "--aggregate", "account:42",
            "--page-size", "1");
        assertTrue(history.out.contains("v1 #1 ") && history.out.contains("AccountOpened{ownerId=7, " +
            "initialBalance=100}") && history.out.contains("next page: --from-version 2"), history.toString());

        final File segment = new File(new File(dir, "archive"), "0-0.rec");
        try (RandomAccessFile file = new RandomAccessFile(segment, "rw"))
        {
            file.seek(entryOneEnd + 32 + 8);
            file.write(new byte[] {99, 0, 0, 0, 0, 0, 0, 0});
        }
        final CliRun corrupted = CliRun.run("journal", "verify", "--dir", dir.getAbsolutePath());
        assertEquals(3, corrupted.exitCode, corrupted.toString());
        assertTrue(corrupted.out.contains("FAILED journal entry between positions " + entryOneEnd + " and ") &&
            corrupted.out.contains("fails its checksum"), corrupted.out);

        final CliRun refused = CliRun.run("journal", "repair", "--dir", dir.getAbsolutePath());
        assertEquals(3, refused.exitCode, refused.toString());
        assertTrue(refused.out.contains("last valid entry (#1) ends at position " + entryOneEnd) &&
            refused.out.contains("Refused: give --discard-acknowledged"), refused.out);
        final CliRun dryRun = CliRun.run("journal", "repair", "--dir", dir.getAbsolutePath(), "--dry-run");
        assertEquals(0, dryRun.exitCode, dryRun.toString());
        assertTrue(dryRun.out.contains("Dry run: would cut "), dryRun.out);
        final CliRun stillCorrupt = CliRun.run("journal", "verify", "--dir", dir.getAbsolutePath());
        assertEquals(3, stillCorrupt.exitCode, "a dry run changes nothing: " + stillCorrupt);

        final CliRun repaired = CliRun.run("journal", "repair", "--dir", dir.getAbsolutePath(),
            "--discard-acknowledged");
        assertEquals(0, repaired.exitCode, repaired.toString());
        assertTrue(repaired.out.contains("the journal now ends at position " + entryOneEnd + " after entry #1") &&
            repaired.out.contains("snapshot(s) taken after it were invalidated"), repaired.out);
        final CliRun verified = CliRun.run("journal", "verify", "--dir", dir.getAbsolutePath());
        assertEquals(0, verified.exitCode, verified.toString());
        assertTrue(verified.out.contains("OK: 1 entry, 1 event, 1 aggregate,"), verified.out);
        final CliRun recovered = CliRun.run("state", "--dir", dir.getAbsolutePath(), "--aggregate", "account:42");
        assertTrue(recovered.out.contains("account:42 version 1: AccountState{status=OPEN, ownerId=7, balance=100}"),
            recovered.toString());
        final CliRun again = CliRun.run("journal", "repair", "--dir", dir.getAbsolutePath());
        assertEquals(0, again.exitCode, again.toString());
        assertTrue(again.out.startsWith("Nothing to repair: 1 whole, valid entries"), again.out);

        final CliRun missing = CliRun.run("journal", "verify", "--dir", new File(dir, "nope").getAbsolutePath());
        assertEquals(1, missing.exitCode);
        assertTrue(missing.err.startsWith("skein: no such directory"), missing.err);
    }

    @Test
    void shouldGenerateLoadFromSeveralClientsAndReportLatencyAsTextAndJson() throws Exception
    {
        final String ingress = "aeron:udp?endpoint=localhost:" + freePort();
        final SkeinNode.Context ctx = new SkeinNode.Context().dir(dir).ingressChannel(ingress);
        ctx.archiveContext().termLength(1024 * 1024).segmentFileLength(16 * 1024 * 1024)
            .markFileWaitNs(TimeUnit.SECONDS.toNanos(20));
        ctx.engineContext().snapshotOnClose(false);
        final File json = new File(dir, "load.json");
        try (SkeinNode node = SkeinNode.launch(ctx))
        {
            final CliRun load = CliRun.run("load", "--ingress", ingress, "--workload", "BANK", "--aggregates", "20",
                "--clients", "2", "--rate", "1000", "--duration", "2", "--warmup", "200", "--json",
                json.getAbsolutePath());
            assertEquals(0, load.exitCode, load.toString());
            assertTrue(load.out.contains("Sending 2,000 bank commands from 2 clients at 1,000 commands/s"), load.out);
            assertTrue(load.out.contains("100%  2,000/2,000"), load.out);
            assertTrue(load.out.matches("(?s).*p50 [0-9.]+  p90 [0-9.]+  p99 [0-9.]+  p99.9 [0-9.]+  p99.99 [0-9.]+" +
                "  max [0-9.]+.*"), load.out);
            assertTrue(load.out.contains("accepted 2,000"), load.out);
            final String text = Files.readString(json.toPath());
            assertTrue(text.contains("\"replies\":2000") && text.contains("\"latencyMicros\":{\"p50\":") &&
                text.contains("\"p99.99\":") && !text.contains("\"p100\""), text);
            assertEquals(20 + 200 + 2_000, node.engine().counters().accepted().get(),
                "the 20 accounts (opened once, by the warm-up), the warm-up's deposits and the run's");

            final CliRun bad = CliRun.run("load", "--ingress", ingress, "--rate", "0");
            assertEquals(2, bad.exitCode, bad.toString());
            assertTrue(bad.err.contains("--rate 0 (as fast as possible) needs --count"), bad.err);
        }
    }

    private static int freePort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
