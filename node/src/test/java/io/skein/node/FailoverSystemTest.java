package io.skein.node;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.skein.client.SendResult;
import io.skein.client.SkeinClient;
import io.skein.codecs.Outcome;
import io.skein.protocol.CommandResult;
import io.skein.testsupport.ForkedJvm;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A leader in its own JVM with two followers, REPLICATED to both, under load: the leader is killed with SIGKILL, a
 * follower is promoted, the other follower and then the old leader rejoin it as followers (the old leader cutting
 * off the tail the new leader never had). Every acknowledged deposit is in the new leader's state exactly once,
 * and every node's state hash is the same at the same position.
 */
class FailoverSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int ACCOUNTS = 10;
    /**
     * What a follower's archive reports while replicating from a leader that was killed: the replication's control
     * connection to the dead archive fails, in one of these words depending on timing.
     */
    private static final String[] LEADER_GONE = {
        "connection to the archive is no longer available",
        "connection to the archive has been closed",
        "ERROR - not connected"};

    @TempDir
    File dir;

    private final String leaderIngress = channel();
    private final String leaderArchive = channel();
    private final String leaderStatus = channel();
    private final String firstIngress = channel();
    private final String firstArchive = channel();
    private final String firstStatus = channel();
    private final String secondArchive = channel();
    private final String secondIngress = channel();

    @Test
    void shouldLoseNoAcknowledgedCommandWhenTheLeaderIsKilledAndAFollowerPromoted() throws Exception
    {
        final Bank bank = new Bank();
        final File leaderDir = new File(dir, "leader");
        final ForkedJvm leader = startLeader(leaderDir);
        final File clientDriverDir = Files.createTempDirectory(dir.toPath(), "client-driver").toFile();
        int sent = 0;
        int acknowledged = 0;
        long truncated = 0;
        try (MediaDriver driver = MediaDriver.launch(new MediaDriver.Context()
            .aeronDirectoryName(clientDriverDir.getAbsolutePath())
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 100_000))
            .publicationTermBufferLength(64 * 1024)
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true));
            TestNode first = TestNode.launch(new File(dir, "follower-1"), firstIngress, (ctx) ->
            {
                ctx.name("node-1").followerId(1).leaderArchiveControlChannel(leaderArchive)
                    .replicationStatusChannel(leaderStatus).followerTimeoutNs(TimeUnit.SECONDS.toNanos(1))
                    .ownReplicationStatusChannel(firstStatus).replicatedFollowers(1);
                ctx.archiveContext().controlChannel(firstArchive);
            }).expectError(LEADER_GONE);
            TestNode second = follower(2, secondIngress, secondArchive, leaderArchive, leaderStatus)
                .expectError(LEADER_GONE))
        {
            final boolean[] acked = new boolean[100_000];
            try (SkeinClient client = SkeinClient.connect(new SkeinClient.Context()
                .aeronDirectoryName(driver.aeronDirectoryName())
                .ingressChannels(firstIngress, leaderIngress, secondIngress)
                .connectTimeoutNs(TIMEOUT_NS).listener((reply) ->
                {
                    if (reply.correlationId() >= 0 && reply.outcome() == Outcome.ACCEPTED)
                    {
                        acked[(int)reply.correlationId()] = true;
                    }
                })))
            {
                assertEquals(leaderIngress, client.ingressChannel(), "the client found the leader among the nodes");
                for (int account = 1; account <= ACCOUNTS; account++)
                {
                    assertEquals(Outcome.ACCEPTED,
                        client.send(bank.buffer, 0, bank.open(-account, account, 0), TIMEOUT_NS).outcome());
                }
                final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                while (count(acked, sent) < 1_500)
                {
                    if (sent - count(acked, sent) < 200 &&
                        client.offer(bank.buffer, 0, bank.deposit(sent, account(sent), amount(sent), sent + 1)) ==
                        SendResult.SENT)
                    {
                        sent++;
                    }
                    client.poll();
                    assertTrue(System.nanoTime() < deadlineNs, "acknowledged " + count(acked, sent));
                }
                for (int i = 0; i < 100; i++)
                {
                    if (client.offer(bank.buffer, 0, bank.deposit(sent, account(sent), amount(sent), sent + 1)) ==
                        SendResult.SENT)
                    {
                        sent++;
                    }
                    client.poll();
                }
                assertEquals(137, leader.kill(), "killed by SIGKILL");
                acknowledged = count(acked, sent);
                final long detectDeadlineNs = System.nanoTime() + TIMEOUT_NS;
                while (!first.node().isLeaderUnreachable())
                {
                    assertTrue(System.nanoTime() < detectDeadlineNs, "the follower did not notice the leader died");
                    Thread.sleep(10);
                }
                final boolean[] ackedBeforeKill = acked.clone();

                final long epoch = first.node().promote();
                assertEquals(1, epoch);
                second.close();
                try (TestNode rejoined = follower(2, secondIngress, secondArchive, firstArchive, firstStatus,
                    "follower-2"))
                {
                    client.reconnect(TIMEOUT_NS);
                    assertEquals(firstIngress, client.ingressChannel(), "the client followed the promotion");
                    assertTrue(client.isLeader());

                    int duplicates = 0;
                    long lastPosition = 0;
                    for (int i = 0; i < sent; i++)
                    {
                        final CommandResult result = client.send(bank.buffer, 0,
                            bank.deposit(i, account(i), amount(i), i + 1), TIMEOUT_NS);
                        if (ackedBeforeKill[i])
                        {
                            assertEquals(Outcome.DUPLICATE, result.outcome(), "acknowledged deposit " + i +
                                " was not in the new leader's state");
                        }
                        duplicates += result.outcome() == Outcome.DUPLICATE ? 1 : 0;
                        lastPosition = Math.max(lastPosition, result.journalPosition());
                    }
                    assertTrue(duplicates >= acknowledged);
                    assertTrue(first.node().replicationTracker().followerPosition(2) >= lastPosition,
                        "the new leader's replies waited for the rejoined follower (REPLICATED after the failover)");
                    for (int account = 1; account <= ACCOUNTS; account++)
                    {
                        long expected = 0;
                        for (int i = 0; i < sent; i++)
                        {
                            expected += account(i) == account ? amount(i) : 0;
                        }
                        assertEquals(expected, Bank.balanceOf(client.send(bank.buffer, 0,
                            bank.balance(-100, account), TIMEOUT_NS)), "account " + account +
                            ": every deposit exactly once");
                    }

                    try (TestNode oldLeader = follower(3, channel(), channel(), firstArchive, firstStatus, "leader"))
                    {
                        final long position = first.node().journal().position();
                        rejoined.awaitApplied(position, TIMEOUT_NS);
                        oldLeader.awaitApplied(position, TIMEOUT_NS);
                        final long hash = first.node().engine().stateHash(TIMEOUT_NS);
                        assertEquals(hash, rejoined.node().engine().stateHash(TIMEOUT_NS));
                        assertEquals(hash, oldLeader.node().engine().stateHash(TIMEOUT_NS), "the old leader cut " +
                            "off the tail the new leader never had and caught up");
                        truncated = oldLeader.node().replicator().truncatedBytes();
                    }
                }
            }
        }
        finally
        {
            leader.close();
        }
        System.out.printf("failover: %d deposits sent, %d acknowledged before the kill; the old leader cut off %d " +
            "bytes of journal the new leader never had%n", sent, acknowledged, truncated);
    }

    /**
     * The soak campaign (-Psoak): the whole failover, five times over, each with its own directories and ports.
     *
     * @throws Exception if a run fails.
     */
    @RepeatedTest(5)
    @Tag("soak")
    void shouldLoseNoAcknowledgedCommandAcrossRepeatedFailovers() throws Exception
    {
        shouldLoseNoAcknowledgedCommandWhenTheLeaderIsKilledAndAFollowerPromoted();
    }

    @Test
    void shouldCatchUpAFollowerKilledWithSigkillAndRestarted() throws Exception
    {
        final Bank bank = new Bank();
        final File followerDir = new File(dir, "follower");
        try (TestNode leader = TestNode.launch(new File(dir, "leader-node"), leaderIngress, (ctx) ->
        {
            ctx.name("leader").replicationStatusChannel(leaderStatus).replicatedFollowers(1);
            ctx.archiveContext().controlChannel(leaderArchive);
        }).expectError(LEADER_GONE);
            SkeinClient client = SkeinClient.connect(leader.clientContext()))
        {
            ForkedJvm follower = startNode(followerDir, "follower", "-Dskein.leader.archive.control.channel=" +
                leaderArchive, "-Dskein.replication.status.channel=" + leaderStatus, "-Dskein.follower.id=7");
            assertEquals(Outcome.ACCEPTED, client.send(bank.buffer, 0, bank.open(-1, 1, 0), TIMEOUT_NS).outcome());
            for (int i = 0; i < 500; i++)
            {
                assertEquals(Outcome.ACCEPTED,
                    client.send(bank.buffer, 0, bank.deposit(i, 1, 1, i + 1), TIMEOUT_NS).outcome());
            }
            assertEquals(137, follower.kill(), "killed by SIGKILL");

            final CompletableFuture<CommandResult> held = client.submit(bank.buffer, 0, bank.deposit(500, 1, 1, 501));
            follower = startNode(followerDir, "follower", "-Dskein.leader.archive.control.channel=" + leaderArchive,
                "-Dskein.replication.status.channel=" + leaderStatus, "-Dskein.follower.id=7");
            try
            {
                final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                while (!held.isDone())
                {
                    client.poll();
                    assertTrue(System.nanoTime() < deadlineNs, "the restarted follower did not catch up");
                }
                assertEquals(Outcome.ACCEPTED, held.get().outcome());
                assertTrue(leader.node().replicationTracker().followerPosition(7) >= held.get().journalPosition());
            }
            finally
            {
                follower.close();
            }
        }
    }

    private static int account(final int i)
    {
        return 1 + i % ACCOUNTS;
    }

    private static int amount(final int i)
    {
        return 1 + i % 7;
    }

    private static int count(final boolean[] acked, final int sent)
    {
        int count = 0;
        for (int i = 0; i < sent; i++)
        {
            count += acked[i] ? 1 : 0;
        }
        return count;
    }

    private TestNode follower(
        final int id, final String ingress, final String archive, final String leaderArchive, final String status)
    {
        return follower(id, ingress, archive, leaderArchive, status, "follower-" + id);
    }

    private TestNode follower(
        final int id,
        final String ingress,
        final String archive,
        final String leaderArchiveChannel,
        final String status,
        final String dirName)
    {
        return TestNode.launch(new File(dir, dirName), ingress, (ctx) ->
        {
            ctx.name("node-" + id).followerId(id).leaderArchiveControlChannel(leaderArchiveChannel)
                .replicationStatusChannel(status).followerTimeoutNs(TimeUnit.SECONDS.toNanos(1));
            ctx.archiveContext().controlChannel(archive);
        });
    }

    private ForkedJvm startLeader(final File leaderDir)
    {
        return startNode(leaderDir, "leader",
            "-Dskein.ingress.channel=" + leaderIngress,
            "-Dskein.archive.control.channel=" + leaderArchive,
            "-Dskein.replication.status.channel=" + leaderStatus,
            "-Dskein.replication.followers=2");
    }

    private ForkedJvm startNode(final File nodeDir, final String name, final String... settings)
    {
        nodeDir.mkdirs();
        final List<String> options = new ArrayList<>(List.of(
            "-Dskein.dir=" + nodeDir.getAbsolutePath(),
            "-Dskein.name=" + name,
            "-Dskein.archive.term.length=65536"));
        if (!String.join(" ", settings).contains("skein.ingress.channel"))
        {
            options.add("-Dskein.ingress.channel=" + channel());
        }
        options.addAll(List.of(settings));
        final ForkedJvm node = ForkedJvm.start(name, dir, options, SkeinNodeMain.class);
        node.awaitLine((line) -> line.startsWith(SkeinNodeMain.READY), TimeUnit.SECONDS.toNanos(60));
        return node;
    }

    private static String channel()
    {
        return "aeron:udp?endpoint=localhost:" + TestNode.freeUdpPort();
    }
}
