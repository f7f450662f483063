package io.skein.replication;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.aeron.Aeron;
import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.client.ArchiveException;
import io.aeron.archive.client.ReplicationParams;
import io.aeron.archive.codecs.RecordingSignal;
import io.aeron.archive.status.RecordingPos;
import io.skein.journal.Journal;
import io.skein.journal.RecordingLog;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersReader;

/**
 * Keeps a follower's local copy of the leader's journal: asks the follower's own archive to replicate the leader's
 * journal recording and follow it live (Aeron Archive replication). The first time it creates the local copy and
 * names it in the follower's recording log; after a restart it extends the same copy from where it stopped.
 * <p>
 * A follower with a copy does not need its leader to start: if the leader cannot be reached it starts from its own
 * copy (it serves queries and can be promoted) and keeps trying on its own thread, once a second, to reach the
 * leader, or the new leader it is re-pointed at ({@link #follow(String)}); the same happens when a running leader goes
 * away. It copies again from where its copy ends as soon as the leader answers. A new follower, with no copy yet,
 * needs its leader to start.
 * <p>
 * The epoch of the leader it copied from last is kept in {@value #FOLLOWED_EPOCH_FILE} in the journal directory.
 * A leader of a newer epoch that began before this copy's end never had the copy's tail: at start, before the engine
 * has applied it, the tail (and any snapshot beyond it) is cut off; at run time, when the engine has already
 * applied it, the replicator refuses to go on ({@link State#DIVERGED}) and the node must be restarted to rejoin.
 * <p>
 * Longer than most classes here because it is one state machine over one session with the local archive: the first
 * copy (with the snapshot bootstrap), reconnecting, re-pointing and the divergence check all use that session's
 * recording signals, which only one thread may poll.
 */
public final class JournalReplicator implements Agent, AutoCloseable
{
    /**
     * File in the journal directory holding the epoch of the leader this copy was last extended from.
     */
    public static final String FOLLOWED_EPOCH_FILE = "leader.epoch";

