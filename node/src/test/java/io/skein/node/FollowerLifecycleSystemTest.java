package io.skein.node;

import java.io.File;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import io.skein.client.AdminResult;
import io.skein.client.SkeinClient;
import io.skein.codecs.AdminAction;
import io.skein.codecs.Outcome;
import io.skein.protocol.SkeinException;
import io.skein.replication.JournalReplicator;
import io.skein.testsupport.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A follower's life around its leader's: it starts while its leader is down (from its own copy: it serves queries,
 * reports the leader unreachable, can be promoted), copies again when the leader comes back, and a running follower
 * is re-pointed at a newly promoted leader without a restart (refusing when it holds entries the new leader never
 * had, which a restart then cuts off).
 */
class FollowerLifecycleSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final String OPERATOR = "operators";
    private static final String[] LEADER_GONE = {
        "replication image closed unexpectedly",
        "connection to the archive is no longer available",
        "connection to the archive has been closed",
        "ERROR - not connected"};

    @TempDir
    File dir;

    private final String leaderArchive = channel();
    private final String leaderStatus = channel();
    private final String leaderIngress = channel();
    private final String[] followerArchive = {channel(), channel()};
    private final String[] followerStatus = {channel(), channel()};
    private final String[] followerIngress = {channel(), channel()};

    @Test
    void shouldStartWithoutItsLeaderServeQueriesCatchUpWhenItReturnsAndBePromotable() throws Exception
    {
        final Bank bank = new Bank();
        try (TestNode leader = leader(); SkeinClient client = SkeinClient.connect(leader.clientContext()))
        {
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 1, 10), TIMEOUT_NS).outcome());
            try (TestNode follower = follower(0, leaderArchive, leaderStatus))
            {
                follower.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
            }
        }

        final long startNs = System.nanoTime();
        try (TestNode follower = follower(0, leaderArchive, leaderStatus))
        {
            final long startedNs = System.nanoTime() - startNs;
            assertTrue(startedNs < TimeUnit.SECONDS.toNanos(15), "started in " + startedNs / 1_000_000 + " ms");
            assertEquals(JournalReplicator.State.LEADER_UNREACHABLE, follower.node().replicator().state());
            Await.until(() -> follower.node().isLeaderUnreachable(), TIMEOUT_NS,
                "the follower reports its leader unreachable");
            try (SkeinClient reader = SkeinClient.connect(follower.clientContext()))
            {
                assertEquals(10, Bank.balanceOf(reader.send(bank.buffer, 0, bank.balance(2, 1), TIMEOUT_NS)),
                    "queries are answered from the follower's own copy");
            }

            try (TestNode leader = leader(); SkeinClient client = SkeinClient.connect(leader.clientContext()))
            {
                assertEquals(Outcome.ACCEPTED,
                    client.send(bank.buffer, 0, bank.deposit(3, 1, 5, 3), TIMEOUT_NS).outcome());
                follower.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
                assertEquals(leader.node().engine().stateHash(TIMEOUT_NS),
                    follower.node().engine().stateHash(TIMEOUT_NS));
                assertEquals(JournalReplicator.State.REPLICATING, follower.node().replicator().state());
                Await.until(() -> !follower.node().isLeaderUnreachable(), TIMEOUT_NS,
                    "the follower hears its leader again");
            }

            Await.until(() -> follower.node().isLeaderUnreachable(), TIMEOUT_NS,
                "the follower notices its leader went away again");
            try (SkeinClient operator = SkeinClient.connect(follower.clientContext().secret(OPERATOR)))
            {
                assertEquals(1, operator.admin(AdminAction.PROMOTE, TIMEOUT_NS));
                assertEquals(Outcome.ACCEPTED,
                    operator.send(bank.buffer, 0, bank.deposit(4, 1, 1, 4), TIMEOUT_NS).outcome());
                assertEquals(16, Bank.balanceOf(operator.send(bank.buffer, 0, bank.balance(5, 1), TIMEOUT_NS)));
            }
        }
    }

    @Test
    void shouldRePointARunningFollowerAtAPromotedLeaderWithoutARestart() throws Exception
    {
        final Bank bank = new Bank();
        final TestNode leader = leader();
        try (TestNode first = follower(0, leaderArchive, leaderStatus);
            TestNode second = follower(1, leaderArchive, leaderStatus))
        {
            try (SkeinClient client = SkeinClient.connect(leader.clientContext()))
            {
                assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 1, 0), TIMEOUT_NS).outcome());
                for (int i = 0; i < 50; i++)
                {
                    assertEquals(Outcome.ACCEPTED,
                        client.send(bank.buffer, 0, bank.deposit(i, 1, 1, i + 1), TIMEOUT_NS).outcome());
                }
                first.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
                second.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
            }
            leader.close();
            Await.until(() -> first.node().isLeaderUnreachable(), TIMEOUT_NS,
                "the first follower notices its leader went away");
            assertEquals(1, first.node().promote());

            try (SkeinClient ordinary = SkeinClient.connect(second.clientContext()))
            {
                assertTrue(assertThrows(SkeinException.class,
                    () -> ordinary.follow(followerArchive[0], followerStatus[0], TIMEOUT_NS)).getMessage()
                    .contains("not authorised"));
            }
            try (SkeinClient operator = SkeinClient.connect(second.clientContext().secret(OPERATOR)))
            {
                assertTrue(assertThrows(SkeinException.class,
                    () -> operator.follow("aeron:ipc", null, TIMEOUT_NS)).getMessage().contains("UDP channel"));
                final AdminResult answer = operator.follow(followerArchive[0], followerStatus[0], TIMEOUT_NS);
                assertTrue(answer.message().startsWith("following the leader at " + followerArchive[0]),
                    answer.message());
            }
            try (SkeinClient client = SkeinClient.connect(first.clientContext()))
            {
                for (int i = 50; i < 80; i++)
                {
                    assertEquals(Outcome.ACCEPTED,
                        client.send(bank.buffer, 0, bank.deposit(i, 1, 1, i + 1), TIMEOUT_NS).outcome());
                }
            }
            final long position = first.node().journal().position();
            second.awaitApplied(position, TIMEOUT_NS);
            assertEquals(first.node().engine().stateHash(TIMEOUT_NS), second.node().engine().stateHash(TIMEOUT_NS));
            assertEquals(followerArchive[0], second.node().replicator().leaderControlChannel());
            Await.until(() -> first.node().replicationTracker().followerPosition(2) >= position, TIMEOUT_NS,
                "the re-pointed follower reports to its new leader");
            assertFalse(second.node().isLeader());
        }
    }

    @Test
    void shouldRefuseToRePointAFollowerThatAppliedEntriesTheNewLeaderNeverHadUntilARestartCutsThemOff()
        throws Exception
    {
        final Bank bank = new Bank();
        final TestNode leader = leader();
        TestNode first = follower(0, leaderArchive, leaderStatus);
        final String[] divergence = Arrays.copyOf(LEADER_GONE, LEADER_GONE.length + 1);
        divergence[LEADER_GONE.length] = "were never the new leader's";
        try (TestNode second = follower(1, leaderArchive, leaderStatus).expectError(divergence))
        {
            try (SkeinClient client = SkeinClient.connect(leader.clientContext()))
            {
                assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(1, 1, 0), TIMEOUT_NS).outcome());
                first.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
                first.close();
                for (int i = 0; i < 20; i++)
                {
                    assertEquals(Outcome.ACCEPTED,
                        client.send(bank.buffer, 0, bank.deposit(i, 1, 1, i + 1), TIMEOUT_NS).outcome());
                }
                second.awaitApplied(leader.node().journal().position(), TIMEOUT_NS);
            }
            leader.close();
            first = follower(0, leaderArchive, leaderStatus);
            assertEquals(1, first.node().promote(), "a follower started while its leader is down can be promoted");
            final long hashBefore = second.node().engine().stateHash(TIMEOUT_NS);

            second.node().follow(followerArchive[0], followerStatus[0]);
            final TestNode divergent = second;
            Await.until(() -> divergent.node().replicator().state() == JournalReplicator.State.DIVERGED, TIMEOUT_NS,
                "the follower sees that it applied entries the new leader never had");
            assertTrue(second.node().replicator().lastFailure().contains("never the new leader's"),
                second.node().replicator().lastFailure());
            assertEquals(hashBefore, second.node().engine().stateHash(TIMEOUT_NS), "nothing was cut under the engine");
        }
        try (TestNode newLeader = first; TestNode rejoined = follower(1, followerArchive[0], followerStatus[0]))
        {
            assertTrue(rejoined.node().replicator().truncatedBytes() > 0);
            try (SkeinClient client = SkeinClient.connect(newLeader.clientContext()))
            {
                assertEquals(Outcome.ACCEPTED,
                    client.send(bank.buffer, 0, bank.deposit(100, 1, 7, 100), TIMEOUT_NS).outcome());
            }
            rejoined.awaitApplied(newLeader.node().journal().position(), TIMEOUT_NS);
            assertEquals(newLeader.node().engine().stateHash(TIMEOUT_NS),
                rejoined.node().engine().stateHash(TIMEOUT_NS));
        }
    }

    private TestNode leader()
    {
        return TestNode.launch(new File(dir, "leader"), leaderIngress, (ctx) ->
        {
            ctx.name("leader").replicationStatusChannel(leaderStatus).followerTimeoutNs(TimeUnit.SECONDS.toNanos(1));
            ctx.archiveContext().controlChannel(leaderArchive);
        });
    }

    private TestNode follower(final int index, final String archive, final String status)
    {
        return TestNode.launch(new File(dir, "follower-" + index), followerIngress[index], (ctx) ->
        {
            ctx.name("follower-" + index).followerId(index + 1).leaderArchiveControlChannel(archive)
                .replicationStatusChannel(status).ownReplicationStatusChannel(followerStatus[index])
                .followerTimeoutNs(TimeUnit.SECONDS.toNanos(1)).connectTimeoutNs(TimeUnit.SECONDS.toNanos(2))
                .operatorSecret(OPERATOR);
            ctx.archiveContext().controlChannel(followerArchive[index]);
        }).expectError(LEADER_GONE);
    }

    private static String channel()
    {
        return "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();
    }
}
