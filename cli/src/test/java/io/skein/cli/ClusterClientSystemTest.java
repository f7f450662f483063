package io.skein.cli;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.skein.cluster.ClusterMembers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Three {@code skein cluster} members in processes of their own, driven by {@code skein send --cluster} and
 * {@code skein load --cluster} in this one: the same outcomes and report as against a node, idempotency keys
 * answered DUPLICATE, {@code skein events tail --cluster} reading a follower, and the members stopping cleanly on
 * SIGTERM.
 */
class ClusterClientSystemTest
{
    private static final ClusterMembers SPEC = ClusterMembers.local("localhost", 9700, 3);
    private static final String KEY = "123e4567-e89b-12d3-a456-426614174000";

    @TempDir
    File dir;

    private final MemberProcess[] members = new MemberProcess[3];
    private final ByteArrayOutputStream memberOutput = new ByteArrayOutputStream();

    @AfterEach
    void tearDown() throws Exception
    {
        for (final MemberProcess member : members)
        {
            if (null != member)
            {
                member.destroyForcibly();
                member.awaitExit(TimeUnit.SECONDS.toNanos(10));
            }
        }
    }

    @Test
    void shouldSendAndLoadThroughTheLeaderOfMembersStartedWithSkeinCluster()
    {
        assertTimeoutPreemptively(Duration.ofSeconds(120), this::sendAndLoad);
    }

    private void sendAndLoad() throws Exception
    {
        final MemberWatch watch = new MemberWatch();
        final PrintStream out = new PrintStream(memberOutput, true, StandardCharsets.UTF_8);
        final long startNs = System.nanoTime();
        for (int i = 0; i < members.length; i++)
        {
            members[i] = MemberProcess.start(i, SPEC, new File(dir, "member-" + i), watch, out,
                SkeinCli.class.getName(), "cluster");
        }
        final MemberWatch.LeaderLine leader = watch.awaitLeader(-1, startNs, TimeUnit.SECONDS.toNanos(60));
        assertNotNull(leader, "a leader is elected: " + memberOutput());
        assertNotNull(watch.awaitElectionClosed(leader.memberId, startNs, TimeUnit.SECONDS.toNanos(30)),
            memberOutput());

        final String cluster = SPEC.toString();
        final CliRun open = CliRun.run("send", "--cluster", cluster, "--aggregate", "account:42", "OpenAccount",
            "ownerId=7", "initialDeposit=100");
        assertEquals(0, open.exitCode, open.toString());
        assertTrue(open.out.startsWith("ACCEPTED account:42 version 1, log position "), open.toString());
        final CliRun deposit = CliRun.run("send", "--cluster", cluster, "--aggregate", "account:42", "Deposit",
            "amount=50", "--key", KEY);
        assertEquals(0, deposit.exitCode, deposit.toString());
        assertTrue(deposit.out.startsWith("ACCEPTED account:42 version 2"), deposit.toString());
        final CliRun retry = CliRun.run("send", "--cluster", cluster, "--aggregate", "account:42", "Deposit",
            "amount=50", "--key", KEY);
        assertEquals(0, retry.exitCode, retry.toString());
        assertTrue(retry.out.startsWith("DUPLICATE account:42 version 2"), retry.toString());
        final CliRun overdraw = CliRun.run("send", "--cluster", cluster, "--aggregate", "account:42", "Withdraw",
            "amount=1000");
        assertEquals(4, overdraw.exitCode, overdraw.toString());
        assertTrue(overdraw.out.contains("REJECTED") && overdraw.out.contains("insufficient funds"),
            overdraw.toString());
        final CliRun balance = CliRun.run("send", "--cluster", cluster, "--aggregate", "account:42", "GetBalance",
            "unused=0");
        assertTrue(balance.out.contains("reply Balance{balance=150, status=OPEN, ownerId=7, reserved=0}"),
            balance.toString());

        final CliRun load = CliRun.run("load", "--cluster", cluster, "--workload", "BANK", "--aggregates", "4",
            "--rate", "0", "--count", "2000", "--warmup", "0");
        assertEquals(0, load.exitCode, load.toString());
        assertTrue(load.out.contains("Outcomes: accepted 2,000  rejected 0  conflicts 0  duplicates 0  errors 0  " +
            "unknown 0"), load.toString());
        assertTrue(load.out.contains("Cluster: 0 leader changes followed, 0 commands resent"), load.toString());

        // Events from a follower's journal (any member serves), the same lines as a node's tail.
        final CliRun tail = CliRun.run("events", "tail", "--cluster", cluster, "--member",
            String.valueOf((leader.memberId + 1) % 3), "--count", "3");
        assertEquals(0, tail.exitCode, tail.toString());
        assertEquals(3, tail.out.lines().filter((line) -> line.startsWith("#")).count(), tail.toString());
        assertTrue(tail.out.startsWith("#1 pos=") && tail.out.contains(" account:42 v1 ") &&
            tail.out.contains(" account:42 v2 "), tail.toString());
        assertTrue(tail.err.contains("following member " + (leader.memberId + 1) % 3 + " from 0"), tail.toString());
        final CliRun noMember = CliRun.run("events", "tail", "--cluster", cluster, "--member", "5");
        assertEquals(1, noMember.exitCode, noMember.toString());
        assertEquals("skein: --member 5: the cluster has members 0 to 2", noMember.err.trim());

        final CliRun secret = CliRun.run("send", "--cluster", cluster, "--secret", "s3cr3t", "--aggregate",
            "account:42", "GetBalance", "unused=0");
        assertEquals(1, secret.exitCode, secret.toString());
        assertEquals("skein: a cluster takes no shared secret: --secret and --secret-file are for a node",
            secret.err.trim());
        final CliRun badList = CliRun.run("load", "--cluster", "localhost", "--count", "10", "--rate", "0");
        assertEquals(1, badList.exitCode, badList.toString());
        assertEquals(1, badList.err.trim().lines().count(), badList.toString());
        assertTrue(badList.err.startsWith("skein: --cluster: cluster member 'localhost' is not host:port"),
            badList.toString());

        for (final MemberProcess member : members)
        {
            member.terminate();
        }
        for (final MemberProcess member : members)
        {
            member.awaitExit(TimeUnit.SECONDS.toNanos(20));
        }
        final String output = memberOutput();
        System.out.println(output);
        assertTrue(output.contains("skein cluster member 0 of 3 started in "), output);
        assertTrue(output.contains(" election CLOSED"), output);
        assertFalse(output.contains(" error: ") || output.contains("Exception"), output);
    }

    private String memberOutput()
    {
        return memberOutput.toString(StandardCharsets.UTF_8);
    }
}
