package io.skein.replication;

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
 * <p>
 * Everything is computed on the tracker's own duty cycle by its {@link FollowerQuorum} and published as single
 * values, so the reply stage, compaction and monitoring read answers, never shared scratch state.
 */
public final class ReplicationTracker implements Agent, FragmentHandler, DurabilityGate
{
    /**
     * The most followers one leader tracks at once; slots of followers gone longer than the retention are freed.
     */
    public static final int MAX_FOLLOWERS = FollowerQuorum.CAPACITY;

    /**
     * Counter type id of the replication counters.
     */
    public static final int REPLICATION_COUNTER_TYPE_ID = 6103;

    private static final long COUNTERS_INTERVAL_NS = 100_000_000L;

    private final Subscription subscription;
    private final Journal journal;
    private final NanoClock clock;
    private final FollowerQuorum quorum;
    private final FragmentAssembler assembler = new FragmentAssembler(this);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final FollowerStatusDecoder statusDecoder = new FollowerStatusDecoder();
    private final Counter liveFollowers;
    private final Counter lagBytes;
    private final Counter lagEntries;
    private final Counter droppedReports;
    private final LongSupplier epoch;
    private final LongConsumer onNewerEpoch;
    private LongSupplier leaderEntries = () -> 0;
    private long nextCountersNs;
    private long newestEpochSeen = -1;
    private volatile long publishedLagEntries;

    /**
     * Track followers.
     *
     * @param aeron               the leader's Aeron client.
     * @param statusChannel       where followers send their status (a UDP endpoint on the leader).
     * @param statusStreamId      stream id of the status messages.
     * @param journal             the leader's journal.
     * @param requiredFollowers   followers that must hold an entry before its reply is released.
     * @param followerTimeoutNs   a follower not heard from for this long does not count.
     * @param followerRetentionNs a follower not heard from for this long loses its slot and its hold on compaction.
     * @param clock               for timeouts.
     * @param epoch               the epoch this leader leads.
     * @param onNewerEpoch        told once when a report carries a newer epoch: another node leads now.
     */
    public ReplicationTracker(
        final Aeron aeron,
        final String statusChannel,
        final int statusStreamId,
        final Journal journal,
        final int requiredFollowers,
        final long followerTimeoutNs,
        final long followerRetentionNs,
        final NanoClock clock,
        final LongSupplier epoch,
        final LongConsumer onNewerEpoch)
    {
        this.quorum = new FollowerQuorum(requiredFollowers, followerTimeoutNs, followerRetentionNs);
        this.epoch = epoch;
        this.onNewerEpoch = onNewerEpoch;
        this.journal = journal;
        this.clock = clock;
        this.subscription = aeron.addSubscription(statusChannel, statusStreamId);
        this.liveFollowers = aeron.addCounter(REPLICATION_COUNTER_TYPE_ID, "skein live followers");
        this.lagBytes = aeron.addCounter(REPLICATION_COUNTER_TYPE_ID,
            "skein replication lag bytes (journal end to the position " + requiredFollowers + " followers hold)");
        this.lagEntries = aeron.addCounter(REPLICATION_COUNTER_TYPE_ID,
            "skein replication lag entries (written, not yet applied by the " + Math.max(1, requiredFollowers) +
            "th live follower)");
        this.droppedReports = aeron.addCounter(REPLICATION_COUNTER_TYPE_ID,
            "skein follower reports dropped (all " + MAX_FOLLOWERS + " follower slots taken)");
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
            nextCountersNs = nowNs + COUNTERS_INTERVAL_NS;
            quorum.onTick(nowNs);
            liveFollowers.setRelease(quorum.liveFollowers());
            final long held = quorum.durablePosition();
            final long end = journal.position();
            lagBytes.setRelease(held < 0 ? end : Math.max(0, end - Math.min(end, held)));
            final long leader = leaderEntries.getAsLong();
            final long applied = quorum.quorumAppliedEntries();
            final long lag = applied < 0 ? leader : Math.max(0, leader - applied);
            publishedLagEntries = lag;
            lagEntries.setRelease(lag);
            droppedReports.setRelease(quorum.droppedReports());
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
        quorum.onStatus(statusDecoder.followerId(), statusDecoder.recordedPosition(), statusDecoder.appliedEntries(),
            clock.nanoTime());
    }

    /**
     * The position at least the required number of live followers have recorded, as last computed by the
     * tracker's duty cycle; read by the reply stage. It never moves back.
     *
     * @return the position, or -1 until enough live followers have recorded anything.
     */
    @Override
    public long durablePosition()
    {
        return quorum.durablePosition();
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
     * Entries the leader has written that the required-th live follower has not yet applied, as of the tracker's
     * last duty cycle that updated its counters (every 100 ms).
     *
     * @return the lag in entries, or the leader's whole count with too few live followers.
     */
    public long lagEntries()
    {
        return publishedLagEntries;
    }

    /**
     * The lowest position any follower holding a slot (alive or not, within the retention) has recorded: journal
     * compaction stays below it so a lagging or restarting follower can still continue its copy.
     *
     * @return the position, or {@link Long#MAX_VALUE} before any follower reported.
     */
    public long lowestFollowerPosition()
    {
        return quorum.lowestPosition();
    }

    /**
     * How far a follower has recorded the journal, as it last reported.
     *
     * @param followerId of the follower.
     * @return its recorded position, or -1 if never heard from (or its slot was freed).
     */
    public long followerPosition(final long followerId)
    {
        return quorum.followerPosition(followerId);
    }

    /**
     * Followers holding a slot.
     *
     * @return the count.
     */
    public int knownFollowers()
    {
        return quorum.knownFollowers();
    }

    @Override
    public void onClose()
    {
        CloseHelper.quietCloseAll(liveFollowers, lagBytes, lagEntries, droppedReports, subscription);
    }
}
