package io.skein.node;

import java.io.File;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.skein.client.ClientListener;
import io.skein.client.SendResult;
import io.skein.client.SkeinClient;
import io.skein.codecs.AdminAction;
import io.skein.codecs.Outcome;
import io.skein.journal.RecordingLog;
import io.skein.protocol.CommandResult;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinException;
import io.skein.testsupport.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeClientSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    File dir;

    @Test
    void shouldExchangeCommandsAndRepliesOverUdpLoopback()
    {
        final Bank bank = new Bank();
        try (TestNode node = TestNode.launch(dir, (ctx) -> ctx.operatorSecret("ops"));
            SkeinClient client = SkeinClient.connect(node.clientContext());
            SkeinClient operator = SkeinClient.connect(node.clientContext().secret("ops")))
        {
            assertTrue(client.isConnected());
            final CommandResult opened = client.send(bank.buffer, 0, bank.open(1, 42, 100), TIMEOUT_NS);
            assertEquals(Outcome.ACCEPTED, opened.outcome(), opened.toString());
            assertEquals(1, opened.version());
            assertTrue(opened.journalPosition() > 0);

            final CommandResult deposited = client.send(bank.buffer, 0, bank.deposit(2, 42, 50, 1), TIMEOUT_NS);
            assertEquals(Outcome.ACCEPTED, deposited.outcome());
            assertEquals(2, deposited.version());

            final CommandResult again = client.send(bank.buffer, 0, bank.open(3, 42, 100), TIMEOUT_NS);
            assertEquals(Outcome.CONFLICT, again.outcome());

            final CommandResult balance = client.send(bank.buffer, 0, bank.balance(4, 42), TIMEOUT_NS);
            assertEquals(150, Bank.balanceOf(balance));
            assertEquals(2, node.node().openSessions());
            assertEquals(node.node().engine().stateHash(TIMEOUT_NS),
                operator.admin(AdminAction.STATE_HASH, TIMEOUT_NS));
            assertEquals(1, operator.admin(AdminAction.AGGREGATE_COUNT, TIMEOUT_NS));
        }
    }

    @Test
    void shouldDeliverEveryReplyWhenTheRingIsFullByPushingBackThroughTheIngress()
    {
        final int commands = 20_000;
        final Bank bank = new Bank();
        final long[] replies = new long[1];
        try (TestNode node = TestNode.launch(dir, (ctx) -> ctx.engineContext().ringSize(8)))
        {
            try (SkeinClient client = SkeinClient.connect(node.clientContext().listener(new ClientListener()
            {
                @Override
                public void onReply(final Reply reply)
                {
                    replies[0] += reply.outcome() == Outcome.ACCEPTED ? 1 : 0;
                }
            })))
            {
                assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(0, 7, 0), TIMEOUT_NS).outcome());
                replies[0] = 0;
                final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                int sent = 0;
                while (replies[0] < commands)
                {
                    if (sent < commands)
                    {
                        final int length = bank.deposit(sent + 1, 7, 1, sent + 1);
                        if (client.offer(bank.buffer, 0, length) == SendResult.SENT)
                        {
                            sent++;
                        }
                    }
                    client.poll();
                    assertTrue(System.nanoTime() < deadlineNs, "replies " + replies[0] + " of " + commands);
                }
                assertEquals(commands, Bank.balanceOf(client.send(bank.buffer, 0, bank.balance(-1, 7), TIMEOUT_NS)));
            }
            assertTrue(node.node().counters().ingressBackPressure().get() > 0,
                "a ring of 8 slots under a pipelined client must have pushed back");
            assertEquals(0, node.node().counters().repliesDropped().get());
        }
    }

    @Test
    void shouldShowTheEngineCountersOnTheNodesMediaDriverForAeronStat()
    {
        final Bank bank = new Bank();
        try (TestNode node = TestNode.launch(dir, (ctx) -> ctx.name("counted"));
            SkeinClient client = SkeinClient.connect(node.clientContext());
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(node.node().archive()
                .aeronDirectoryName())))
        {
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 1, 5), TIMEOUT_NS).outcome());
            assertEquals(Outcome.CONFLICT, client.send(bank.buffer, 0, bank.open(2, 1, 5), TIMEOUT_NS).outcome());
            final Map<String, Long> counters = new HashMap<>();
            aeron.countersReader().forEach((counterId, typeId, keyBuffer, label) ->
                counters.put(label, aeron.countersReader().getCounterValue(counterId)));
            assertEquals(2L, counters.get("skein commands: counted"), counters.toString());
            assertEquals(1L, counters.get("skein accepted: counted"));
            assertEquals(1L, counters.get("skein conflicts: counted"));
            assertEquals(1L, counters.get("skein aggregates: counted"));
            assertTrue(counters.containsKey("skein open sessions: counted"), "the node's own counters beside them");
        }
    }

    @Test
    void shouldRefuseAdminToOrdinarySessionsAndLetOperatorsDoIt()
    {
        final Bank bank = new Bank();
        try (TestNode node = TestNode.launch(dir, (ctx) -> ctx.sharedSecret("clients").operatorSecret("operators"));
            SkeinClient client = SkeinClient.connect(node.clientContext().secret("clients"));
            SkeinClient operator = SkeinClient.connect(node.clientContext().secret("operators")))
        {
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 1, 5), TIMEOUT_NS).outcome());
            assertEquals(5, Bank.balanceOf(client.send(bank.buffer, 0, bank.balance(2, 1), TIMEOUT_NS)),
                "ordinary sessions send commands and queries");
            for (final AdminAction action : new AdminAction[] {
                AdminAction.TAKE_SNAPSHOT, AdminAction.PROMOTE, AdminAction.STATE_HASH, AdminAction.AGGREGATE_COUNT})
            {
                final SkeinException refused = assertThrows(SkeinException.class,
                    () -> client.admin(action, TIMEOUT_NS), action.toString());
                assertTrue(refused.getMessage().contains("not authorised"), refused.getMessage());
            }
            assertThrows(SkeinException.class, () -> client.stateAsOf(-1, 0, 0, TIMEOUT_NS));
            assertEquals(5, node.node().counters().adminRefused().get());
            assertNull(node.node().journal().recordingLog().latest(RecordingLog.TYPE_SNAPSHOT),
                "the refused snapshot was not taken");

            final long position = operator.admin(AdminAction.TAKE_SNAPSHOT, TIMEOUT_NS);
            assertTrue(position > 0);
            assertEquals(position, node.node().journal().recordingLog().latest(RecordingLog.TYPE_SNAPSHOT).position());
            assertEquals(node.node().engine().stateHash(TIMEOUT_NS), operator.admin(AdminAction.STATE_HASH,
                TIMEOUT_NS));
        }
    }

    @Test
    void shouldRefuseConfusableOrMisplacedOperatorSecrets()
    {
        final SkeinException same = assertThrows(SkeinException.class, () -> TestNode.launch(dir,
            (ctx) -> ctx.sharedSecret("same").operatorSecret("same")));
        assertTrue(same.getMessage().contains("must differ"), same.getMessage());
        final SkeinException withOwn = assertThrows(SkeinException.class, () -> TestNode.launch(dir,
            (ctx) -> ctx.authenticator((credentials, channel) -> null).operatorSecret("ops")));
        assertTrue(withOwn.getMessage().contains("only to the built-in authenticator"), withOwn.getMessage());
    }

    @Test
    void shouldRefuseClientWithoutValidCredentials()
    {
        final Bank bank = new Bank();
        try (TestNode node = TestNode.launch(dir, (ctx) -> ctx.sharedSecret("open sesame")))
        {
            final SkeinException none = assertThrows(SkeinException.class,
                () -> SkeinClient.connect(node.clientContext()));
            assertEquals(SkeinException.Code.AUTHENTICATION, none.code());
            assertTrue(none.getMessage().contains("requires credentials"), none.getMessage());

            final SkeinException wrong = assertThrows(SkeinException.class,
                () -> SkeinClient.connect(node.clientContext().secret("open sesame!")));
            assertEquals(SkeinException.Code.AUTHENTICATION, wrong.code());
            assertEquals(2, node.node().counters().sessionsRejected().get());
            assertEquals(0, node.node().openSessions());

            try (SkeinClient client = SkeinClient.connect(node.clientContext().secret("open sesame")))
            {
                assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 1, 5), TIMEOUT_NS).outcome());
            }
        }
    }

    @Test
    void shouldReplyDuplicateWithTheOriginalOutcomeWhenResentAfterReconnect()
    {
        final Bank bank = new Bank();
        try (TestNode node = TestNode.launch(dir);
            SkeinClient client = SkeinClient.connect(node.clientContext()))
        {
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 9, 0), TIMEOUT_NS).outcome());
            final CommandResult first = client.send(bank.buffer, 0, bank.deposit(2, 9, 30, 77), TIMEOUT_NS);
            assertEquals(Outcome.ACCEPTED, first.outcome());
            final long oldSession = client.sessionId();

            client.reconnect(TIMEOUT_NS);
            assertTrue(client.isConnected());
            assertTrue(client.sessionId() != oldSession);

            final CommandResult retry = client.send(bank.buffer, 0, bank.deposit(3, 9, 30, 77), TIMEOUT_NS);
            assertEquals(Outcome.DUPLICATE, retry.outcome());
            assertEquals(first.version(), retry.version());
            assertEquals(first.journalPosition(), retry.journalPosition());
            assertEquals(30, Bank.balanceOf(client.send(bank.buffer, 0, bank.balance(4, 9), TIMEOUT_NS)));
        }
    }

    @Test
    void shouldCloseASilentSessionAndTellTheClient()
    {
        final Bank bank = new Bank();
        try (TestNode node = TestNode.launch(dir, (ctx) -> ctx.sessionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(300)));
            SkeinClient client = SkeinClient.connect(node.clientContext()
                .keepAliveIntervalNs(TimeUnit.SECONDS.toNanos(30))))
        {
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 3, 0), TIMEOUT_NS).outcome());
            final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
            while (client.isConnected())
            {
                client.poll();
                assertTrue(System.nanoTime() < deadlineNs, "waiting for the node to close the silent session");
                Thread.yield();
            }
            assertTrue(client.disconnectReason().contains("timed out"), client.disconnectReason());
            assertEquals(SendResult.NOT_CONNECTED, client.offer(bank.buffer, 0, bank.balance(2, 3)));
            assertEquals(1, node.node().counters().sessionsTimedOut().get());
            // The node tells the client before it forgets the session and counts it gone.
            Await.until(() -> 0 == node.node().openSessions(), TIMEOUT_NS, "the node counts the session gone");

            client.reconnect(TIMEOUT_NS);
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.balance(3, 3), TIMEOUT_NS).outcome());
        }
    }

    @Test
    void shouldKeepServingOthersWhileAClientStopsReadingItsReplies()
    {
        final Bank bank = new Bank();
        try (TestNode node = TestNode.launch(dir, (ctx) -> ctx.egressQueueLength(64 * 1024));
            SkeinClient stalled = SkeinClient.connect(node.clientContext());
            SkeinClient healthy = SkeinClient.connect(node.clientContext()))
        {
            assertEquals(Outcome.ACCEPTED, stalled.send(bank.buffer, 0, bank.open(1, 5, 0), TIMEOUT_NS).outcome());
            int sent = 0;
            final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
            while (sent < 5_000)
            {
                if (stalled.offer(bank.buffer, 0, bank.deposit(sent + 2, 5, 1, sent + 1)) == SendResult.SENT)
                {
                    sent++;
                }
                assertTrue(System.nanoTime() < deadlineNs, "the ingress stopped taking the stalled client's commands");
            }
            for (int i = 0; i < 100; i++)
            {
                final CommandResult result = healthy.send(bank.buffer, 0, bank.balance(10_000 + i, 5), TIMEOUT_NS);
                assertEquals(Outcome.ACCEPTED, result.outcome());
            }
            long balance = 0;
            for (int i = 0; balance < 5_000 && System.nanoTime() < deadlineNs; i++)
            {
                balance = Bank.balanceOf(healthy.send(bank.buffer, 0, bank.balance(-2 - i, 5), TIMEOUT_NS));
            }
            assertEquals(5_000, balance, "every command of the stalled client was still applied");
            assertTrue(node.node().counters().repliesDropped().get() > 0,
                "replies to a client that stopped reading are dropped and counted");
        }
    }

    @Test
    void shouldQueueRepliesForAClientThatPausesReadingAndDeliverEveryOneInOrderWhenItReadsAgain() throws Exception
    {
        final Bank bank = new Bank();
        final int commands = 3_000;
        final long[] next = {1};
        final long[] outOfOrder = {0};
        try (TestNode node = TestNode.launch(dir);
            SkeinClient paused = SkeinClient.connect(node.clientContext().listener(new ClientListener()
            {
                @Override
                public void onReply(final Reply reply)
                {
                    if (reply.correlationId() > 0)
                    {
                        outOfOrder[0] += reply.correlationId() == next[0] ? 0 : 1;
                        next[0] = reply.correlationId() + 1;
                    }
                }
            })))
        {
            assertEquals(Outcome.ACCEPTED, paused.send(bank.buffer, 0, bank.open(0, 8, 0), TIMEOUT_NS).outcome());
            int sent = 0;
            final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
            while (sent < commands)
            {
                // Not polling: the replies pile up far beyond the client's egress window (32 KiB, ~300 replies).
                if (paused.offer(bank.buffer, 0, bank.deposit(sent + 1, 8, 1, sent + 1)) == SendResult.SENT)
                {
                    sent++;
                }
                assertTrue(System.nanoTime() < deadlineNs, "sent " + sent);
            }
            try (SkeinClient healthy = SkeinClient.connect(node.clientContext()))
            {
                for (int i = 0; i < 20; i++)
                {
                    final long startNs = System.nanoTime();
                    assertEquals(Outcome.ACCEPTED,
                        healthy.send(bank.buffer, 0, bank.balance(-10 - i, 8), TIMEOUT_NS).outcome());
                    final long tookMs = (System.nanoTime() - startNs) / 1_000_000;
                    assertTrue(tookMs < 500, "another client's reply took " + tookMs + " ms while this one paused: " +
                        "the reply thread must never wait for a slow client");
                }
            }
            // The paused client stays away 1.5 s more (a pause, not a wait for anything): its replies wait in the
            // node's queue for it, and none is dropped.
            Thread.sleep(1_500);
            while (next[0] <= commands)
            {
                paused.poll();
                assertTrue(System.nanoTime() < deadlineNs, "replies up to " + next[0] + " of " + commands);
            }
            assertEquals(0, outOfOrder[0], "replies arrive in the order of their commands");
            assertEquals(0, node.node().counters().repliesDropped().get(), "nothing dropped while it paused");
        }
    }

    @Test
    void shouldTimeOutClearlyWhenNoNodeListens()
    {
        final SkeinException ex = assertThrows(SkeinException.class, () ->
        {
            try (TestNode node = TestNode.launch(dir))
            {
                SkeinClient.connect(node.clientContext()
                    .ingressChannel("aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort())
                    .connectTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))).close();
            }
        });
        assertEquals(SkeinException.Code.TIMEOUT, ex.code());
        assertFalse(ex.getMessage().isEmpty());
    }
}
