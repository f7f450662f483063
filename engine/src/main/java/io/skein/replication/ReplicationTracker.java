package io.skein.replication;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

import io.aeron.Aeron;
import io.aeron.Counter;
import io.aeron.FragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.skein.codecs.FollowerStatusDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.engine.DurabilityGate;
import io.skein.journal.Journal;
import io.skein.protocol.SkeinProtocol;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

/**
 * The leader's view of its followers: takes their status messages (how far each has recorded the journal) and, as
 * the {@link DurabilityGate} of {@link io.skein.engine.Durability#REPLICATED}, reports the position that at least
 * the required number of live followers have recorded. With too few live followers it reports nothing new, so
 * replies wait (and the engine's ring fills and pushes back on clients) until enough followers catch up: never a
 * silent downgrade.
 */
public final class ReplicationTracker implements Agent, FragmentHandler, DurabilityGate
{
    /**
     * The most followers one leader tracks.
     */
    public static final int MAX_FOLLOWERS = 16;

    /**
     * Counter type id of the replication counters.
     */
    public static final int REPLICATION_COUNTER_TYPE_ID = 6103;

    private final Subscription subscription;
    private final Journal journal;
    private final int requiredFollowers;
    private final long followerTimeoutNs;
    private final NanoClock clock;
    private final FragmentAssembler assembler = new FragmentAssembler(this);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final FollowerStatusDecoder statusDecoder = new FollowerStatusDecoder();
    private final long[] followerIds = new long[MAX_FOLLOWERS];
    private final AtomicLongArray recorded = new AtomicLongArray(MAX_FOLLOWERS);
    private final AtomicLongArray heardNs = new AtomicLongArray(MAX_FOLLOWERS);
    private final AtomicLongArray appliedEntries = new AtomicLongArray(MAX_FOLLOWERS);
    private final long[] liveEntries = new long[MAX_FOLLOWERS];
    private final Counter lagEntries;
    private LongSupplier leaderEntries = () -> 0;
    private final long[] live = new long[MAX_FOLLOWERS];
    private final Counter liveFollowers;
    private final Counter lagBytes;
    private volatile int followers;
    private long nextCountersNs;
    private final LongSupplier epoch;
    private final LongConsumer onNewerEpoch;
    private long newestEpochSeen = -1;

    /**
     * Track followers.
     *
     * @param aeron             the leader's Aeron client.
     * @param statusChannel     where followers send their status (a UDP endpoint on the leader).
     * @param statusStreamId    stream id of the status messages.
     * @param journal           the leader's journal.
     * @param requiredFollowers followers that must hold an entry before its reply is released.
     * @param followerTimeoutNs a follower not heard from for this long does not count.
     * @param clock             for timeouts.
     * @param epoch             the epoch this leader leads.
     * @param onNewerEpoch      told once when a report carries a newer epoch: another node leads now.
     */
    public ReplicationTracker(
        final Aeron aeron,
        final String statusChannel,
        final int statusStreamId,
        final Journal journal,
        final int requiredFollowers,
        final long followerTimeoutNs,
        final NanoClock clock,
        final LongSupplier epoch,
        final LongConsumer onNewerEpoch)
    {
        this.epoch = epoch;
        this.onNewerEpoch = onNewerEpoch;
        this.subscription = aeron.addSubscription(statusChannel, statusStreamId);
        this.journal = journal;
        this.requiredFollowers = requiredFollowers;
        this.followerTimeoutNs = followerTimeoutNs;
        this.clock = clock;
        this.liveFollowers = aeron.addCounter(REPLICATION_COUNTER_TYPE_ID, "skein live followers");
        this.lagBytes = aeron.addCounter(REPLICATION_COUNTER_TYPE_ID,
            "skein replication lag bytes (journal end to the position " + requiredFollowers + " followers hold)");
        this.lagEntries = aeron.addCounter(REPLICATION_COUNTER_TYPE_ID,
            "skein replication lag entries (written, not yet applied by the " + Math.max(1, requiredFollowers) +
            "th live follower)");
    }

    @Override
    public String roleName()
    {
        return "skein-replication-tracker";
    }

    @Override
    public int doWork()
    {
        final int work = subscription.poll(assembler, 16);
        final long nowNs = clock.nanoTime();
        if (nowNs - nextCountersNs >= 0)
        {
            nextCountersNs = nowNs + 100_000_000L;
            liveFollowers.setRelease(liveCount(nowNs));
            final long held = durablePosition();
            lagBytes.setRelease(held < 0 ? journal.position() : Math.max(0, journal.position() - held));
            lagEntries.setRelease(lagEntries(nowNs));
        }
        return work;
    }

