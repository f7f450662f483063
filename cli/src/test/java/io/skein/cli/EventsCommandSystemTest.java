package io.skein.cli;

import java.io.File;
import java.net.DatagramSocket;
import java.util.concurrent.TimeUnit;

import io.skein.examples.bank.BalancesByOwner;
import io.skein.node.SkeinNode;
import io.skein.projection.ProjectionRunner;
import io.skein.testsupport.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read-side tools against a real node: {@code skein events tail} follows it from the start and from a printed
 * resume point, {@code skein projection status} shows a projection running on its driver, and
 * {@code skein events read} pages through its journal once it has stopped.
 */
class EventsCommandSystemTest
{
    @TempDir
    File dir;

    @Test
    void shouldTailReadAndShowProjections() throws Exception
    {
        final String ingress = "aeron:udp?endpoint=localhost:" + freePort();
        final SkeinNode.Context ctx = new SkeinNode.Context().dir(dir).ingressChannel(ingress);
        ctx.archiveContext().termLength(64 * 1024).segmentFileLength(1024 * 1024)
            .markFileWaitNs(TimeUnit.SECONDS.toNanos(20));
        try (SkeinNode node = SkeinNode.launch(ctx);
            ProjectionRunner balances = ProjectionRunner.launch(new ProjectionRunner.Context()
                .name("balances-by-owner").source(node.eventSource()).projection(new BalancesByOwner())
                .filter(BalancesByOwner.FILTER).checkpointDir(new File(dir, "checkpoints"))))
        {
            assertEquals(0, CliRun.run("send", "--ingress", ingress, "--aggregate", "account:42", "OpenAccount",
                "ownerId=7", "initialDeposit=100").exitCode);
            for (int i = 0; i < 3; i++)
            {
                assertEquals(0, CliRun.run("send", "--ingress", ingress, "--aggregate", "account:42", "Deposit",
                    "amount=" + (10 + i)).exitCode);
            }
            final CliRun tail = CliRun.run("events", "tail", "--ingress", ingress, "--count", "2");
            assertEquals(0, tail.exitCode, tail.toString());
            final String[] lines = tail.out.split("\n");
            assertEquals(2, lines.length, tail.out);
            assertTrue(lines[0].startsWith("#1 pos=") && lines[0].contains("account:42 v1") &&
                lines[0].contains("AccountOpened{ownerId=7, initialBalance=100}"), lines[0]);
            assertTrue(lines[1].startsWith("#2 ") && lines[1].contains("Deposited{amount=10}"), lines[1]);
            assertTrue(tail.err.contains("resume with: --from "), tail.err);
            final String resume = tail.err.replaceAll("(?s).*resume with: (--from \\d+ --entry-sequence \\d+).*",
                "$1");

            final String[] resumeArgs = resume.split(" ");
            final CliRun rest = CliRun.run("events", "tail", "--ingress", ingress, "--count", "2",
                resumeArgs[0], resumeArgs[1], resumeArgs[2], resumeArgs[3]);
            assertEquals(0, rest.exitCode, rest.toString());
            assertTrue(rest.out.startsWith("#3 ") && rest.out.contains("Deposited{amount=11}") &&
                rest.out.contains("#4 ") && rest.out.contains("Deposited{amount=12}"), rest.out);

            final CliRun inside = CliRun.run("events", "tail", "--ingress", ingress, "--from", "32", "--count", "1");
            assertEquals(1, inside.exitCode, inside.toString());
            assertTrue(inside.err.contains("not where a journal entry starts"), inside.err);

            Await.until(() -> null != balances.checkpoint() && balances.checkpoint().entrySequence() == 4,
                TimeUnit.SECONDS.toNanos(20), "the projection catches up");
            final CliRun status = CliRun.run("projection", "status", "--dir", dir.getAbsolutePath());
            assertEquals(0, status.exitCode, status.toString());
            assertTrue(status.out.contains("balances-by-owner") && status.out.contains("RUNNING"), status.out);
            assertTrue(status.out.matches("(?s).*balances-by-owner\\s+RUNNING\\s+[\\d,]+\\s+0\\s+0\\s+0\\s+0.*"),
                status.out);
        }
        final CliRun read = CliRun.run("events", "read", "--dir", dir.getAbsolutePath(), "--page-size", "3",
            "--type", "account");
        assertEquals(0, read.exitCode, read.toString());
        assertTrue(read.out.contains("#1 ") && read.out.contains("#3 ") && !read.out.contains("#4 ") &&
            read.out.contains("next page: --from "), read.out);
        final String next = read.out.replaceAll("(?s).*next page: --from (\\d+).*", "$1");
        final CliRun page = CliRun.run("events", "read", "--dir", dir.getAbsolutePath(), "--from", next);
        assertTrue(page.out.startsWith("#4 ") && page.out.contains("end of the journal"), page.toString());

        final CliRun stopped = CliRun.run("projection", "status", "--dir", dir.getAbsolutePath());
        assertEquals(1, stopped.exitCode, stopped.toString());
    }

    private static int freePort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