    private static final long RETRY_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);
    private static final long UNKNOWN_EPOCH = Long.MIN_VALUE;

    /**
     * Where the copy stands.
     */
    public enum State
    {
        /**
         * The local archive is copying the leader's journal.
         */
        REPLICATING,

        /**
         * The leader cannot be reached (or its replication ended): trying again once a second.
         */
        LEADER_UNREACHABLE,

        /**
         * The leader's journal diverges from entries this follower has already applied: restart the node to cut them
         * off and rejoin.
         */
        DIVERGED,

        /**
         * Replication was stopped (promotion or close).
         */
        STOPPED
    }

    private final Aeron aeron;
    private final AeronArchive local;
    private final CountersReader counters;
    private final File journalDir;
    private final int leaderControlStreamId;
    private final String responseChannel;
    private final long timeoutNs;
    private final ErrorHandler errorHandler;
    private final long recordingId;
    private final AtomicLong signalledRecordingId = new AtomicLong(Aeron.NULL_VALUE);
    private final AtomicLong endedRecordingId = new AtomicLong(Aeron.NULL_VALUE);
    private final AtomicLong endedReplicationId = new AtomicLong(Aeron.NULL_VALUE);
    private final AtomicReference<String> requestedLeader = new AtomicReference<>();
    private volatile String leaderControlChannel;
    private volatile State state = State.LEADER_UNREACHABLE;
    private volatile String lastFailure;
    private volatile long leaderEpoch;
    private volatile long truncatedBytes;
    private long followedEpoch;
    private long replicationId = Aeron.NULL_VALUE;
    private long nextAttemptNs;
    private long bootstrapSnapshotPosition = Aeron.NULL_VALUE;
    private AgentRunner runner;

    /**
     * Start replicating, or (for a follower with a copy whose leader cannot be reached) start from the copy and keep
     * trying. Call {@link #start(String)} to begin the retries and the follow-up of the live replication.
     *
     * @param aeron                 connected to the follower's own media driver.
     * @param journalDir            the follower's journal directory (its recording log).
     * @param leaderControlChannel  the leader archive's UDP control channel.
     * @param leaderControlStreamId the leader archive's control stream id.
     * @param responseChannel       a UDP channel on this host the leader's archive can answer on.
     * @param timeoutNs             the longest to wait for the leader in one attempt.
     * @param errorHandler          told when the follower starts without its leader or diverges from it.
     * @throws SkeinException if this follower has no copy yet and cannot make one.
     */
    public JournalReplicator(
        final Aeron aeron,
        final File journalDir,
        final String leaderControlChannel,
        final int leaderControlStreamId,
        final String responseChannel,
        final long timeoutNs,
        final ErrorHandler errorHandler)
    {
        this.aeron = aeron;
        this.journalDir = journalDir;
        this.leaderControlChannel = leaderControlChannel;
        this.leaderControlStreamId = leaderControlStreamId;
        this.responseChannel = responseChannel;
        this.timeoutNs = timeoutNs;
        this.errorHandler = errorHandler;
        this.counters = aeron.countersReader();
        this.followedEpoch = readFollowedEpoch(journalDir);
        this.leaderEpoch = Math.max(0, followedEpoch);
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
                        endedRecordingId.set(recordingId);
                        endedReplicationId.set(correlationId);
                    }
                }));
            this.local = local;
            final long existing;
            try (RecordingLog log = new RecordingLog(journalDir))
            {
                final RecordingLog.Entry entry = log.latest(RecordingLog.TYPE_JOURNAL);
                existing = null == entry ? Aeron.NULL_VALUE : entry.recordingId();
            }
            if (Aeron.NULL_VALUE == existing)
            {
                recordingId = firstCopy();
            }
            else
            {
                recordingId = existing;
                try
                {
                    connectAndReplicate(true);
                }
                catch (final RuntimeException ex)
                {
                    lastFailure = String.valueOf(ex.getMessage());
                    state = State.LEADER_UNREACHABLE;
                    nextAttemptNs = System.nanoTime() + RETRY_INTERVAL_NS;
                    errorHandler.onError(new SkeinException(SkeinException.Code.NOT_CONNECTED,
                        SkeinException.Category.WARNING, "the leader at " + leaderControlChannel + " cannot be " +
                        "reached (" + lastFailure + "): starting from this follower's own copy of the journal (to " +
                        "position " + copyEnd() + "); it serves queries and can be promoted, and copies the " +
                        "leader's journal again once the leader answers", null));
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
     * Start the replicator's own thread: it follows the live replication, and while the leader cannot be reached
     * tries again once a second.
     *
     * @param name         of the node, for the thread's name.
     * @param errorCounter counting errors thrown out of the replicator's duty cycle, or null.
     */
    public synchronized void start(final String name, final AtomicCounter errorCounter)
    {
        if (null == runner && state != State.STOPPED)
        {
            runner = new AgentRunner(new SleepingMillisIdleStrategy(10), errorHandler, errorCounter, this);
            AgentRunner.startOnThread(runner, (runnable) ->
            {
                final Thread thread = new Thread(runnable, "skein-replicator-" + name);
                thread.setDaemon(true);
                return thread;
            });
        }
    }

    @Override
    public String roleName()
    {
        return "skein-replicator";
    }

    /**
     * Re-point this follower at another leader (after a promotion elsewhere), without a restart: the current
     * replication stops and the new leader's journal is copied from where the local copy ends. Takes effect on the
     * replicator's thread.
     *
     * @param newLeaderControlChannel the new leader archive's control channel.
     */
    public void follow(final String newLeaderControlChannel)
    {
        if (state == State.STOPPED)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "replication has stopped (promoted or closed)");
        }
        requestedLeader.set(newLeaderControlChannel);
    }

    @Override
    public int doWork()
    {
        int work = 0;
        final long nowNs = System.nanoTime();
        final String requested = requestedLeader.getAndSet(null);
        if (null != requested)
        {
            stopReplicating();
            leaderControlChannel = requested;
            state = State.LEADER_UNREACHABLE;
            nextAttemptNs = nowNs;
            work++;
        }
        final State current = state;
        if (current == State.REPLICATING)
        {
            try
            {
                work += local.pollForRecordingSignals();
            }
            catch (final ArchiveException ex)
            {
                if (ex.correlationId() == replicationId)
                {
                    endedReplicationId.set(replicationId);
                }
                lastFailure = ex.getMessage();
            }
            if (endedReplicationId.get() == replicationId)
            {
                replicationId = Aeron.NULL_VALUE;
                state = State.LEADER_UNREACHABLE;
                nextAttemptNs = nowNs + RETRY_INTERVAL_NS;
                work++;
            }
        }
        else if (current == State.LEADER_UNREACHABLE && nowNs - nextAttemptNs >= 0)
        {
            try
            {
                connectAndReplicate(false);
            }
            catch (final RuntimeException ex)
            {
                lastFailure = String.valueOf(ex.getMessage());
                nextAttemptNs = System.nanoTime() + RETRY_INTERVAL_NS;
            }
            work++;
        }
        return work;
    }

    /**
     * Find the leader's journal, check this copy against the leader's newest epoch, and start replicating.
     *
     * @param mayTruncate whether the copy may be cut back (only before the engine has applied it).
     */
    private void connectAndReplicate(final boolean mayTruncate)
    {
        final String channel = leaderControlChannel;
        final long[] leader = findLeaderJournal(aeron, channel, leaderControlStreamId, responseChannel, timeoutNs);
        final long epoch = leader[1];
        final long epochStart = leader[2];
        if (UNKNOWN_EPOCH != followedEpoch && epoch < followedEpoch)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "the node at " + channel + " leads epoch " +
                Math.max(0, epoch) + ", older than epoch " + followedEpoch + " this follower has copied: it was " +
                "deposed; point this follower at the current leader");
        }
        final long end = copyEnd();
        if (epoch >= 0 && epoch != followedEpoch && end > epochStart)
        {
            if (!mayTruncate)
            {
                lastFailure = "the leader at " + channel + " began epoch " + epoch + " at position " + epochStart +
                    ", before the end of this follower's copy at " + end + ": the " + (end - epochStart) +
                    " bytes after it were never the new leader's and this follower has applied them";
                state = State.DIVERGED;
                errorHandler.onError(new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.ERROR,
                    lastFailure + "; restart this node (as a follower of " + channel + ") to cut them off and rejoin",
                    null));
                return;
            }
            truncatedBytes += truncateDivergentTail(local, journalDir, recordingId, epochStart);
        }
        replicationId = local.replicate(leader[0], leaderControlStreamId, channel,
            new ReplicationParams().dstRecordingId(recordingId).srcResponseChannel(responseChannel));
        onReplicating(epoch);
    }

    private void onReplicating(final long epoch)
    {
        leaderEpoch = Math.max(0, epoch);
        if (epoch != followedEpoch)
        {
            followedEpoch = epoch;
            writeFollowedEpoch(journalDir, epoch);
        }
        lastFailure = null;
        state = State.REPLICATING;
    }

    /**
     * A new follower: copy the leader's latest snapshot, then start the copy of its journal and name it in the
     * recording log.
     */
    private long firstCopy()
    {
        final String channel = leaderControlChannel;
        final long[] leader;
        try
        {
            leader = findLeaderJournal(aeron, channel, leaderControlStreamId, responseChannel, timeoutNs);
        }
        catch (final RuntimeException ex)
        {
            throw new SkeinException(SkeinException.Code.NOT_CONNECTED, SkeinException.Category.ERROR, "this " +
                "follower has no copy of the journal yet and needs its leader to make one, but the leader at " +
                channel + " cannot be reached: " + ex.getMessage(), ex);
        }
        final long[] snapshot = bootstrapSnapshot(leader[3], channel);
        signalledRecordingId.set(Aeron.NULL_VALUE);
        replicationId = local.replicate(leader[0], leaderControlStreamId, channel,
            new ReplicationParams().srcResponseChannel(responseChannel));
        final long copyId = awaitNewRecording();
        try (RecordingLog log = new RecordingLog(journalDir))
        {
            log.append(RecordingLog.TYPE_JOURNAL, copyId, 0, 0, System.currentTimeMillis());
            if (null != snapshot)
            {
                awaitRecorded(copyId, snapshot[1]);
                log.append(RecordingLog.TYPE_SNAPSHOT, snapshot[0], snapshot[1], snapshot[2], snapshot[3]);
                bootstrapSnapshotPosition = snapshot[1];
            }
        }
        onReplicating(leader[1]);
        return copyId;
    }

    private long copyEnd()
    {
        final long stop = local.getStopPosition(recordingId);
        return AeronArchive.NULL_POSITION == stop ? local.getMaxRecordedPosition(recordingId) : stop;
    }

    private void stopReplicating()
    {
        if (Aeron.NULL_VALUE == replicationId)
        {
            return;
        }
        try
        {
            if (local.tryStopReplication(replicationId))
            {
                final long deadlineNs = System.nanoTime() + timeoutNs;
                while (endedReplicationId.get() != replicationId && System.nanoTime() - deadlineNs < 0)
                {
                    local.pollForRecordingSignals();
                    Thread.yield();
                }
            }
        }
        catch (final RuntimeException ignore)
        {
            // The replication may already have ended with its source.
        }
        replicationId = Aeron.NULL_VALUE;
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
    private long[] bootstrapSnapshot(final long leaderSnapshotId, final String channel)
    {
        if (Aeron.NULL_VALUE == leaderSnapshotId)
        {
            return null;
        }
        signalledRecordingId.set(Aeron.NULL_VALUE);
        endedRecordingId.set(Aeron.NULL_VALUE);
        local.replicate(leaderSnapshotId, leaderControlStreamId, channel,
            new ReplicationParams().srcResponseChannel(responseChannel));
        final long snapshotId = awaitNewRecording();
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (endedRecordingId.get() != snapshotId)
        {
            local.pollForRecordingSignals();
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new SkeinException(SkeinException.Code.TIMEOUT, "the leader's snapshot was not copied in time");
            }
            Thread.yield();
        }
        return SnapshotHeader.read(aeron, local, snapshotId, timeoutNs);
    }

    private void awaitRecorded(final long copyId, final long position)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (recordedPosition(copyId) < position)
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

    private long awaitNewRecording()
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

    private static long readFollowedEpoch(final File journalDir)
    {
        final File file = new File(journalDir, FOLLOWED_EPOCH_FILE);
        if (!file.exists())
        {
            return UNKNOWN_EPOCH;
        }
        try
        {
            return Long.parseLong(Files.readString(file.toPath(), StandardCharsets.US_ASCII).trim());
        }
        catch (final IOException | NumberFormatException ex)
        {
            return UNKNOWN_EPOCH;
        }
    }

    private static void writeFollowedEpoch(final File journalDir, final long epoch)
    {
        final File file = new File(journalDir, FOLLOWED_EPOCH_FILE);
        final File temporary = new File(journalDir, FOLLOWED_EPOCH_FILE + ".tmp");
        try
        {
            Files.writeString(temporary.toPath(), Long.toString(epoch) + "\n", StandardCharsets.US_ASCII);
            Files.move(temporary.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING,
                StandardCopyOption.ATOMIC_MOVE);
        }
        catch (final IOException ex)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, "cannot write " + file + ": " + ex.getMessage());
        }
    }

    /**
     * Where the copy stands.
     *
     * @return the state.
     */
    public State state()
    {
        return state;
    }

    /**
     * Why the last attempt to reach the leader failed, or why the copy diverged.
     *
     * @return the reason, or null while replicating.
     */
    public String lastFailure()
    {
        return lastFailure;
    }

    /**
     * The leader archive's control channel this follower copies from (or tries to).
     *
     * @return the channel.
     */
    public String leaderControlChannel()
    {
        return leaderControlChannel;
    }

    /**
     * The newest epoch of the leader this copy was last extended from (0 if it was never promoted).
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
        return recordedPosition(recordingId);
    }

    private long recordedPosition(final long id)
    {
        final int counterId = RecordingPos.findCounterIdByRecording(counters, id);
        return CountersReader.NULL_COUNTER_ID == counterId ? Aeron.NULL_VALUE : counters.getCounterValue(counterId);
    }

    /**
     * Stop replicating (the local copy stays), and the replicator's thread.
     */
    @Override
    public void close()
    {
        final AgentRunner runner;
        synchronized (this)
        {
            runner = this.runner;
            state = State.STOPPED;
        }
        CloseHelper.close(errorHandler, runner);
        state = State.STOPPED;
        stopReplicating();
        CloseHelper.quietClose(local);
    }
}
