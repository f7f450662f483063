package io.skein.node;

import java.io.File;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.skein.client.SkeinClient;
import io.skein.codecs.Outcome;
import io.skein.testsupport.ForkedJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client in another JVM, with its own media driver, talks to a node over UDP loopback and is then killed with
 * SIGKILL mid-stream: the node stays healthy, times the dead session out, and serves a new client; every deposit the
 * dead client saw acknowledged is in the balance.
 */
class CrossProcessSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    File dir;

    @Test
    void shouldStayHealthyWhenAClientInAnotherProcessIsKilledMidStream() throws Exception
    {
        final long accountId = 77;
        try (TestNode node = TestNode.launch(new File(dir, "node"),
            (ctx) -> ctx.sessionTimeoutNs(TimeUnit.SECONDS.toNanos(1))))
        {
            final Set<String> tempBefore = tempEntries();
            final long acked;
            try (ForkedJvm client = ForkedJvm.start("client", dir, List.of("-Xmx128m"), ClientProcess.class,
                node.ingressChannel(), Long.toString(accountId), new File(dir, "client-driver").getAbsolutePath()))
            {
                assertEquals("opened ACCEPTED version 1", client.awaitLine((line) -> true, TIMEOUT_NS));
                final String line = client.awaitLine((text) -> text.startsWith("acked ") &&
                    Long.parseLong(text.substring("acked ".length())) >= 2_000, TIMEOUT_NS);
                acked = Long.parseLong(line.substring("acked ".length()));
                assertEquals(137, client.kill(), "killed by SIGKILL");
            }
            final Set<String> left = tempEntries();
            left.removeAll(tempBefore);
            left.removeIf((name) -> !name.startsWith("skein") && !name.startsWith("aeron"));
            assertTrue(left.isEmpty(), "the killed client left " + left + " in the system temp directory");

            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (node.node().openSessions() > 0 || node.node().counters().sessionsTimedOut().get() < 1)
            {
                assertTrue(System.nanoTime() < deadlineNs, "waiting for the node to time out the dead session");
                Thread.sleep(10);
            }

            final Bank bank = new Bank();
            try (SkeinClient survivor = SkeinClient.connect(node.clientContext()))
            {
                final long balance = Bank.balanceOf(survivor.send(bank.buffer, 0, bank.balance(1, accountId),
                    TIMEOUT_NS));
                assertTrue(balance >= acked, "balance " + balance + " lost acknowledged deposits: " + acked);
                assertEquals(Outcome.ACCEPTED,
                    survivor.send(bank.buffer, 0, bank.deposit(2, accountId, 1, Long.MAX_VALUE), TIMEOUT_NS)
                        .outcome());
                assertEquals(balance + 1, Bank.balanceOf(survivor.send(bank.buffer, 0, bank.balance(3, accountId),
                    TIMEOUT_NS)));
                assertEquals(1, node.node().openSessions());
            }
        }
    }

    private static Set<String> tempEntries()
    {
        final String[] names = new File(System.getProperty("java.io.tmpdir")).list();
        return null == names ? new HashSet<>() : new HashSet<>(Arrays.asList(names));
    }
}