    @Override
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH + FollowerStatusDecoder.BLOCK_LENGTH)
        {
            return;
        }
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID ||
            headerDecoder.templateId() != FollowerStatusDecoder.TEMPLATE_ID)
        {
            return;
        }
        statusDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final long reportedEpoch = statusDecoder.epoch();
        if (reportedEpoch > epoch.getAsLong())
        {
            if (reportedEpoch > newestEpochSeen)
            {
                newestEpochSeen = reportedEpoch;
                onNewerEpoch.accept(reportedEpoch);
            }
            return;
        }
        final long followerId = statusDecoder.followerId();
        int index = -1;
        for (int i = 0; i < followers; i++)
        {
            if (followerIds[i] == followerId)
            {
                index = i;
                break;
            }
        }
        if (-1 == index)
        {
            if (followers == MAX_FOLLOWERS)
            {
                return;
            }
            index = followers;
            followerIds[index] = followerId;
            recorded.set(index, -1);
            followers = index + 1;
        }
        recorded.setRelease(index, Math.max(recorded.get(index), statusDecoder.recordedPosition()));
        appliedEntries.setRelease(index, statusDecoder.appliedEntries());
        heardNs.setRelease(index, clock.nanoTime());
    }

    /**
     * The position at least the required number of live followers have recorded; called by the reply stage.
     *
     * @return the position, or -1 while too few live followers have recorded anything.
     */
    @Override
    public long durablePosition()
    {
        final long nowNs = clock.nanoTime();
        int count = 0;
        for (int i = 0, n = followers; i < n; i++)
        {
            if (nowNs - heardNs.getAcquire(i) <= followerTimeoutNs)
            {
                live[count++] = recorded.getAcquire(i);
            }
        }
        if (count < requiredFollowers || 0 == requiredFollowers)
        {
            return 0 == requiredFollowers ? Long.MAX_VALUE : -1;
        }
        Arrays.sort(live, 0, count);
        return live[count - requiredFollowers];
    }

    /**
     * Tell the tracker how many journal entries the leader has written, for the entries lag.
     *
     * @param entries the leader's entry count.
     */
    public void leaderEntries(final LongSupplier entries)
    {
        this.leaderEntries = entries;
    }

    /**
     * Entries the leader has written that the required-th live follower has not yet applied.
     *
     * @param nowNs the time now.
     * @return the lag in entries, or the leader's whole count with too few live followers.
     */
    public long lagEntries(final long nowNs)
    {
        int count = 0;
        for (int i = 0, n = followers; i < n; i++)
        {
            if (nowNs - heardNs.getAcquire(i) <= followerTimeoutNs)
            {
                liveEntries[count++] = appliedEntries.getAcquire(i);
            }
        }
        final int required = Math.max(1, requiredFollowers);
        final long leader = leaderEntries.getAsLong();
        if (count < required)
        {
            return leader;
        }
        Arrays.sort(liveEntries, 0, count);
        return Math.max(0, leader - liveEntries[count - required]);
    }

    private int liveCount(final long nowNs)
    {
        int count = 0;
        for (int i = 0, n = followers; i < n; i++)
        {
            count += nowNs - heardNs.getAcquire(i) <= followerTimeoutNs ? 1 : 0;
        }
        return count;
    }

    /**
     * The lowest position any follower this leader has heard from (alive or not) has recorded: journal compaction
     * stays below it so a lagging or restarting follower can still continue its copy.
     *
     * @return the position, or {@link Long#MAX_VALUE} before any follower reported.
     */
    public long lowestFollowerPosition()
    {
        long lowest = Long.MAX_VALUE;
        for (int i = 0, n = followers; i < n; i++)
        {
            lowest = Math.min(lowest, Math.max(0, recorded.getAcquire(i)));
        }
        return lowest;
    }

    /**
     * How far a follower has recorded the journal, as it last reported.
     *
     * @param followerId of the follower.
     * @return its recorded position, or -1 if never heard from.
     */
    public long followerPosition(final long followerId)
    {
        for (int i = 0; i < followers; i++)
        {
            if (followerIds[i] == followerId)
            {
                return recorded.getAcquire(i);
            }
        }
        return -1;
    }

    @Override
    public void onClose()
    {
        CloseHelper.quietCloseAll(liveFollowers, lagBytes, lagEntries, subscription);
    }
}
