package io.skein.replication;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What a leader knows of its followers, and the answers derived from it: the position the required number of live
 * followers hold, the lowest position any known follower holds, how many are live and how far behind they are.
 * <p>
 * One thread, the owner (the tracker's duty cycle), takes reports and ticks; it computes every answer and publishes
 * each as a single volatile value, so other threads (the engine's reply stage, compaction, monitoring) only ever
 * read a value computed whole. The quorum position never moves back: entries the quorum once held stay durable even
 * if those followers later go quiet.
 * <p>
 * A follower not heard from for the follower timeout no longer counts for the quorum; one not heard from for the
 * retention loses its slot, so it no longer holds the compaction floor (once back it continues if the leader's
 * journal still reaches its position, else it must bootstrap from a snapshot).
 */
final class FollowerQuorum
{
    /**
     * The most followers tracked at once.
     */
    static final int CAPACITY = 16;

    private final int requiredFollowers;
    private final long followerTimeoutNs;
    private final long followerRetentionNs;
    private final long[] followerIds = new long[CAPACITY];
    private final long[] recorded = new long[CAPACITY];
    private final long[] applied = new long[CAPACITY];
    private final long[] heardNs = new long[CAPACITY];
    private final long[] scratch = new long[CAPACITY];
    private final AtomicLongArray publishedIds = new AtomicLongArray(CAPACITY);
    private final AtomicLongArray publishedRecorded = new AtomicLongArray(CAPACITY);
    private int followers;
    private long droppedReports;
    private volatile long quorumPosition;
    private volatile long lowestPosition = Long.MAX_VALUE;
    private volatile int liveFollowers;
    private volatile int knownFollowers;
    private volatile long quorumAppliedEntries = -1;

    /**
     * Track followers.
     *
     * @param requiredFollowers   followers that must hold an entry before it counts as durable; 0 for none.
     * @param followerTimeoutNs   a follower not heard from for this long does not count for the quorum.
     * @param followerRetentionNs a follower not heard from for this long loses its slot.
     */
    FollowerQuorum(final int requiredFollowers, final long followerTimeoutNs, final long followerRetentionNs)
    {
        if (requiredFollowers < 0 || requiredFollowers > CAPACITY)
        {
            throw new IllegalArgumentException(
                "required followers must be between 0 and " + CAPACITY + ", not " + requiredFollowers);
        }
        if (followerTimeoutNs <= 0 || followerRetentionNs < followerTimeoutNs)
        {
            throw new IllegalArgumentException("the follower timeout (" + followerTimeoutNs + "ns) must be positive " +
                "and no longer than the retention (" + followerRetentionNs + "ns)");
        }
        this.requiredFollowers = requiredFollowers;
        this.followerTimeoutNs = followerTimeoutNs;
        this.followerRetentionNs = followerRetentionNs;
        this.quorumPosition = 0 == requiredFollowers ? Long.MAX_VALUE : -1;
    }

    /**
     * A follower's report; owner thread only.
     *
     * @param followerId       of the follower.
     * @param recordedPosition how far its archive has recorded the journal.
     * @param appliedEntries   the last entry sequence it applied.
     * @param nowNs            the time now.
     * @return false if every slot is taken by followers still within the retention, so the report was dropped.
     */
    boolean onStatus(final long followerId, final long recordedPosition, final long appliedEntries, final long nowNs)
    {
        int index = indexOf(followerId);
        if (-1 == index)
        {
            expire(nowNs);
            if (followers == CAPACITY)
            {
                droppedReports++;
                return false;
            }
            index = followers++;
            followerIds[index] = followerId;
            recorded[index] = -1;
            applied[index] = -1;
            publishedIds.setRelease(index, followerId);
        }
        recorded[index] = Math.max(recorded[index], recordedPosition);
        applied[index] = Math.max(applied[index], appliedEntries);
        heardNs[index] = nowNs;
        publishedRecorded.setRelease(index, recorded[index]);
        publish(nowNs);
        return true;
    }

    /**
     * Let time pass: followers time out and lose their slots; owner thread only.
     *
     * @param nowNs the time now.
     */
    void onTick(final long nowNs)
    {
        expire(nowNs);
        publish(nowNs);
    }

    /**
     * The position at least the required number of followers held while live; any thread.
     *
     * @return the position, -1 until a quorum has reported, {@link Long#MAX_VALUE} when none is required.
     */
    long durablePosition()
    {
        return quorumPosition;
    }

    /**
     * The lowest position any follower with a slot has recorded; any thread.
     *
     * @return the position, or {@link Long#MAX_VALUE} with no follower known.
     */
    long lowestPosition()
    {
        return lowestPosition;
    }

    /**
     * Followers heard from within the timeout, as of the last report or tick; any thread.
     *
     * @return the count.
     */
    int liveFollowers()
    {
        return liveFollowers;
    }

    /**
     * Followers holding a slot, as of the last report or tick; any thread.
     *
     * @return the count.
     */
    int knownFollowers()
    {
        return knownFollowers;
    }

    /**
     * The last entry the required-th live follower has applied (at least the first live one when none is required);
     * any thread.
     *
     * @return the entry sequence, or -1 with too few live followers.
     */
    long quorumAppliedEntries()
    {
        return quorumAppliedEntries;
    }

    /**
     * Reports dropped because every slot was taken; owner thread.
     *
     * @return the count.
     */
    long droppedReports()
    {
        return droppedReports;
    }

    /**
     * How far one follower has recorded, as it last reported; any thread, for monitoring (a follower whose slot is
     * being freed at that moment may read as unknown).
     *
     * @param followerId of the follower.
     * @return its position, or -1 if it has no slot.
     */
    long followerPosition(final long followerId)
    {
        for (int i = 0, n = knownFollowers; i < n; i++)
        {
            if (publishedIds.getAcquire(i) == followerId)
            {
                return publishedRecorded.getAcquire(i);
            }
        }
        return -1;
    }

    private int indexOf(final long followerId)
    {
        for (int i = 0; i < followers; i++)
        {
            if (followerIds[i] == followerId)
            {
                return i;
            }
        }
        return -1;
    }

    private void expire(final long nowNs)
    {
        for (int i = followers - 1; i >= 0; i--)
        {
            if (nowNs - heardNs[i] > followerRetentionNs)
            {
                final int last = --followers;
                followerIds[i] = followerIds[last];
                recorded[i] = recorded[last];
                applied[i] = applied[last];
                heardNs[i] = heardNs[last];
                publishedIds.setRelease(i, followerIds[i]);
                publishedRecorded.setRelease(i, recorded[i]);
            }
        }
    }

    private void publish(final long nowNs)
    {
        long lowest = Long.MAX_VALUE;
        int live = 0;
        for (int i = 0; i < followers; i++)
        {
            lowest = Math.min(lowest, Math.max(0, recorded[i]));
            if (nowNs - heardNs[i] <= followerTimeoutNs)
            {
                scratch[live++] = recorded[i];
            }
        }
        if (requiredFollowers > 0 && live >= requiredFollowers)
        {
            Arrays.sort(scratch, 0, live);
            final long held = scratch[live - requiredFollowers];
            if (held > quorumPosition)
            {
                quorumPosition = held;
            }
        }

        final int required = Math.max(1, requiredFollowers);
        long appliedEntries = -1;
        if (live >= required)
        {
            int count = 0;
            for (int i = 0; i < followers; i++)
            {
                if (nowNs - heardNs[i] <= followerTimeoutNs)
                {
                    scratch[count++] = applied[i];
                }
            }
            Arrays.sort(scratch, 0, count);
            appliedEntries = scratch[count - required];
        }
        quorumAppliedEntries = appliedEntries;
        lowestPosition = lowest;
        liveFollowers = live;
        knownFollowers = followers;
    }
}
