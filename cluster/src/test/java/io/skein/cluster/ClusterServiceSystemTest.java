package io.skein.cluster;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.AdminAction;
import io.skein.codecs.Outcome;
import io.skein.projection.EventSubscription;
import io.skein.protocol.CommandResult;
import io.skein.protocol.EventFilter;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinException;
import io.skein.testsupport.Await;
import org.agrona.IoUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three members in this JVM: commands decided through the cluster's log with the engine's outcomes, the same state
 * on every member at the same log position, snapshots every member takes at one position, and a restart of the whole
 * cluster from its snapshots and logs.
 */
class ClusterServiceSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(20);

    @TempDir
    File dir;

    private InProcessCluster cluster;
    private SkeinClusterClient client;

    @AfterEach
    void tearDown()
    {
        if (null != client)
        {
            client.close();
        }
        if (null != cluster)
        {
            cluster.close();
        }
    }

    @Test
    void decidesCommandsWithTheEngineOutcomesAndTheSameStateOnEveryMember()
    {
        cluster = new InProcessCluster(dir, 21000, 3, 0).startAll();
        cluster.awaitLeader();
        client = cluster.client();
        final ClusterBank bank = new ClusterBank();

        long correlationId = 1;
        for (long account = 1; account <= 10; account++)
        {
            final CommandResult opened = client.send(bank.buffer, 0, bank.open(correlationId++, account, 100),
                TIMEOUT_NS);
            assertEquals(Outcome.ACCEPTED, opened.outcome(), opened.toString());
            assertEquals(1, opened.version());
        }
        for (int i = 0; i < 50; i++)
        {
            final long account = 1 + i % 10;
            final CommandResult deposited = client.send(bank.buffer, 0,
                bank.deposit(correlationId++, account, 10, 1000 + i), TIMEOUT_NS);
            assertEquals(Outcome.ACCEPTED, deposited.outcome(), deposited.toString());
        }

        // The same key again: the original outcome, not a second deposit.
        final CommandResult duplicate = client.send(bank.buffer, 0, bank.deposit(correlationId++, 3, 10, 1002),
            TIMEOUT_NS);
        assertEquals(Outcome.DUPLICATE, duplicate.outcome(), duplicate.toString());
        // A new account that exists: the engine's conflict, named with the actual version.
        final CommandResult conflict = client.send(bank.buffer, 0, bank.openAgain(correlationId++, 4), TIMEOUT_NS);
        assertEquals(Outcome.CONFLICT, conflict.outcome(), conflict.toString());
        assertEquals(6, conflict.version());

        final CommandResult balance = client.send(bank.buffer, 0, bank.balance(correlationId++, 3), TIMEOUT_NS);
        assertEquals(Outcome.ACCEPTED, balance.outcome());
        assertEquals(150, ClusterBank.balanceOf(balance));

        final long hash = client.admin(AdminAction.STATE_HASH, TIMEOUT_NS);
        final long position = awaitProbeOnAll(hash);
        assertEquals(10, client.admin(AdminAction.AGGREGATE_COUNT, TIMEOUT_NS));
        assertTrue(position > 0);
        for (final SkeinClusterMember node : cluster.nodes)
        {
            Await.until(() -> node.service().entrySequence() == 60, TIMEOUT_NS, "member applied all 60 entries");
        }
        assertEquals(0, cluster.errors().size(), cluster.errors().toString());
    }

    @Test
    void everyMemberSnapshotsAtOnePositionAndTheClusterRestartsFromIt()
    {
        cluster = new InProcessCluster(dir, 21100, 3, 0).startAll();
        cluster.awaitLeader();
        client = cluster.client();
        final ClusterBank bank = new ClusterBank();
        long correlationId = 1;
        correlationId = openAccounts(bank, correlationId, 5);
        snapshotOnEveryMember();
        correlationId = deposit(bank, correlationId, 20, 500);
        final long hashBefore = client.admin(AdminAction.STATE_HASH, TIMEOUT_NS);
        awaitProbeOnAll(hashBefore);
        client.close();
        client = null;
        cluster.close();
        assertEquals(0, cluster.errors().size(), cluster.errors().toString());

        cluster.probes.clear();
        cluster.startAll();
        cluster.awaitLeader();
        client = cluster.client();
        final long hashAfter = client.admin(AdminAction.STATE_HASH, TIMEOUT_NS);
        assertEquals(hashBefore, hashAfter);
        awaitProbeOnAll(hashAfter);
        // A deposit key from before the restart is still in the window.
        assertEquals(Outcome.DUPLICATE, client.send(bank.buffer, 0, bank.deposit(correlationId++, 1, 1, 500),
            TIMEOUT_NS).outcome());
        for (final SkeinClusterMember node : cluster.nodes)
        {
            assertEquals(25, node.service().entrySequence());
        }
        assertEquals(0, cluster.errors().size(), cluster.errors().toString());
    }

    @Test
    void aKeylessCommandCaughtInAFailoverFailsUnknownOutcomeWhileAKeyedOneIsResentAndDecidedOnce()
    {
        cluster = new InProcessCluster(dir, 21500, 3, 0).startAll();
        final SkeinClusterMember leader = cluster.awaitLeader();
        client = cluster.client();
        final ClusterBank bank = new ClusterBank();
        long correlationId = openAccounts(bank, 1, 2);
        int leaderId = 0;
        while (cluster.nodes[leaderId] != leader)
        {
            leaderId++;
        }

        // With both followers stopped the leader cannot commit: the two commands reach it and are not decided.
        for (int i = 0; i < 3; i++)
        {
            if (i != leaderId)
            {
                cluster.stop(i);
            }
        }
        final CompletableFuture<CommandResult> keyless = client.submit(bank.buffer, 0,
            bank.depositWithoutKey(correlationId++, 1, 10));
        final CompletableFuture<CommandResult> keyed = client.submit(bank.buffer, 0,
            bank.deposit(correlationId++, 2, 20, 777));
        final long waitUntilNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300);
        while (System.nanoTime() - waitUntilNs < 0)
        {
            client.poll();
            Thread.yield();
        }
        assertFalse(keyless.isDone() || keyed.isDone(), "nothing is decided without a quorum");

        // The leader goes; the followers come back and elect one of them, which has neither command.
        cluster.stop(leaderId);
        for (int i = 0; i < 3; i++)
        {
            if (i != leaderId)
            {
                cluster.start(i);
            }
        }
        Await.until(() ->
        {
            client.poll();
            return keyless.isDone() && keyed.isDone();
        }, TIMEOUT_NS, () -> "both commands have an outcome after the failover: keyless " + keyless + ", keyed " +
            keyed);
        final CompletionException unknown = assertThrows(CompletionException.class, keyless::join);
        assertTrue(unknown.getCause() instanceof SkeinException, unknown.toString());
        assertEquals(SkeinException.Code.UNKNOWN_OUTCOME, ((SkeinException)unknown.getCause()).code());
        assertEquals(Outcome.ACCEPTED, keyed.join().outcome(), keyed.join().toString());
        assertEquals(1, client.resent());

        // Not resent, the keyless deposit never happened; the keyed one happened once.
        final CommandResult first = client.send(bank.buffer, 0, bank.balance(correlationId++, 1), TIMEOUT_NS);
        assertEquals(100, ClusterBank.balanceOf(first));
        final CommandResult second = client.send(bank.buffer, 0, bank.balance(correlationId++, 2), TIMEOUT_NS);
        assertEquals(120, ClusterBank.balanceOf(second));
        assertEquals(Outcome.DUPLICATE, client.send(bank.buffer, 0, bank.deposit(correlationId, 2, 20, 777),
            TIMEOUT_NS).outcome());
        assertEquals(0, cluster.errors().size(), cluster.errors().toString());
    }

    @Test
    void aeronsOwnAdminRequestTakesASnapshotOnEveryMember()
    {
        cluster = new InProcessCluster(dir, 21600, 3, 0).startAll();
        cluster.awaitLeader();
        client = cluster.client();
        final ClusterBank bank = new ClusterBank();
        openAccounts(bank, 1, 3);
        assertTrue(client.requestSnapshot(), "the admin request was sent");
        for (final SkeinClusterMember node : cluster.nodes)
        {
            Await.until(() ->
            {
                client.poll();
                return node.service().snapshots() == 1;
            }, TIMEOUT_NS, "every member took the snapshot the consensus module was asked for");
        }
        assertEquals(0, cluster.errors().size(), cluster.errors().toString());
    }

    @Test
    void aMemberWithItsDirectoryWipedRejoinsFromTheOthers()
    {
        cluster = new InProcessCluster(dir, 21200, 3, 0).startAll();
        final SkeinClusterMember leader = cluster.awaitLeader();
        client = cluster.client();
        final ClusterBank bank = new ClusterBank();
        long correlationId = 1;
        correlationId = openAccounts(bank, correlationId, 5);
        snapshotOnEveryMember();
        correlationId = deposit(bank, correlationId, 20, 500);
        int wiped = 0;
        while (cluster.nodes[wiped] == leader)
        {
            wiped++;
        }
        cluster.stop(wiped);
        IoUtil.delete(cluster.memberDir(wiped), false);
        final SkeinClusterMember rejoined = cluster.start(wiped);
        Await.until(() -> rejoined.service().entrySequence() == 25, TIMEOUT_NS,
            () -> "the wiped member caught up: at entry " + rejoined.service().entrySequence() + ", role " +
            rejoined.role());
        final long hash = client.admin(AdminAction.STATE_HASH, TIMEOUT_NS);
        awaitProbeOnAll(hash);
        assertEquals(0, cluster.errors().size(), cluster.errors().toString());
    }

    @Test
    void snapshotsOnPolicyAndEveryMembersJournalHoldsEachEntryOnceAcrossReplays()
    {
        cluster = new InProcessCluster(dir, 21300, 3, 10).startAll();
        final SkeinClusterMember leader = cluster.awaitLeader();
        client = cluster.client();
        final ClusterBank bank = new ClusterBank();
        long correlationId = 1;
        correlationId = openAccounts(bank, correlationId, 5);
        correlationId = deposit(bank, correlationId, 35, 700);
        for (final SkeinClusterMember node : cluster.nodes)
        {
            Await.until(() -> node.service().snapshots() >= 2 && node.service().entrySequence() == 40, TIMEOUT_NS,
                () -> "member took the leader's policy snapshots: " + node.service().snapshots());
        }
        int follower = 0;
        while (cluster.nodes[follower] == leader)
        {
            follower++;
        }
        assertEquals(entrySequences(cluster.nodes[follower]), expectedSequences(40));

        // Restarted, the follower loads its latest snapshot, is replayed the log after it, and writes no entry twice.
        cluster.stop(follower);
        final SkeinClusterMember restarted = cluster.start(follower);
        Await.until(() -> restarted.service().entrySequence() == 40, TIMEOUT_NS, "the restarted member caught up");
        assertTrue(restarted.service().loadedSnapshotPosition() > 0, "started from a snapshot");
        for (int i = 0; i < 5; i++)
        {
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0,
                bank.deposit(correlationId++, 1 + i, 1, 900 + i), TIMEOUT_NS).outcome());
        }
        Await.until(() -> restarted.service().entrySequence() == 45, TIMEOUT_NS, "the restarted member goes on");
        assertEquals(expectedSequences(45), entrySequences(restarted));
        assertEquals(0, cluster.errors().size(), cluster.errors().toString());
    }

    @Test
    void remoteSubscriptionsReadAnyMembersJournalAndResumeOnAnotherMember()
    {
        cluster = new InProcessCluster(dir, 21400, 3, 0).startAll();
        cluster.awaitLeader();
        client = cluster.client();
        final ClusterBank bank = new ClusterBank();
        long correlationId = 1;
        correlationId = openAccounts(bank, correlationId, 5);
        correlationId = deposit(bank, correlationId, 15, 100);

        // From the start of one member's journal: entries 1 to 20, each event once, in order.
        final List<Long> seen = new ArrayList<>();
        final List<Long> positions = new ArrayList<>();
        final MemberSubscription first = client.subscribe(0, SkeinClusterClient.FROM_START, 0, EventFilter.ALL,
            (event) ->
            {
                seen.add(event.entrySequence());
                positions.add(event.position());
            }, TIMEOUT_NS);
        awaitSequence(first, 20);
        assertEquals(MemberSubscription.State.LIVE, first.state());
        assertEquals(expectedSequences(20), seen);
        first.close();
        assertEquals(MemberSubscription.State.CLOSED, first.state());

        // Commands go on while nobody subscribes; the subscriber resumes on another member from the first one's
        // position, checked to follow its last entry, and goes on live.
        correlationId = deposit(bank, correlationId, 10, 200);
        final MemberSubscription resumed = client.subscribe(2, first.position(), first.entrySequence(),
            EventFilter.ALL, (event) -> seen.add(event.entrySequence()), TIMEOUT_NS);
        awaitSequence(resumed, 30);
        final List<Long> live = new ArrayList<>();
        final MemberSubscription fromLive = client.subscribe(1, SkeinClusterClient.FROM_LIVE, 0, EventFilter.ALL,
            (event) -> live.add(event.entrySequence()), TIMEOUT_NS);
        Await.until(() ->
        {
            client.poll();
            return fromLive.state() == MemberSubscription.State.LIVE;
        }, TIMEOUT_NS, "the live subscription's replay connected");
        correlationId = deposit(bank, correlationId, 5, 300);
        awaitSequence(resumed, 35);
        awaitSequence(fromLive, 35);
        assertEquals(expectedSequences(35), seen);
        assertEquals(List.of(31L, 32L, 33L, 34L, 35L), live);

        // The members' journals hold each entry at the same position.
        final List<Long> otherPositions = new ArrayList<>();
        try (MemberSubscription other = client.subscribe(1, SkeinClusterClient.FROM_START, 0, EventFilter.ALL,
            (event) -> otherPositions.add(event.position()), TIMEOUT_NS))
        {
            awaitSequence(other, 35);
            assertEquals(positions, otherPositions.subList(0, 20));
        }

        // Refusals: an unknown member, a position past the journal's end, one inside an entry.
        final long end = client.journalBounds(1, TIMEOUT_NS)[1];
        final SkeinException unknown = assertThrows(SkeinException.class, () -> client.subscribe(3,
            SkeinClusterClient.FROM_START, 0, null, ClusterServiceSystemTest::ignore, TIMEOUT_NS));
        assertEquals(SkeinException.Code.BAD_INPUT, unknown.code());
        final SkeinException past = assertThrows(SkeinException.class, () -> client.subscribe(1, end + 64, 0,
            null, ClusterServiceSystemTest::ignore, TIMEOUT_NS));
        assertEquals(SkeinException.Code.BAD_INPUT, past.code());
        assertTrue(past.getMessage().contains("outside member 1's journal"), past.getMessage());
        final SkeinException inside = assertThrows(SkeinException.class, () -> client.subscribe(1,
            positions.get(0) + 32, 0, null, ClusterServiceSystemTest::ignore, TIMEOUT_NS));
        assertEquals(SkeinException.Code.BAD_INPUT, inside.code());
        assertTrue(inside.getMessage().contains("refused the replay"), inside.getMessage());
        resumed.close();
        fromLive.close();
        assertEquals(0, cluster.errors().size(), cluster.errors().toString());
    }

    private static void ignore(final JournalEvents event)
    {
        throw new AssertionError("no event was expected, got entry " + event.entrySequence());
    }

    private void awaitSequence(final MemberSubscription subscription, final long sequence)
    {
        Await.until(() ->
        {
            client.poll();
            return subscription.entrySequence() >= sequence || null != subscription.failure();
        }, TIMEOUT_NS, () -> "member " + subscription.memberId() + "'s subscription reached entry " + sequence +
            ": at " + subscription.entrySequence() + ", " + subscription.state());
        assertEquals(null, subscription.failure());
        assertEquals(sequence, subscription.entrySequence());
    }

    /**
     * Open accounts 1 to {@code count} with 100 each, every one ACCEPTED.
     *
     * @return the next correlation id.
     */
    @Test
    void everyMemberAppliesTransfersAcrossAccountsAlikeAndTheTotalNeverChanges()
    {
        cluster = new InProcessCluster(dir, 21700, 3, 0).startAll();
        cluster.awaitLeader();
        client = cluster.client();
        final ClusterBank bank = new ClusterBank();
        long correlationId = openAccounts(bank, 1, 4);
        int accepted = 0;
        for (int i = 0; i < 60; i++)
        {
            final long payer = 1 + i % 4;
            final long payee = 1 + (i * 3 + 1) % 4;
            final CommandResult result = client.send(bank.buffer, 0,
                bank.transfer(correlationId++, payer, payee, 1 + (i * 29) % 90, 5000 + i), TIMEOUT_NS);
            if (result.outcome() == Outcome.ACCEPTED)
            {
                accepted++;
            }
            else
            {
                assertEquals(Outcome.REJECTED, result.outcome(), result.toString());
            }
        }
        assertTrue(accepted > 20, accepted + " transfers accepted");
        final CommandResult again = client.send(bank.buffer, 0, bank.transfer(correlationId++, 1, 2, 1, 5000),
            TIMEOUT_NS);
        assertEquals(Outcome.DUPLICATE, again.outcome(), "the first transfer's key again: " + again);

        long total = 0;
        for (long account = 1; account <= 4; account++)
        {
            total += ClusterBank.balanceOf(client.send(bank.buffer, 0, bank.balance(correlationId++, account),
                TIMEOUT_NS));
        }
        assertEquals(400, total, "the total of all balances is the opening total");
        awaitProbeOnAll(client.admin(AdminAction.STATE_HASH, TIMEOUT_NS));
        assertEquals(0, cluster.errors().size(), cluster.errors().toString());
    }

    private long openAccounts(final ClusterBank bank, final long firstCorrelationId, final int count)
    {
        long correlationId = firstCorrelationId;
        for (long account = 1; account <= count; account++)
        {
            assertEquals(Outcome.ACCEPTED,
                client.send(bank.buffer, 0, bank.open(correlationId++, account, 100), TIMEOUT_NS).outcome());
        }
        return correlationId;
    }

    /**
     * Deposit 1 into accounts 1 to 5 in turn, {@code count} times, with keys from {@code firstKey}, every one
     * ACCEPTED.
     *
     * @return the next correlation id.
     */
    private long deposit(final ClusterBank bank, final long firstCorrelationId, final int count, final long firstKey)
    {
        long correlationId = firstCorrelationId;
        for (int i = 0; i < count; i++)
        {
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0,
                bank.deposit(correlationId++, 1 + i % 5, 1, firstKey + i), TIMEOUT_NS).outcome());
        }
        return correlationId;
    }

    private void snapshotOnEveryMember()
    {
        client.admin(AdminAction.TAKE_SNAPSHOT, TIMEOUT_NS);
        for (final SkeinClusterMember node : cluster.nodes)
        {
            Await.until(() -> node.service().snapshots() == 1, TIMEOUT_NS, "every member took the snapshot");
        }
    }

    private static List<Long> expectedSequences(final int count)
    {
        final List<Long> sequences = new ArrayList<>();
        for (long sequence = 1; sequence <= count; sequence++)
        {
            sequences.add(sequence);
        }
        return sequences;
    }

    /**
     * The entry sequence of every event in a member's journal, read through a subscription from its start.
     */
    private static List<Long> entrySequences(final SkeinClusterMember member)
    {
        final List<Long> sequences = new ArrayList<>();
        final long end = member.service().entrySequence();
        try (EventSubscription subscription = EventSubscription.open(member.eventSource(),
            EventSubscription.FROM_START, EventFilter.ALL, (event) -> sequences.add(event.entrySequence()),
            Throwable::printStackTrace))
        {
            Await.until(() ->
            {
                subscription.poll(100);
                return !sequences.isEmpty() && sequences.get(sequences.size() - 1) == end;
            }, TIMEOUT_NS, () -> "the subscription read the member's journal to entry " + end + ": " + sequences);
        }
        return sequences;
    }

    private long awaitProbeOnAll(final long hash)
    {
        final long[] position = new long[1];
        Await.until(() ->
        {
            for (final Map.Entry<Long, Map<Integer, Long>> probe : cluster.probes.entrySet())
            {
                if (probe.getValue().size() == cluster.nodes.length)
                {
                    position[0] = probe.getKey();
                    return true;
                }
            }
            return false;
        }, TIMEOUT_NS, "every member answered the state probe");
        for (final long memberHash : cluster.probes.get(position[0]).values())
        {
            assertEquals(hash, memberHash, "state hash at log position " + position[0]);
        }
        return position[0];
    }
}
