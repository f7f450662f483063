package io.skein.node;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.aeron.Aeron;
import io.skein.engine.DurabilityGate;
import io.skein.engine.Durability;
import io.skein.engine.SkeinEngine;
import io.skein.journal.Journal;
import io.skein.protocol.SkeinException;
import io.skein.replication.FollowerStatusSender;
import io.skein.replication.JournalReplicator;
import io.skein.replication.ReplicationTracker;
import org.agrona.CloseHelper;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.DynamicCompositeAgent;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * A node's part in replication, wired from the replication module's pieces: a leader's tracker of its followers
 * (the gate of {@code REPLICATED} replies), or a follower's replicator and position reports, and the changes between
 * them: promotion, re-pointing at another leader, being deposed by a newer epoch. {@link SkeinNode} builds it in
 * steps, because the pieces must exist in order: the follower's copy before the journal opens, the tracker once the
 * journal is open, the reports once the engine runs.
 */
final class NodeRole implements AutoCloseable
{
    private final SkeinNode.Context ctx;
    private final Aeron aeron;
    private final SwitchableGate promotedGate = new SwitchableGate();
    private JournalReplicator replicator;
    private volatile ReplicationTracker tracker;
    private FollowerStatusSender statusSender;
    private Journal journal;
    private SkeinEngine engine;
    private ExecutorService adminExecutor;
    private DynamicCompositeAgent agents;
    private volatile long epoch;
    private volatile boolean deposed;
    private volatile boolean deposing;
    private volatile boolean promoted;

    NodeRole(final SkeinNode.Context ctx, final Aeron aeron)
    {
        this.ctx = ctx;
        this.aeron = aeron;
    }

    /**
     * Before the journal opens: a follower makes (or extends) its copy of the leader's journal, cutting off a tail
     * the leader never had while no engine has applied it yet.
     */
    void beforeJournal()
    {
        if (!ctx.isFollower())
        {
            return;
        }
        replicator = new JournalReplicator(aeron, ctx.journalContext().journalDir(),
            ctx.leaderArchiveControlChannel(), ctx.leaderArchiveControlStreamId(),
            ctx.followerResponseChannel(), ctx.connectTimeoutNs(), ctx.errorHandler());
        if (ctx.engineContext().durability() == Durability.REPLICATED)
        {
            ctx.engineContext().replicationGate(promotedGate);
        }
        ctx.engineContext().compactionFloorSupplier(() ->
        {
            final ReplicationTracker own = this.tracker;
            return null == own ? Long.MAX_VALUE : own.lowestFollowerPosition();
        });
    }

    /**
     * Once the journal is open: a leader taking follower reports builds its tracker, the gate of replies and the
     * floor of compaction.
     *
     * @param journal the node's journal.
     */
    void afterJournal(final Journal journal)
    {
        this.journal = journal;
        if (!ctx.isFollower() && null != ctx.replicationStatusChannel())
        {
            tracker = newTracker(ctx.replicationStatusChannel());
            if (ctx.engineContext().durability() == Durability.REPLICATED)
            {
                ctx.engineContext().replicationGate(tracker);
            }
            ctx.engineContext().compactionFloorSupplier(tracker::lowestFollowerPosition);
        }
    }

    /**
     * Once the engine runs: keep the follower's id, start copying, and learn the epoch.
     *
     * @param engine        the node's engine.
     * @param adminExecutor where a deposition runs (it waits on the writer).
     * @param errorCounter  counting errors of the replicator's agent.
     */
    void afterEngine(final SkeinEngine engine, final ExecutorService adminExecutor, final AtomicCounter errorCounter)
    {
        this.engine = engine;
        this.adminExecutor = adminExecutor;
        ctx.persistFollowerId();
        if (null != replicator)
        {
            replicator.start(ctx.name(), errorCounter);
        }
        epoch = engine.epoch(ctx.adminTimeoutNs());
        if (null != tracker)
        {
            tracker.leaderEntries(engine.counters().journalEntries()::get);
        }
    }

    /**
     * The agent that runs on the node's agent thread for this role: a follower's reports, or a leader's tracker.
     *
     * @return the agent, or null for a leader without followers.
     */
    Agent agent()
    {
        if (null != replicator)
        {
            statusSender = new FollowerStatusSender(aeron, ctx.replicationStatusChannel(),
                ctx.replicationStatusStreamId(), replicator, engine, ctx.followerId(),
                TimeUnit.MILLISECONDS.toNanos(100), ctx.nanoClock(), ctx.followerTimeoutNs(), ctx.errorHandler());
            return statusSender;
        }
        return tracker;
    }

