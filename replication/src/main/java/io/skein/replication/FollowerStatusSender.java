package io.skein.replication;

import java.util.concurrent.atomic.AtomicReference;

import io.aeron.Aeron;
import io.aeron.Counter;
import io.aeron.Publication;
import io.skein.codecs.FollowerStatusEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.engine.SkeinEngine;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A follower's side of the position reports: sends how far its archive has recorded the leader's journal (and how
 * far its engine has applied it) whenever that moves, and at least every heartbeat interval.
 */
public final class FollowerStatusSender implements Agent
{
    private final Aeron aeron;
    private final int statusStreamId;
    private final AtomicReference<String> redirect = new AtomicReference<>();
    private Publication publication;
    private final JournalReplicator replicator;
    private final SkeinEngine engine;
    private final long followerId;
    private final long heartbeatNs;
    private final NanoClock clock;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
    private final FollowerStatusEncoder encoder = new FollowerStatusEncoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final Counter applyLag;
    private final Counter leaderUnreachable;
    private final long leaderTimeoutNs;
    private final ErrorHandler errorHandler;
    private long lastActiveNs;
    private volatile boolean unreachable;
    private long lastSentPosition = Long.MIN_VALUE;
    private long lastSentNs;
    private long recordedPosition;
    private volatile long announcedEpoch = -1;

    /**
     * Report to a leader.
     *
     * @param aeron         the follower's Aeron client.
     * @param statusChannel the leader's status channel.
     * @param statusStreamId stream id of the status messages.
     * @param replicator    keeping the local copy.
     * @param engine        the follower engine.
     * @param followerId    this follower's id, unique among the leader's followers.
     * @param heartbeatNs   the longest gap between reports.
     * @param clock         for the heartbeat.
     * @param leaderTimeoutNs after this long without an active copy of the leader's journal, the leader is reported
     *                      unreachable.
     * @param errorHandler  told when the leader becomes unreachable.
     */
    public FollowerStatusSender(
        final Aeron aeron,
        final String statusChannel,
        final int statusStreamId,
        final JournalReplicator replicator,
        final SkeinEngine engine,
        final long followerId,
        final long heartbeatNs,
        final NanoClock clock,
        final long leaderTimeoutNs,
        final ErrorHandler errorHandler)
    {
        this.leaderTimeoutNs = leaderTimeoutNs;
        this.errorHandler = errorHandler;
        this.lastActiveNs = clock.nanoTime();
        this.aeron = aeron;
        this.statusStreamId = statusStreamId;
        this.publication = aeron.addExclusivePublication(statusChannel, statusStreamId);
        this.replicator = replicator;
        this.engine = engine;
        this.followerId = followerId;
        this.heartbeatNs = heartbeatNs;
        this.clock = clock;
        this.applyLag = aeron.addCounter(ReplicationTracker.REPLICATION_COUNTER_TYPE_ID,
            "skein follower apply lag bytes (recorded, not yet applied)");
        this.leaderUnreachable = aeron.addCounter(ReplicationTracker.REPLICATION_COUNTER_TYPE_ID,
            "skein follower: leader unreachable (1) or replicating (0)");
    }

    @Override
    public String roleName()
    {
        return "skein-follower-status";
    }

    /**
     * After this node's promotion: keep telling the old leader (if it still runs) that a newer epoch leads, so it
     * stops taking commands.
     *
     * @param epoch the new epoch this node leads.
     */
    public void announce(final long epoch)
    {
        announcedEpoch = epoch;
    }

    /**
     * Report to another leader from now on (a follower re-pointed without a restart). Takes effect at the next duty
     * cycle.
     *
     * @param statusChannel the new leader's status channel.
     */
    public void redirect(final String statusChannel)
    {
        redirect.set(statusChannel);
    }

    @Override
    public int doWork()
    {
        final String newChannel = redirect.getAndSet(null);
        if (null != newChannel)
        {
            CloseHelper.quietClose(publication);
            publication = aeron.addExclusivePublication(newChannel, statusStreamId);
            lastSentPosition = Long.MIN_VALUE;
            return 1;
        }
        final long epoch = announcedEpoch;
        if (epoch >= 0)
        {
            final long nowNs = clock.nanoTime();
            if (nowNs - lastSentNs >= heartbeatNs)
            {
                encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                    .followerId(followerId)
                    .epoch(epoch)
                    .recordedPosition(-1)
                    .appliedPosition(-1)
                    .appliedEntries(-1);
                publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
                lastSentNs = nowNs;
                return 1;
            }
            return 0;
        }
        final long recorded = replicator.recordedPosition();
        final long nowNs = clock.nanoTime();
        if (recorded >= 0)
        {
            recordedPosition = recorded;
            lastActiveNs = nowNs;
            if (unreachable)
            {
                unreachable = false;
                leaderUnreachable.setRelease(0);
            }
        }
        else if (!unreachable && nowNs - lastActiveNs > leaderTimeoutNs)
        {
            unreachable = true;
            leaderUnreachable.setRelease(1);
            errorHandler.onError(new SkeinException(SkeinException.Code.NOT_CONNECTED, SkeinException.Category.WARNING,
                "the leader has been unreachable for " + leaderTimeoutNs / 1_000_000 + " ms (its journal is not " +
                "being copied): if it does not come back, promote a follower (skein admin promote)", null));
        }
        if (recordedPosition != lastSentPosition || nowNs - lastSentNs >= heartbeatNs)
        {
            final long applied = engine.appliedPosition();
            encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                .followerId(followerId)
                .epoch(0)
                .recordedPosition(recordedPosition)
                .appliedPosition(applied)
                .appliedEntries(engine.counters().journalEntries().get());
            if (publication.offer(buffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength()) > 0)
            {
                lastSentPosition = recordedPosition;
                lastSentNs = nowNs;
                applyLag.setRelease(Math.max(0, recordedPosition - applied));
                return 1;
            }
        }
        return 0;
    }

    /**
     * Whether the leader has been unreachable (no active copy of its journal) for longer than the timeout.
     *
     * @return true while unreachable.
     */
    public boolean isLeaderUnreachable()
    {
        return unreachable;
    }

    /**
     * How far the local archive has recorded the leader's journal, as last seen.
     *
     * @return the position.
     */
    public long recordedPosition()
    {
        return recordedPosition;
    }

    @Override
    public void onClose()
    {
        CloseHelper.quietCloseAll(applyLag, leaderUnreachable, publication);
    }
}
