package io.skein.node;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.skein.client.AdminResult;
import io.skein.client.SkeinClient;
import io.skein.codecs.AdminAction;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.examples.bank.BankAccount;
import io.skein.protocol.CommandResult;
import io.skein.protocol.SkeinException;
import io.skein.replication.ReplicationTracker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A leader and followers on loopback, each with its own directory, media driver, archive and ports: followers copy
 * the leader's journal with Aeron Archive replication and apply it; REPLICATED replies wait for followers.
 */
class ReplicationSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(20);

    @TempDir
    File dir;

    private final String archiveControl = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();
    private final String status = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();

    @Test
    void shouldKeepFollowersStateEqualToTheLeadersWithRepliesReleasedOnceTwoFollowersHoldThem() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode leader = leader(2); TestNode first = follower(1); TestNode second = follower(2);
            SkeinClient client = SkeinClient.connect(leader.clientContext()))
        {
            for (int account = 1; account <= 10; account++)
            {
                assertEquals(Outcome.ACCEPTED,
                    client.send(bank.buffer, 0, bank.open(-account, account, 0), TIMEOUT_NS).outcome());
            }
            final List<CommandResult> replies = depositPipelined(client, bank, 2_000, 10);
            final long lastPosition = replies.get(replies.size() - 1).journalPosition();
            assertTrue(leader.node().replicationTracker().followerPosition(1) >= lastPosition);
            assertTrue(leader.node().replicationTracker().followerPosition(2) >= lastPosition);
            assertEquals(2_010, leader.node().engine().counters().journalEntries().get());
            final long lagDeadlineNs = System.nanoTime() + TIMEOUT_NS;
            while (leader.node().replicationTracker().lagEntries() != 0)
            {
                assertTrue(System.nanoTime() < lagDeadlineNs, "the followers' entries lag did not reach 0");
                Thread.sleep(10);
            }

            first.awaitApplied(lastPosition, TIMEOUT_NS);
            second.awaitApplied(lastPosition, TIMEOUT_NS);
            final long leaderHash = leader.node().engine().stateHash(TIMEOUT_NS);
            assertEquals(leaderHash, first.node().engine().stateHash(TIMEOUT_NS));
            assertEquals(leaderHash, second.node().engine().stateHash(TIMEOUT_NS));

            try (SkeinClient reader = SkeinClient.connect(first.clientContext().secret("ops")))
            {
                assertEquals(200, Bank.balanceOf(reader.send(bank.buffer, 0, bank.balance(1, 3), TIMEOUT_NS)),
                    "a follower answers queries from its own state");
                final CommandResult refused = reader.send(bank.buffer, 0, bank.deposit(2, 3, 1, 99_999), TIMEOUT_NS);
                assertEquals(Outcome.REJECTED, refused.outcome());
                assertEquals(RejectReason.UNAVAILABLE, refused.reason());

                final AdminResult asOf = reader.stateAsOf(replies.get(99).journalPosition(), 10, 10, TIMEOUT_NS);
                assertEquals(0, asOf.value(), "type 10 does not exist");
                final AdminResult account = reader.stateAsOf(replies.get(99).journalPosition(),
                    BankAccount.TYPE_ID, 10, TIMEOUT_NS);
                assertEquals(11, account.value(), "opened, then deposits 9, 19, ..., 99: version 11 as of deposit 99");
                assertTrue(account.message().contains("balance=10"), account.message());
                assertEquals(leaderHash, reader.stateAsOf(-1, 0, 0, TIMEOUT_NS).value(),
                    "the follower's time travel to the journal's end matches the leader");
            }
        }
    }

    @Test
    void shouldHoldRepliesUntilAFollowerHoldsThemAndLetARestartedFollowerCatchUp() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode leader = leader(1); SkeinClient client = SkeinClient.connect(leader.clientContext()))
        {
            try (TestNode follower = follower(1))
            {
                assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 5, 0), TIMEOUT_NS).outcome());
                assertEquals(Outcome.ACCEPTED,
                    client.send(bank.buffer, 0, bank.deposit(2, 5, 10, 1), TIMEOUT_NS).outcome());
            }

            final CompletableFuture<CommandResult> held = client.submit(bank.buffer, 0, bank.deposit(3, 5, 7, 2));
            final long holdUntilNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
            while (System.nanoTime() < holdUntilNs)
            {
                client.poll();
                assertFalse(held.isDone(), "no reply while no follower holds the entry");
            }

            try (TestNode follower = follower(1))
            {
                final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                while (!held.isDone())
                {
                    client.poll();
                    assertTrue(System.nanoTime() < deadlineNs, "waiting for the restarted follower");
                }
                final CommandResult result = held.get();
                assertEquals(Outcome.ACCEPTED, result.outcome());
                follower.awaitApplied(result.journalPosition(), TIMEOUT_NS);
                assertEquals(leader.node().engine().stateHash(TIMEOUT_NS),
                    follower.node().engine().stateHash(TIMEOUT_NS));
            }
        }
    }

    @Test
    void shouldKeepOneTrackerSlotForAFollowerRestartedMoreTimesThanThereAreSlots() throws Exception
    {
        final Bank bank = new Bank();
        final File followerDir = new File(dir, "restarting");
        try (TestNode leader = leader(0); SkeinClient client = SkeinClient.connect(leader.clientContext()))
        {
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(0, 6, 0), TIMEOUT_NS).outcome());
            long followerId = 0;
            // The same ports at every start (each start closes the last): fresh ports each time could race with
            // other processes taking them between choosing and binding.
            final String ingress = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();
            final String control = "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();
            for (int start = 0; start <= ReplicationTracker.MAX_FOLLOWERS; start++)
            {
                try (TestNode follower = TestNode.launch(followerDir, ingress, (ctx) ->
                {
                    ctx.name("restarting").leaderArchiveControlChannel(archiveControl).replicationStatusChannel(status);
                    ctx.archiveContext().controlChannel(control);
                }))
                {
                    if (0 == start)
                    {
                        followerId = follower.node().context().followerId();
                    }
                    assertEquals(followerId, follower.node().context().followerId(),
                        "start " + start + " kept the id chosen at the first start");
                    final long position = client.send(bank.buffer, 0, bank.deposit(start + 1, 6, 1, start + 1),
                        TIMEOUT_NS).journalPosition();
                    final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                    while (leader.node().replicationTracker().followerPosition(followerId) < position)
                    {
                        assertTrue(System.nanoTime() < deadlineNs, "start " + start + ": the leader did not hear " +
                            "the follower's reports (" + leader.node().replicationTracker().knownFollowers() +
                            " followers known)");
                        Thread.sleep(5);
                    }
                }
            }
            assertEquals(1, leader.node().replicationTracker().knownFollowers());
        }
    }

    @Test
    void shouldRefuseAnOrdinarySessionsPromoteAndChangeNothing() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode leader = leader(0); TestNode follower = TestNode.launch(new File(dir, "follower-1"), (ctx) ->
        {
            ctx.name("follower-1").followerId(1).leaderArchiveControlChannel(archiveControl)
                .replicationStatusChannel(status).operatorSecret("operators");
            ctx.archiveContext().controlChannel("aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort());
        }))
        {
            try (SkeinClient client = SkeinClient.connect(leader.clientContext()))
            {
                assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 4, 5), TIMEOUT_NS).outcome());
            }
            follower.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
            try (SkeinClient ordinary = SkeinClient.connect(follower.clientContext()))
            {
                final SkeinException refused = assertThrows(SkeinException.class,
                    () -> ordinary.admin(AdminAction.PROMOTE, TIMEOUT_NS));
                assertTrue(refused.getMessage().contains("not authorised"), refused.getMessage());
            }
            assertFalse(follower.node().isLeader(), "the refused promote changed nothing");
            assertTrue(follower.node().engine().isFollower());
            assertEquals(0, follower.node().epoch());
            assertFalse(leader.node().isDeposed());

            try (SkeinClient operator = SkeinClient.connect(follower.clientContext().secret("operators")))
            {
                assertEquals(1, operator.admin(AdminAction.PROMOTE, TIMEOUT_NS));
            }
            assertTrue(follower.node().isLeader());
        }
    }

    @Test
    void shouldDeposeALeaderThatHearsOfANewerEpoch() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode leader = leader(0); TestNode follower = follower(1))
        {
            try (SkeinClient client = SkeinClient.connect(leader.clientContext()))
            {
                assertTrue(client.isLeader());
                assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 8, 5), TIMEOUT_NS).outcome());
                follower.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);

                assertEquals(1, follower.node().promote());
                final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                while (!leader.node().isDeposed())
                {
                    assertTrue(System.nanoTime() < deadlineNs, "waiting for the old leader to hear of epoch 1");
                    Thread.sleep(1);
                }
                final CommandResult refused = client.send(bank.buffer, 0, bank.deposit(2, 8, 1, 1), TIMEOUT_NS);
                assertEquals(Outcome.REJECTED, refused.outcome());
                assertEquals(RejectReason.UNAVAILABLE, refused.reason());
            }
            try (SkeinClient client = SkeinClient.connect(follower.clientContext()))
            {
                assertTrue(client.isLeader(), "the promoted node says it leads");
                final CommandResult accepted = client.send(bank.buffer, 0, bank.deposit(3, 8, 1, 2), TIMEOUT_NS);
                assertEquals(Outcome.ACCEPTED, accepted.outcome());
                assertEquals(6, Bank.balanceOf(client.send(bank.buffer, 0, bank.balance(4, 8), TIMEOUT_NS)),
                    "the new leader has the old leader's state, without the deposit the deposed leader refused");
            }
        }
    }

    @Test
    void shouldBootstrapANewFollowerFromTheLeadersSnapshotWhenTheLeaderCompactedItsJournal() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode leader = TestNode.launch(new File(dir, "leader"), (ctx) ->
        {
            ctx.name("leader").replicationStatusChannel(status);
            ctx.archiveContext().controlChannel(archiveControl);
            ctx.engineContext().snapshotRetention(1).compactJournal(true);
        });
            SkeinClient client = SkeinClient.connect(leader.clientContext()))
        {
            for (int account = 1; account <= 10; account++)
            {
                assertEquals(Outcome.ACCEPTED,
                    client.send(bank.buffer, 0, bank.open(-account, account, 0), TIMEOUT_NS).outcome());
            }
            depositPipelined(client, bank, 15_000, 10);
            final long snapshot = leader.node().engine().takeSnapshot(TIMEOUT_NS);
            assertTrue(leader.node().journal().startPosition() > 0, "the leader compacted its journal");
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.deposit(-1, 1, 5, 99_999), TIMEOUT_NS)
                .outcome());

            try (TestNode follower = follower(1))
            {
                assertEquals(snapshot, follower.node().replicator().bootstrapSnapshotPosition());
                assertEquals(snapshot, follower.node().engine().startedFromSnapshotAt());
                follower.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
                assertEquals(leader.node().engine().stateHash(TIMEOUT_NS),
                    follower.node().engine().stateHash(TIMEOUT_NS));
            }
        }
    }

    @Test
    void shouldNotCompactWhatALaggingFollowerStillNeeds() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode leader = TestNode.launch(new File(dir, "leader"), (ctx) ->
        {
            ctx.name("leader").replicationStatusChannel(status);
            ctx.archiveContext().controlChannel(archiveControl);
            ctx.engineContext().snapshotRetention(1).compactJournal(true);
        });
            SkeinClient client = SkeinClient.connect(leader.clientContext()))
        {
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(-1, 1, 0), TIMEOUT_NS).outcome());
            final long lagging;
            try (TestNode follower = follower(1))
            {
                follower.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
                final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                while (leader.node().replicationTracker().followerPosition(1) < leader.node().journal().position())
                {
                    assertTrue(System.nanoTime() < deadlineNs, "waiting for the follower's report");
                    Thread.sleep(1);
                }
                lagging = leader.node().replicationTracker().followerPosition(1);
            }
            depositPipelined(client, bank, 15_000, 1);
            leader.node().engine().takeSnapshot(TIMEOUT_NS);
            assertTrue(leader.node().journal().startPosition() <= lagging,
                "compaction stopped at the lagging follower's position " + lagging);

            try (TestNode follower = follower(1))
            {
                follower.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
                assertEquals(leader.node().engine().stateHash(TIMEOUT_NS),
                    follower.node().engine().stateHash(TIMEOUT_NS));
            }
        }
    }

    @Test
    void shouldSnapshotOnAFollowerSoItsRestartReplaysOnlyTheTail() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode leader = leader(0); SkeinClient client = SkeinClient.connect(leader.clientContext()))
        {
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(-1, 4, 0), TIMEOUT_NS).outcome());
            try (TestNode follower = snapshottingFollower())
            {
                for (int i = 0; i < 1_200; i++)
                {
                    assertEquals(Outcome.ACCEPTED,
                        client.send(bank.buffer, 0, bank.deposit(i, 4, 1, i + 1), TIMEOUT_NS).outcome());
                }
                follower.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
            }
            try (TestNode follower = snapshottingFollower())
            {
                assertTrue(follower.node().engine().startedFromSnapshotAt() > 0, "restarted from its own snapshot");
                assertTrue(follower.node().engine().recoveredEntries() < 500,
                    "replayed only the tail: " + follower.node().engine().recoveredEntries());
                follower.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
                assertEquals(leader.node().engine().stateHash(TIMEOUT_NS),
                    follower.node().engine().stateHash(TIMEOUT_NS));
            }
        }
    }

    private TestNode snapshottingFollower()
    {
        return TestNode.launch(new File(dir, "follower-snapshots"), (ctx) ->
        {
            ctx.name("follower").followerId(5).leaderArchiveControlChannel(archiveControl)
                .replicationStatusChannel(status);
            ctx.engineContext().snapshotEveryEntries(500).snapshotRetention(2);
        });
    }

    @Test
    void shouldApplyTransfersOnAFollowerExactlyAsTheLeaderDid() throws Exception
    {
        final Bank bank = new Bank();
        final int accounts = 6;
        try (TestNode leader = leader(1); TestNode follower = follower(1);
            SkeinClient client = SkeinClient.connect(leader.clientContext()))
        {
            for (int account = 1; account <= accounts; account++)
            {
                assertEquals(Outcome.ACCEPTED,
                    client.send(bank.buffer, 0, bank.open(-account, account, 1_000), TIMEOUT_NS).outcome());
            }
            long lastPosition = 0;
            int accepted = 0;
            for (int i = 0; i < 300; i++)
            {
                final long payer = 1 + i % accounts;
                final long payee = 1 + (i * 5 + 1) % accounts;
                final CommandResult result = client.send(bank.buffer, 0,
                    bank.transfer(i, payer, payee, 1 + (i * 37) % 400), TIMEOUT_NS);
                if (result.outcome() == Outcome.ACCEPTED)
                {
                    accepted++;
                    lastPosition = result.journalPosition();
                }
                else
                {
                    assertEquals(Outcome.REJECTED, result.outcome(), "transfer " + i + ": " + result);
                }
            }
            assertTrue(accepted > 100, accepted + " transfers accepted");
            follower.awaitApplied(lastPosition, TIMEOUT_NS);
            assertEquals(leader.node().engine().stateHash(TIMEOUT_NS), follower.node().engine().stateHash(TIMEOUT_NS),
                "the follower applied every transfer's two events as the leader did");
            try (SkeinClient reader = SkeinClient.connect(follower.clientContext().secret("ops")))
            {
                long total = 0;
                for (int account = 1; account <= accounts; account++)
                {
                    total += Bank.balanceOf(reader.send(bank.buffer, 0, bank.balance(-100 - account, account),
                        TIMEOUT_NS));
                }
                assertEquals(accounts * 1_000L, total, "the follower's total is the opening total");
            }
        }
    }

    private TestNode leader(final int requiredFollowers)
    {
        return TestNode.launch(new File(dir, "leader"), (ctx) ->
        {
            ctx.name("leader").replicationStatusChannel(status).replicatedFollowers(requiredFollowers);
            ctx.archiveContext().controlChannel(archiveControl);
        });
    }

    private TestNode follower(final int id)
    {
        return TestNode.launch(new File(dir, "follower-" + id), (ctx) ->
        {
            ctx.name("follower-" + id).followerId(id).leaderArchiveControlChannel(archiveControl)
                .replicationStatusChannel(status).operatorSecret("ops");
            ctx.archiveContext().controlChannel("aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort());
        });
    }

    /**
     * Send deposits without waiting for each reply (retrying while back-pressured), then wait for every reply.
     *
     * @return every result, all ACCEPTED, in the order sent.
     */
    private static List<CommandResult> depositPipelined(
        final SkeinClient client, final Bank bank, final int count, final int accounts) throws Exception
    {
        final List<CompletableFuture<CommandResult>> replies = new ArrayList<>();
        for (int i = 0; i < count; i++)
        {
            CompletableFuture<CommandResult> reply;
            while ((reply = client.submit(bank.buffer, 0, bank.deposit(i, 1 + i % accounts, 1, i + 1)))
                .isCompletedExceptionally())
            {
                client.poll();
            }
            replies.add(reply);
            client.poll();
        }
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        final List<CommandResult> results = new ArrayList<>();
        for (final CompletableFuture<CommandResult> reply : replies)
        {
            while (!reply.isDone())
            {
                client.poll();
                assertTrue(System.nanoTime() < deadlineNs, "waiting for replies");
            }
            assertEquals(Outcome.ACCEPTED, reply.get().outcome());
            results.add(reply.get());
        }
        return results;
    }
}
