package io.skein.replication;

import java.io.File;
import java.util.concurrent.atomic.AtomicLong;

import io.aeron.Aeron;
import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.client.ReplicationParams;
import io.aeron.archive.codecs.RecordingSignal;
import io.aeron.archive.status.RecordingPos;
import io.skein.journal.Journal;
import io.skein.journal.RecordingLog;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.concurrent.status.CountersReader;

/**
 * Keeps a follower's local copy of the leader's journal: asks the follower's own archive to replicate the leader's
 * journal recording and follow it live (Aeron Archive replication). The first time it creates the local copy and
 * names it in the follower's recording log; after a restart it extends the same copy from where it stopped.
 */
public final class JournalReplicator implements AutoCloseable
{
    private final AeronArchive local;
    private final CountersReader counters;
    private final long recordingId;
    private final long replicationId;
    private final long leaderEpoch;
    private long truncatedBytes;
    private final AtomicLong signalledRecordingId = new AtomicLong(Aeron.NULL_VALUE);
    private final AtomicLong replicationEnded = new AtomicLong(Aeron.NULL_VALUE);
    private long bootstrapSnapshotPosition = Aeron.NULL_VALUE;

    /**
     * Start replicating.
     *
     * @param aeron                 connected to the follower's own media driver.
     * @param journalDir            the follower's journal directory (its recording log).
     * @param leaderControlChannel  the leader archive's UDP control channel.
     * @param leaderControlStreamId the leader archive's control stream id.
     * @param responseChannel       a UDP channel on this host the leader's archive can answer on.
     * @param timeoutNs             the longest to wait for the leader.
     */
    public JournalReplicator(
        final Aeron aeron,
        final File journalDir,
        final String leaderControlChannel,
        final int leaderControlStreamId,
        final String responseChannel,
        final long timeoutNs)
    {
        AeronArchive local = null;
        try
        {
            local = AeronArchive.connect(new AeronArchive.Context()
                .aeron(aeron)
                .controlRequestChannel("aeron:ipc")
                .controlResponseChannel("aeron:ipc")
                .recordingSignalConsumer((controlSessionId, correlationId, recordingId, subscriptionId, position,
                    signal) ->
                {
                    if (Aeron.NULL_VALUE != recordingId && signal != RecordingSignal.DELETE)
                    {
                        signalledRecordingId.compareAndSet(Aeron.NULL_VALUE, recordingId);
                    }
                    if (signal == RecordingSignal.REPLICATE_END)
                    {
                        replicationEnded.set(recordingId);
                    }
                }));
            this.local = local;
            this.counters = aeron.countersReader();

            final long existing;
            try (RecordingLog log = new RecordingLog(journalDir))
            {
                final RecordingLog.Entry entry = log.latest(RecordingLog.TYPE_JOURNAL);
                existing = null == entry ? Aeron.NULL_VALUE : entry.recordingId();
            }
            final long[] leader = findLeaderJournal(
                aeron, leaderControlChannel, leaderControlStreamId, responseChannel, timeoutNs);
            final long leaderRecordingId = leader[0];
            leaderEpoch = Math.max(0, leader[1]);
            final long[] snapshot = Aeron.NULL_VALUE == existing ? bootstrapSnapshot(aeron, leader[3],
                leaderControlChannel, leaderControlStreamId, responseChannel, timeoutNs) : null;
            signalledRecordingId.set(Aeron.NULL_VALUE);
            if (Aeron.NULL_VALUE != existing && leader[1] >= 0)
            {
                truncatedBytes = truncateDivergentTail(local, journalDir, existing, leader[2]);
            }
            replicationId = local.replicate(leaderRecordingId, leaderControlStreamId, leaderControlChannel,
                new ReplicationParams().dstRecordingId(existing).srcResponseChannel(responseChannel));
            if (Aeron.NULL_VALUE != existing)
            {
                recordingId = existing;
            }
            else
            {
                recordingId = awaitNewRecording(timeoutNs);
                try (RecordingLog log = new RecordingLog(journalDir))
                {
                    log.append(RecordingLog.TYPE_JOURNAL, recordingId, 0, 0, System.currentTimeMillis());
                    if (null != snapshot)
                    {
                        awaitRecorded(snapshot[1], timeoutNs);
                        log.append(RecordingLog.TYPE_SNAPSHOT, snapshot[0], snapshot[1], snapshot[2], snapshot[3]);
                        bootstrapSnapshotPosition = snapshot[1];
                    }
                }
            }
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(local);
            throw ex instanceof SkeinException ? ex : new SkeinException(SkeinException.Code.STORAGE,
                SkeinException.Category.ERROR, "cannot replicate the leader's journal from " + leaderControlChannel +
                ": " + ex.getMessage(), ex);
        }
    }

