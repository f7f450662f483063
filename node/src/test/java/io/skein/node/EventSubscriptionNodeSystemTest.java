package io.skein.node;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.skein.client.RemoteSubscription;
import io.skein.client.SkeinClient;
import io.skein.codecs.AdminAction;
import io.skein.codecs.Outcome;
import io.skein.engine.RecordedEvent;
import io.skein.examples.bank.BankAccount;
import io.skein.projection.EventPage;
import io.skein.projection.EventReader;
import io.skein.projection.EventSource;
import io.skein.projection.EventSubscription;
import io.skein.protocol.CommandResult;
import io.skein.protocol.EventFilter;
import io.skein.protocol.EventHandler;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinException;
import io.skein.testsupport.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Remote event subscriptions: a client follows a node's durable journal through the node's archive, from any
 * position, with no gap or duplicate across a disconnect or a node restart, never past the durable position.
 */
class EventSubscriptionNodeSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(20);

    @TempDir
    File dir;

    private final String archiveControl = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();
    private final String status = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();

    @Test
    void shouldDeliverTheHistoryThenTheLiveEventsToARemoteSubscriber() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode node = TestNode.launch(new File(dir, "node"));
            SkeinClient client = SkeinClient.connect(node.clientContext()))
        {
            send(client, bank, bank.open(1, 1, 10));
            depositPipelined(client, bank, 500, 1, 0);
            final List<Long> sequences = new ArrayList<>();
            try (RemoteSubscription subscription = client.subscribe(SkeinClient.FROM_START, 0, null, (event) ->
            {
                sequences.add(event.sequence());
            }, TIMEOUT_NS))
            {
                depositPipelined(client, bank, 500, 1, 500);
                final long end = node.node().engine().durablePosition();
                Await.until(() -> client.poll() >= 0 && subscription.position() == end, TIMEOUT_NS,
                    () -> "the subscriber reaches " + end + ": " + subscription.position() + " " +
                    subscription.state() + " " + subscription.failure());
                assertEquals(RemoteSubscription.State.LIVE, subscription.state());
            }
            final List<RecordedEvent> all = readAll(node.node().eventSource(), 0, EventFilter.ALL);
            assertEquals(1001, all.size());
            assertEquals(sequencesOf(all), sequences, "the remote subscriber saw every event once, in order");
        }
    }

    @Test
    void shouldResumeWithNoGapOrDuplicateAfterADisconnectAndANodeRestart() throws Exception
    {
        final Bank bank = new Bank();
        final File nodeDir = new File(dir, "node");
        final List<Long> seen = new ArrayList<>();
        long position;
        long entrySequence;
        final String ingress = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();
        try (TestNode node = TestNode.launch(nodeDir, ingress, EventSubscriptionNodeSystemTest::defaults))
        {
            try (SkeinClient client = SkeinClient.connect(node.clientContext()))
            {
                send(client, bank, bank.open(1, 1, 10));
                depositPipelined(client, bank, 300, 1, 0);
                final RemoteSubscription subscription = client.subscribe(SkeinClient.FROM_START, 0,
                    EventFilter.aggregateTypes(BankAccount.TYPE_ID), (event) -> seen.add(event.sequence()),
                    TIMEOUT_NS);
                Await.until(() -> client.poll() >= 0 && seen.size() >= 100, TIMEOUT_NS, "some events arrive");
                position = subscription.position();
                entrySequence = subscription.entrySequence();
            }
            // The client went away without unsubscribing; more events are written meanwhile.
            try (SkeinClient writer = SkeinClient.connect(node.clientContext()))
            {
                depositPipelined(writer, bank, 300, 1, 300);
            }
            try (SkeinClient client = SkeinClient.connect(node.clientContext()))
            {
                final RemoteSubscription resumed = client.subscribe(position, entrySequence, null,
                    (event) -> seen.add(event.sequence()), TIMEOUT_NS);
                final long end = node.node().engine().durablePosition();
                Await.until(() -> client.poll() >= 0 && resumed.position() == end, TIMEOUT_NS,
                    () -> "resumed to " + end + ": " + resumed.position());
                position = resumed.position();
                entrySequence = resumed.entrySequence();
            }
        }
        try (TestNode node = TestNode.launch(nodeDir, ingress, EventSubscriptionNodeSystemTest::defaults);
            SkeinClient client = SkeinClient.connect(node.clientContext()))
        {
            final RemoteSubscription afterRestart = client.subscribe(position, entrySequence, null,
                (event) -> seen.add(event.sequence()), TIMEOUT_NS);
            depositPipelined(client, bank, 200, 1, 600);
            final long end = node.node().engine().durablePosition();
            Await.until(() -> client.poll() >= 0 && afterRestart.position() == end, TIMEOUT_NS,
                () -> "after the restart to " + end + ": " + afterRestart.position());
            final List<Long> expected = sequencesOf(readAll(node.node().eventSource(), 0, EventFilter.ALL));
            assertEquals(801, expected.size());
            assertEquals(expected, seen, "every event once across a disconnect and a node restart");
        }
    }

    @Test
    void shouldRefuseBadPositionsAndReadersTheAuthoriserRefuses() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode node = TestNode.launch(new File(dir, "node"), (ctx) -> ctx.authoriser(new Authoriser()
        {
            public boolean isAuthorised(final String principal, final AdminAction action)
            {
                return false;
            }

            public boolean isAuthorisedToRead(final String principal)
            {
                return principal.equals(Authoriser.OPERATOR);
            }
        }).operatorSecret("ops"));
            SkeinClient client = SkeinClient.connect(node.clientContext()))
        {
            send(client, bank, bank.open(1, 1, 10));
            final SkeinException refused = assertThrows(SkeinException.class,
                () -> client.subscribe(SkeinClient.FROM_START, 0, null, NO_OP, TIMEOUT_NS));
            assertTrue(refused.getMessage().contains("not authorised to read"), refused.getMessage());
            try (SkeinClient operator = SkeinClient.connect(node.clientContext().secret("ops")))
            {
                final long end = node.node().engine().durablePosition();
                assertTrue(assertThrows(SkeinException.class, () -> operator.subscribe(end + 64, 0, null,
                    NO_OP, TIMEOUT_NS)).getMessage().contains("outside the durable journal"));
                assertTrue(assertThrows(SkeinException.class, () -> operator.subscribe(32, 0, null,
                    NO_OP, TIMEOUT_NS)).getMessage().contains("not where a journal entry starts"));
                final RemoteSubscription live = operator.subscribe(SkeinClient.FROM_LIVE, 0, null, NO_OP,
                    TIMEOUT_NS);
                assertEquals(end, live.fromPosition());
            }
            assertEquals(3, node.node().counters().subscriptionsRefused().get());
        }
    }

    @Test
    void shouldNeverDeliverPastTheReplicatedPosition() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode leader = TestNode.launch(new File(dir, "leader"), (ctx) ->
        {
            ctx.name("leader").replicationStatusChannel(status).replicatedFollowers(1);
            ctx.archiveContext().controlChannel(archiveControl);
        });
            SkeinClient client = SkeinClient.connect(leader.clientContext()))
        {
            final List<Long> remote = new ArrayList<>();
            final List<Long> local = new CopyOnWriteArrayList<>();
            final RemoteSubscription subscription = client.subscribe(SkeinClient.FROM_START, 0, null,
                (event) -> remote.add(event.sequence()), TIMEOUT_NS);
            try (EventSubscription inProcess = EventSubscription.start("held", leader.node().eventSource(),
                EventSubscription.FROM_START, null, (event) -> local.add(event.sequence()), Throwable::printStackTrace))
            {
                final List<CompletableFuture<CommandResult>> held = new ArrayList<>();
                held.add(client.submit(bank.buffer, 0, bank.open(1, 1, 10)));
                for (int i = 0; i < 20; i++)
                {
                    held.add(client.submit(bank.buffer, 0, bank.deposit(10 + i, 1, 1, i + 1)));
                }
                Await.until(() -> client.poll() >= 0 &&
                    leader.node().journal().durablePosition() >= leader.node().journal().position() &&
                    leader.node().engine().counters().journalEntries().get() == 21, TIMEOUT_NS,
                    "all 21 entries recorded by the leader's archive");
                // An absence cannot be awaited: give the subscribers 200 ms of polling in which nothing may arrive.
                for (int i = 0; i < 200; i++)
                {
                    client.poll();
                    Thread.sleep(1);
                }
                assertEquals(List.of(), remote, "no follower has the entries: nothing is durable to read");
                assertEquals(List.of(), local, "nor in process");
                assertTrue(held.stream().noneMatch(CompletableFuture::isDone), "and no reply was released");

                try (TestNode follower = TestNode.launch(new File(dir, "follower"), (ctx) ->
                {
                    ctx.name("follower").followerId(1).leaderArchiveControlChannel(archiveControl)
                        .replicationStatusChannel(status);
                    ctx.archiveContext().controlChannel("aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort());
                }))
                {
                    Await.until(() -> client.poll() >= 0 && remote.size() == 21 && local.size() == 21, TIMEOUT_NS,
                        () -> "once replicated, the events arrive: remote " + remote.size() + ", in process " +
                        local.size());
                    for (final CompletableFuture<CommandResult> reply : held)
                    {
                        Await.until(() -> client.poll() >= 0 && reply.isDone(), TIMEOUT_NS, "replies released");
                        assertEquals(Outcome.ACCEPTED, reply.get().outcome());
                    }

                    try (SkeinClient followerClient = SkeinClient.connect(follower.clientContext().leaderOnly(false)))
                    {
                        final List<Long> fromCopy = new ArrayList<>();
                        final RemoteSubscription onFollower = followerClient.subscribe(SkeinClient.FROM_START, 0,
                            null, (event) -> fromCopy.add(event.sequence()), TIMEOUT_NS);
                        Await.until(() -> followerClient.poll() >= 0 && fromCopy.size() == 21, TIMEOUT_NS,
                            () -> "a follower serves subscriptions from its copy: " + fromCopy.size());
                        assertEquals(remote, fromCopy);
                        onFollower.close();
                    }
                }
            }
            subscription.close();
        }
    }

    private static void defaults(final SkeinNode.Context ctx)
    {
        // The test node's defaults.
    }

    private static void ignore(final JournalEvents event)
    {
        // A subscriber that only needs to be there.
    }

    private static final EventHandler NO_OP = EventSubscriptionNodeSystemTest::ignore;

    private static void send(final SkeinClient client, final Bank bank, final int length)
    {
        assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, length, TIMEOUT_NS).outcome());
    }

    private static List<Long> sequencesOf(final List<RecordedEvent> events)
    {
        final List<Long> sequences = new ArrayList<>();
        for (final RecordedEvent event : events)
        {
            sequences.add(event.sequence());
        }
        return sequences;
    }

    private static List<RecordedEvent> readAll(final EventSource source, final long from, final EventFilter filter)
    {
        final EventReader reader = new EventReader(source);
        final List<RecordedEvent> all = new ArrayList<>();
        long position = from;
        EventPage page;
        do
        {
            page = reader.read(position, 1000, filter);
            all.addAll(page.events());
            position = page.nextPosition();
        }
        while (page.hasMore());
        return all;
    }

    private static void depositPipelined(
        final SkeinClient client, final Bank bank, final int count, final long account, final int keyBase)
        throws Exception
    {
        final List<CompletableFuture<CommandResult>> replies = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            CompletableFuture<CommandResult> reply;
            while ((reply = client.submit(bank.buffer, 0, bank.deposit(keyBase + i, account, 1, keyBase + i + 1)))
                .isCompletedExceptionally())
            {
                client.poll();
            }
            replies.add(reply);
            client.poll();
        }
        for (final CompletableFuture<CommandResult> reply : replies)
        {
            Await.until(() -> client.poll() >= 0 && reply.isDone(), TIMEOUT_NS, "replies");
            assertEquals(Outcome.ACCEPTED, reply.get().outcome());
        }
    }
}