    /**
     * The node's composite agent, to which a promoted follower adds its tracker.
     *
     * @param agents the composite agent.
     */
    void agents(final DynamicCompositeAgent agents)
    {
        this.agents = agents;
    }

    /**
     * See {@link SkeinNode#promote()}.
     */
    synchronized long promote()
    {
        if (null == replicator || !engine.isFollower())
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "only a follower can be promoted");
        }
        final long timeoutNs = ctx.adminTimeoutNs();
        replicator.close();
        final long applied = engine.stopFollowing(timeoutNs);
        final long newEpoch = Math.max(engine.epoch(timeoutNs), replicator.leaderEpoch()) + 1;
        journal.promote(applied, newEpoch);
        if (null != ctx.ownReplicationStatusChannel())
        {
            final ReplicationTracker ownTracker = newTracker(ctx.ownReplicationStatusChannel());
            ownTracker.leaderEntries(engine.counters().journalEntries()::get);
            promotedGate.delegate(ownTracker);
            tracker = ownTracker;
            final long deadlineNs = System.nanoTime() + timeoutNs;
            while (!agents.tryAdd(ownTracker))
            {
                awaitAgentChange(deadlineNs);
            }
            while (!agents.hasAddAgentCompleted())
            {
                awaitAgentChange(deadlineNs);
            }
        }
        engine.lead(newEpoch, timeoutNs);
        epoch = newEpoch;
        promoted = true;
        statusSender.announce(newEpoch);
        return newEpoch;
    }

    /**
     * See {@link SkeinNode#follow(String, String)}.
     */
    synchronized void follow(final String leaderArchiveControlChannel, final String leaderStatusChannel)
    {
        if (null == replicator || promoted)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "only a follower can be pointed at another " +
                "leader; this node " + (promoted ? "was promoted and leads" : "is a leader"));
        }
        SkeinNode.Context.requireUdpEndpoint("the new leader's archive control channel", leaderArchiveControlChannel);
        final boolean newStatus = null != leaderStatusChannel && !leaderStatusChannel.isEmpty();
        if (newStatus)
        {
            SkeinNode.Context.requireUdpEndpoint("the new leader's status channel", leaderStatusChannel);
        }
        replicator.follow(leaderArchiveControlChannel);
        if (newStatus)
        {
            statusSender.redirect(leaderStatusChannel);
        }
    }

    private ReplicationTracker newTracker(final String statusChannel)
    {
        return new ReplicationTracker(aeron, statusChannel, ctx.replicationStatusStreamId(), journal,
            ctx.replicatedFollowers(), ctx.followerTimeoutNs(), ctx.followerRetentionNs(), ctx.nanoClock(),
            () -> this.epoch, this::onNewerEpoch);
    }

    private static void awaitAgentChange(final long deadlineNs)
    {
        if (System.nanoTime() - deadlineNs > 0)
        {
            throw new SkeinException(SkeinException.Code.TIMEOUT, "could not start tracking followers");
        }
        LockSupport.parkNanos(1_000_000);
    }

    private void onNewerEpoch(final long newerEpoch)
    {
        if (!deposing)
        {
            deposing = true;
            adminExecutor.execute(() ->
            {
                engine.depose(newerEpoch, ctx.adminTimeoutNs());
                deposed = true;
            });
        }
    }

    long epoch()
    {
        return epoch;
    }

    boolean isLeader()
    {
        return !deposed && (null == replicator || promoted);
    }

    boolean isLeaderUnreachable()
    {
        return null != statusSender && !promoted && statusSender.isLeaderUnreachable();
    }

    boolean isDeposed()
    {
        return deposed;
    }

    ReplicationTracker tracker()
    {
        return tracker;
    }

    JournalReplicator replicator()
    {
        return replicator;
    }

    /**
     * Stop replicating (the tracker and the reports are agents of the node's runner, closed with it).
     */
    @Override
    public void close()
    {
        CloseHelper.close(ctx.errorHandler(), replicator);
    }

    /**
     * The durability gate of a follower that will need one once promoted: holds nothing back while following, then
     * answers for the tracker of its own followers.
     */
    private static final class SwitchableGate implements DurabilityGate
    {
        private volatile DurabilityGate delegate;

        void delegate(final DurabilityGate gate)
        {
            this.delegate = gate;
        }

        @Override
        public long durablePosition()
        {
            final DurabilityGate gate = delegate;
            return null == gate ? Long.MAX_VALUE : gate.durablePosition();
        }
    }
}
