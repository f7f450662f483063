package io.skein.cluster;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.skein.codecs.AdminAction;
import io.skein.codecs.Outcome;
import io.skein.protocol.CommandResult;
import io.skein.testsupport.ForkedJvm;
import org.agrona.IoUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Three members, each in a JVM of its own on loopback, and a client in this one: the leader killed with SIGKILL
 * under load, a new leader elected, the client reaching it on its own, every acknowledged command there exactly once;
 * then a killed follower restarted (catching up from its snapshot and the log) and a member whose directory was
 * wiped rejoining, every member's state hash equal at one log position.
 */
class ClusterFailoverSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int ACCOUNTS = 20;
    private static final long INITIAL = 1_000;
    private static final Pattern PROBE = Pattern.compile("member (\\d+) state-hash position=(\\d+) entry=(\\d+) " +
        "hash=([0-9a-f]+)");

    @TempDir
    File dir;

    private final ForkedJvm[] members = new ForkedJvm[3];
    private final ClusterMembers spec = ClusterMembers.local("localhost", 22000, 3);
    private SkeinClusterClient client;

    @AfterEach
    void tearDown()
    {
        if (null != client)
        {
            client.close();
        }
        for (final ForkedJvm member : members)
        {
            if (null != member)
            {
                member.close();
            }
        }
    }

    @Test
    void leaderKilledUnderLoadLosesNoAcknowledgedCommandAndMembersRejoin()
    {
        for (int i = 0; i < 3; i++)
        {
            start(i);
        }
        final int leader = awaitLeader(-1, new int[3]);
        client = SkeinClusterClient.connect(new SkeinClusterClient.Context().members(spec).termLength(256 * 1024));
        final ClusterBank bank = new ClusterBank();
        long correlationId = 1;
        for (long account = 1; account <= ACCOUNTS; account++)
        {
            final CommandResult opened = client.send(bank.buffer, 0, bank.open(correlationId++, account, INITIAL),
                TIMEOUT_NS);
            assertEquals(Outcome.ACCEPTED, opened.outcome(), opened.toString());
        }

        // A subscriber follows the leader's journal; when the leader is killed it resumes on a survivor.
        final List<Long> events = new ArrayList<>();
        final MemberSubscription subscription = client.subscribe(leader, SkeinClusterClient.FROM_START, 0, null,
            (event) -> events.add(event.entrySequence()), TIMEOUT_NS);

        // Deposits with keys, up to 32 in flight; the leader is killed after the first 1,500 are acknowledged.
        final Map<Long, Long> acknowledged = new HashMap<>();
        final Map<Long, CompletableFuture<CommandResult>> inFlight = new HashMap<>();
        final int[] roleLines = new int[3];
        for (int i = 0; i < 3; i++)
        {
            roleLines[i] = members[i].lines().size();
        }
        long nextKey = 1;
        long killedAtNs = 0;
        long electionNs = 0;
        final long total = 4_000;
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (acknowledged.size() < total)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail("load did not finish: " + acknowledged.size() + " acknowledged, " + inFlight.size() +
                    " in flight, " + client.leaderChanges() + " leader changes");
            }
            while (inFlight.size() < 32 && nextKey <= total)
            {
                final long key = nextKey++;
                inFlight.put(key, client.submit(bank.buffer, 0,
                    bank.deposit(correlationId++, 1 + key % ACCOUNTS, key, key)));
            }
            client.poll();
            inFlight.entrySet().removeIf((entry) ->
            {
                final CompletableFuture<CommandResult> future = entry.getValue();
                if (!future.isDone())
                {
                    return false;
                }
                final CommandResult result = future.join();
                assertTrue(result.outcome() == Outcome.ACCEPTED || result.outcome() == Outcome.DUPLICATE,
                    result.toString());
                acknowledged.put(entry.getKey(), result.sequence());
                return true;
            });
            if (0 == killedAtNs && acknowledged.size() >= 1_500)
            {
                members[leader].kill();
                killedAtNs = System.nanoTime();
            }
            if (0 != killedAtNs && 0 == electionNs && newLeader(leader, roleLines) >= 0)
            {
                electionNs = System.nanoTime() - killedAtNs;
            }
            Thread.onSpinWait();
        }
        if (0 == electionNs)
        {
            awaitLeader(leader, roleLines);
            electionNs = System.nanoTime() - killedAtNs;
        }
        System.out.println("ClusterFailoverSystemTest: new leader " + (electionNs / 1_000_000) + " ms after the " +
            "SIGKILL; the client followed " + client.leaderChanges() + " leader change(s), resent " +
            client.resent() + " command(s), reconnected " + client.reconnects() + " time(s)");
        assertTrue(client.leaderChanges() + client.reconnects() >= 1, "the client reached the new leader");
        assertNotEquals(leader, client.leaderMemberId());

        // The subscriber resumes on a survivor where the killed leader's replay left it: every entry once, in order.
        final long heardFromKilled = subscription.entrySequence();
        subscription.close();
        final MemberSubscription resumed = client.subscribe((leader + 1) % 3, subscription.position(),
            subscription.entrySequence(), null, (event) -> events.add(event.entrySequence()), TIMEOUT_NS);
        final long lastEntry = ACCOUNTS + total;
        final long subscribeDeadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (resumed.entrySequence() < lastEntry && null == resumed.failure())
        {
            assertTrue(System.nanoTime() - subscribeDeadlineNs < 0, "the resumed subscription reached entry " +
                lastEntry + ": at " + resumed.entrySequence() + ", " + resumed.state());
            client.poll();
            Thread.onSpinWait();
        }
        assertNull(resumed.failure());
        assertTrue(heardFromKilled > ACCOUNTS, "the subscriber heard the killed leader: to entry " +
            heardFromKilled);
        assertEquals(lastEntry, events.size());
        for (int i = 0; i < events.size(); i++)
        {
            assertEquals(i + 1, events.get(i), "event " + i);
        }
        resumed.close();

        // Every acknowledged deposit is there exactly once: the balances add up, and each key answers DUPLICATE.
        assertBalances(bank, correlationId, total);
        correlationId += ACCOUNTS;
        for (long key = 1; key <= total; key += 97)
        {
            final CommandResult again = client.send(bank.buffer, 0,
                bank.deposit(correlationId++, 1 + key % ACCOUNTS, key, key), TIMEOUT_NS);
            assertEquals(Outcome.DUPLICATE, again.outcome(), again.toString());
            assertEquals(acknowledged.get(key), again.sequence(), "deposit " + key + " keeps its original sequence");
        }

        // The killed leader restarts from its snapshot and log and catches up.
        start(leader);
        assertProbesEqual(3);

        // A follower's directory wiped: it rejoins from the other members' log.
        final int wiped = (leader + 1) % 3 == client.leaderMemberId() ? (leader + 2) % 3 : (leader + 1) % 3;
        members[wiped].kill();
        IoUtil.delete(memberDir(wiped), false);
        start(wiped);
        assertProbesEqual(3);
        assertBalances(bank, correlationId, total);

        for (int i = 0; i < 3; i++)
        {
            if (i != leader && i != wiped)
            {
                assertNoErrors(i);
            }
        }
    }

    private void assertBalances(final ClusterBank bank, final long correlationId, final long total)
    {
        final long[] expected = new long[ACCOUNTS + 1];
        for (long key = 1; key <= total; key++)
        {
            expected[(int)(1 + key % ACCOUNTS)] += key;
        }
        for (long account = 1; account <= ACCOUNTS; account++)
        {
            final CommandResult balance = client.send(bank.buffer, 0,
                bank.balance(correlationId + account, account), TIMEOUT_NS);
            assertEquals(Outcome.ACCEPTED, balance.outcome(), balance.toString());
            assertEquals(INITIAL + expected[(int)account], ClusterBank.balanceOf(balance), "account " + account);
        }
    }

    private void assertProbesEqual(final int memberCount)
    {
        final long hash = client.admin(AdminAction.STATE_HASH, TIMEOUT_NS);
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (true)
        {
            final Map<Long, List<Long>> byPosition = new HashMap<>();
            for (final ForkedJvm member : members)
            {
                for (final String line : member.lines())
                {
                    final Matcher matcher = PROBE.matcher(line);
                    if (matcher.find())
                    {
                        byPosition.computeIfAbsent(Long.parseLong(matcher.group(2)), (p) -> new ArrayList<>())
                            .add(Long.parseUnsignedLong(matcher.group(4), 16));
                    }
                }
            }
            for (final List<Long> hashes : byPosition.values())
            {
                if (hashes.size() >= memberCount && hashes.contains(hash))
                {
                    for (final long memberHash : hashes)
                    {
                        assertEquals(hash, memberHash, "every member's state hash at the probe's log position");
                    }
                    return;
                }
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                final StringBuilder report = new StringBuilder();
                for (int i = 0; i < members.length; i++)
                {
                    final List<String> lines = members[i].lines();
                    report.append("\nmember ").append(i).append(" output: ")
                        .append(lines.subList(Math.max(0, lines.size() - 12), lines.size()))
                        .append("\nmember ").append(i).append(" errors: ").append(errorText(i));
                }
                fail("not every member answered the state probe with hash " + Long.toHexString(hash) + ": " +
                    byPosition + report);
            }
            client.poll();
            sleep();
        }
    }

    private void assertNoErrors(final int memberId)
    {
        final File errors = new File(dir, "member-" + memberId + ".err");
        try
        {
            for (final String line : Files.readAllLines(errors.toPath()))
            {
                if (line.startsWith("skein cluster member") && !line.contains(" warning: "))
                {
                    fail("member " + memberId + " reported an error: " + line);
                }
            }
        }
        catch (final IOException ex)
        {
            fail("cannot read " + errors + ": " + ex);
        }
    }

    private int awaitLeader(final int other, final int[] fromLine)
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (true)
        {
            final int leader = newLeader(other, fromLine);
            if (leader >= 0)
            {
                return leader;
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                fail("no member became leader");
            }
            sleep();
        }
    }

    private int newLeader(final int other, final int[] fromLine)
    {
        for (int i = 0; i < 3; i++)
        {
            if (i == other || null == members[i])
            {
                continue;
            }
            final List<String> lines = members[i].lines();
            for (int j = fromLine[i]; j < lines.size(); j++)
            {
                if (lines.get(j).endsWith(" role LEADER"))
                {
                    return i;
                }
            }
        }
        return -1;
    }

    private File memberDir(final int memberId)
    {
        return new File(dir, "data-" + memberId);
    }

    private void start(final int memberId)
    {
        if (null != members[memberId])
        {
            members[memberId].close();
        }
        members[memberId] = ForkedJvm.startWithOutputFile("member-" + memberId, dir, List.of("-Xmx192m"),
            SkeinClusterMemberMain.class, "--member", String.valueOf(memberId), "--members", spec.toString(),
            "--dir", memberDir(memberId).getAbsolutePath(), "--for-tests", "--snapshot-every", "1000");
        try
        {
            members[memberId].awaitLine((line) -> line.contains(" started in "), TIMEOUT_NS);
        }
        catch (final AssertionError ex)
        {
            throw new AssertionError(ex.getMessage() + ":\n" + errorText(memberId), ex);
        }
    }

    private String errorText(final int memberId)
    {
        try
        {
            return String.join("\n", Files.readAllLines(new File(dir, "member-" + memberId + ".err").toPath()));
        }
        catch (final IOException ex)
        {
            return ex.toString();
        }
    }

    private static void sleep()
    {
        try
        {
            Thread.sleep(5);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