    /**
     * A node that led (or followed further than the node promoted after it) holds entries the new leader never had,
     * beyond where the new leader's epoch began: cut them off, and the snapshots that reflect them, before copying
     * the new leader's journal after that point.
     */
    private static long truncateDivergentTail(
        final AeronArchive local, final File journalDir, final long recordingId, final long epochStart)
    {
        long stop = local.getStopPosition(recordingId);
        if (AeronArchive.NULL_POSITION == stop)
        {
            stop = local.getMaxRecordedPosition(recordingId);
        }
        if (stop <= epochStart)
        {
            return 0;
        }
        try (RecordingLog log = new RecordingLog(journalDir))
        {
            for (final RecordingLog.Entry entry : log.entries())
            {
                if (entry.type() == RecordingLog.TYPE_SNAPSHOT && entry.isValid() && entry.position() > epochStart)
                {
                    log.invalidate(entry.index());
                }
            }
        }
        local.truncateRecording(recordingId, epochStart);
        return stop - epochStart;
    }

    /**
     * A new follower copies the leader's latest snapshot first (a one-off replication of a finished recording), so it
     * starts from the snapshot plus the journal after it: needed when the leader has compacted its journal, and
     * quicker otherwise.
     *
     * @return {local snapshot recording id, journal position, epoch, timestamp ms}, or null if the leader has none.
     */
    private long[] bootstrapSnapshot(
        final Aeron aeron,
        final long leaderSnapshotId,
        final String leaderControlChannel,
        final int leaderControlStreamId,
        final String responseChannel,
        final long timeoutNs)
    {
        if (Aeron.NULL_VALUE == leaderSnapshotId)
        {
            return null;
        }
        signalledRecordingId.set(Aeron.NULL_VALUE);
        replicationEnded.set(Aeron.NULL_VALUE);
        local.replicate(leaderSnapshotId, leaderControlStreamId, leaderControlChannel,
            new ReplicationParams().srcResponseChannel(responseChannel));
        final long snapshotId = awaitNewRecording(timeoutNs);
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (replicationEnded.get() != snapshotId)
        {
            local.pollForRecordingSignals();
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new SkeinException(SkeinException.Code.TIMEOUT, "the leader's snapshot was not copied in time");
            }
            Thread.onSpinWait();
            Thread.yield();
        }
        return SnapshotHeader.read(aeron, local, snapshotId, timeoutNs);
    }

    private void awaitRecorded(final long position, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (recordedPosition() < position)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new SkeinException(SkeinException.Code.TIMEOUT, "the copy of the leader's journal did not " +
                    "reach the snapshot's position " + position + " in time");
            }
            Thread.yield();
        }
    }

    /**
     * For a new follower that started from a copy of the leader's snapshot: the journal position it reflects.
     *
     * @return the position, or {@link Aeron#NULL_VALUE} if the follower did not bootstrap from a snapshot.
     */
    public long bootstrapSnapshotPosition()
    {
        return bootstrapSnapshotPosition;
    }

    private static long[] findLeaderJournal(
        final Aeron aeron,
        final String controlChannel,
        final int controlStreamId,
        final String responseChannel,
        final long timeoutNs)
    {
        try (AeronArchive leader = AeronArchive.connect(new AeronArchive.Context()
            .aeron(aeron)
            .controlRequestChannel(controlChannel)
            .controlRequestStreamId(controlStreamId)
            .controlResponseChannel(responseChannel)
            .messageTimeoutNs(timeoutNs)))
        {
            final long[] found = {Aeron.NULL_VALUE};
            leader.listRecordingsForUri(0, 1_000, "aeron:ipc", Journal.Context.STREAM_ID_DEFAULT,
                (controlSessionId, correlationId, recordingId, startTimestamp, stopTimestamp, startPosition,
                stopPosition, initialTermId, segmentFileLength, termBufferLength, mtuLength, sessionId, streamId,
                strippedChannel, originalChannel, sourceIdentity) -> found[0] = Math.max(found[0], recordingId));
            if (Aeron.NULL_VALUE == found[0])
            {
                throw new SkeinException(SkeinException.Code.STORAGE, "the leader at " + controlChannel +
                    " has no journal recording yet");
            }
            final long[] epoch = Journal.latestEpoch(leader);
            final long[] snapshot = {Aeron.NULL_VALUE};
            leader.listRecordingsForUri(0, 1_000, "aeron:ipc", Journal.Context.SNAPSHOT_STREAM_ID_DEFAULT,
                (controlSessionId, correlationId, recordingId, startTimestamp, stopTimestamp, startPosition,
                stopPosition, initialTermId, segmentFileLength, termBufferLength, mtuLength, sessionId, streamId,
                strippedChannel, originalChannel, sourceIdentity) ->
                {
                    if (AeronArchive.NULL_POSITION != stopPosition)
                    {
                        snapshot[0] = Math.max(snapshot[0], recordingId);
                    }
                });
            return new long[] {found[0], null == epoch ? -1 : epoch[0], null == epoch ? -1 : epoch[1], snapshot[0]};
        }
    }

    private long awaitNewRecording(final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (Aeron.NULL_VALUE == signalledRecordingId.get())
        {
            local.pollForRecordingSignals();
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new SkeinException(SkeinException.Code.TIMEOUT, "the local archive did not start the copy " +
                    "of the leader's journal");
            }
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new SkeinException(SkeinException.Code.TIMEOUT, "interrupted");
            }
        }
        return signalledRecordingId.get();
    }

    /**
     * The newest epoch the leader had recorded when replication started (0 if it was never promoted).
     *
     * @return the epoch.
     */
    public long leaderEpoch()
    {
        return leaderEpoch;
    }

    /**
     * How many bytes of this node's journal were cut off when it rejoined a newer epoch's leader: entries that leader
     * never had.
     *
     * @return the bytes truncated, 0 if none.
     */
    public long truncatedBytes()
    {
        return truncatedBytes;
    }

    /**
     * The local copy's recording id.
     *
     * @return the recording id.
     */
    public long recordingId()
    {
        return recordingId;
    }

    /**
     * How far the local archive has recorded the copy: what this follower reports to the leader.
     *
     * @return the recorded position, or {@link Aeron#NULL_VALUE} if replication is not recording just now.
     */
    public long recordedPosition()
    {
        final int counterId = RecordingPos.findCounterIdByRecording(counters, recordingId);
        return CountersReader.NULL_COUNTER_ID == counterId ? Aeron.NULL_VALUE : counters.getCounterValue(counterId);
    }

    /**
     * Stop replicating (the local copy stays).
     */
    @Override
    public void close()
    {
        try
        {
            local.tryStopReplication(replicationId);
        }
        catch (final RuntimeException ignore)
        {
            // The replication may already have ended with its source.
        }
        CloseHelper.quietClose(local);
    }
}
