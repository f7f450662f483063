package io.skein.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What cluster members in processes of their own say, read from the lines they print (those of
 * {@code SkeinClusterMemberMain}): when each became leader and when its elections closed, and the state hash each
 * answered a probe with, by log position. Lines come from the members' output threads; waits are bounded.
 */
final class MemberWatch
{
    private static final Pattern PROBE = Pattern.compile(" state-hash position=(\\d+) entry=(\\d+) hash=([0-9a-f]+)");

    private final List<LeaderLine> leaders = new ArrayList<>();
    private final List<LeaderLine> electionsClosed = new ArrayList<>();
    private final TreeMap<Long, Map<Integer, Long>> probes = new TreeMap<>();

    /**
     * A member's line saying it became leader, or that its election closed.
     */
    static final class LeaderLine
    {
        final int memberId;
        final long atNs;

        LeaderLine(final int memberId, final long atNs)
        {
            this.memberId = memberId;
            this.atNs = atNs;
        }
    }

    /**
     * The state hashes members answered one probe with.
     */
    static final class Probe
    {
        final long position;
        final Map<Integer, Long> hashes;

        Probe(final long position, final Map<Integer, Long> hashes)
        {
            this.position = position;
            this.hashes = hashes;
        }
    }

    /**
     * One line a member printed.
     *
     * @param memberId of the member.
     * @param line     what it printed.
     */
    synchronized void onLine(final int memberId, final String line)
    {
        if (line.endsWith(" role LEADER"))
        {
            leaders.add(new LeaderLine(memberId, System.nanoTime()));
            notifyAll();
            return;
        }
        if (line.endsWith(" election CLOSED"))
        {
            electionsClosed.add(new LeaderLine(memberId, System.nanoTime()));
            notifyAll();
            return;
        }
        final Matcher probe = PROBE.matcher(line);
        if (probe.find())
        {
            probes.computeIfAbsent(Long.parseLong(probe.group(1)), (position) -> new HashMap<>())
                .put(memberId, Long.parseUnsignedLong(probe.group(3), 16));
            notifyAll();
        }
    }

    /**
     * Wait for a member to say it became leader.
     *
     * @param excludedMemberId a member whose lines do not count, or -1.
     * @param afterNs          only lines read after this {@link System#nanoTime()} count.
     * @param timeoutNs        the longest to wait.
     * @return the first such line, or null if none came in time.
     * @throws InterruptedException if interrupted.
     */
    synchronized LeaderLine awaitLeader(final int excludedMemberId, final long afterNs, final long timeoutNs)
        throws InterruptedException
    {
        return await(leaders, -1, excludedMemberId, afterNs, timeoutNs);
    }

    /**
     * Wait for a member to say its election closed (it leads or follows, and takes part in the log again).
     *
     * @param memberId  of the member.
     * @param afterNs   only lines read after this {@link System#nanoTime()} count.
     * @param timeoutNs the longest to wait.
     * @return the first such line, or null if none came in time.
     * @throws InterruptedException if interrupted.
     */
    synchronized LeaderLine awaitElectionClosed(final int memberId, final long afterNs, final long timeoutNs)
        throws InterruptedException
    {
        return await(electionsClosed, memberId, -1, afterNs, timeoutNs);
    }

    private LeaderLine await(
        final List<LeaderLine> lines,
        final int memberId,
        final int excludedMemberId,
        final long afterNs,
        final long timeoutNs) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (true)
        {
            for (final LeaderLine line : lines)
            {
                if ((-1 == memberId || line.memberId == memberId) && line.memberId != excludedMemberId &&
                    line.atNs - afterNs >= 0)
                {
                    return line;
                }
            }
            final long leftNs = deadlineNs - System.nanoTime();
            if (leftNs <= 0)
            {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, leftNs);
        }
    }

    /**
     * The member that said last it became leader.
     *
     * @return its line, or null if none has.
     */
    synchronized LeaderLine latestLeader()
    {
        return leaders.isEmpty() ? null : leaders.get(leaders.size() - 1);
    }

    /**
     * Wait until every one of these members has answered one probe, the latest such.
     *
     * @param memberIds of the members.
     * @param timeoutNs the longest to wait.
     * @return the probe's position and the members' hashes, or null if they did not answer in time.
     * @throws InterruptedException if interrupted.
     */
    synchronized Probe awaitProbe(final List<Integer> memberIds, final long timeoutNs) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (true)
        {
            for (final Map.Entry<Long, Map<Integer, Long>> probe : probes.descendingMap().entrySet())
            {
                if (probe.getValue().keySet().containsAll(memberIds))
                {
                    return new Probe(probe.getKey(), new HashMap<>(probe.getValue()));
                }
            }
            final long leftNs = deadlineNs - System.nanoTime();
            if (leftNs <= 0)
            {
                return null;
            }
            TimeUnit.NANOSECONDS.timedWait(this, leftNs);
        }
    }
}
