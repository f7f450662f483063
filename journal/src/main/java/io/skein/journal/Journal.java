package io.skein.journal;

import java.io.File;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.codecs.SourceLocation;
import io.aeron.archive.status.RecordingPos;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.CountersReader;

/**
 * The journal: one exclusive IPC publication recorded by Aeron Archive, holding one entry per accepted command. Its
 * durable position is the archive's {@link RecordingPos} counter for the recording: an entry is durable once that
 * counter has passed its end. The recording is named in Skein's own {@link RecordingLog}; on restart the same
 * recording is extended, so positions continue across runs.
 * <p>
 * Appends come from the single writer only. {@link #durablePosition()} may be read from any thread.
 * <p>
 * The file is long on purpose: appending, the durable position, readers and the recording's life cycle (open,
 * extend, cut, promote to writable) all act on the one recording and its publication under the journal's lock, so
 * they stay together; the nested {@link Context} is the last 400 lines.
 */
public final class Journal implements AutoCloseable
{
    /**
     * Durable position reported once the recording has stopped or its counter is gone.
     */
    public static final long FAILED_POSITION = Long.MIN_VALUE;

    private static final int KEEP_ALIVE_POLLS = 16;

    private final Context ctx;
    private final Aeron aeron;
    private volatile AeronArchive archive;
    private long archiveReconnects;
    private final RecordingLog recordingLog;
    private volatile ExclusivePublication publication;
    private final CountersReader counters;
    private final IdleStrategy appendIdle = new BackoffIdleStrategy();
    private final long recordingId;
    private volatile long startPosition;
    private final int segmentFileLength;
    private final int recordingTermLength;
    private final long recoveredEndPosition;
    private volatile int counterId;
    private volatile int maxEntryLength;

    private Journal(final Context ctx)
    {
        this.ctx = ctx;
        Aeron aeron = null;
        AeronArchive archive = null;
        RecordingLog recordingLog = null;
        try
        {
            aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(ctx.aeronDirectoryName())
                .errorHandler(ctx.errorHandler()));
            archive = AeronArchive.connect(new AeronArchive.Context()
                .aeron(aeron)
                .controlRequestChannel(ctx.controlRequestChannel())
                .controlResponseChannel(ctx.controlResponseChannel())
                .messageTimeoutNs(ctx.timeoutNs()));
            recordingLog = new RecordingLog(ctx.journalDir());
            this.aeron = aeron;
            this.archive = archive;
            this.recordingLog = recordingLog;
            this.counters = aeron.countersReader();

            final RecordingLog.Entry journalEntry = recordingLog.latest(RecordingLog.TYPE_JOURNAL);
            if (ctx.readOnly())
            {
                if (null == journalEntry)
                {
                    throw new SkeinException(SkeinException.Code.STORAGE, "no journal in " + ctx.journalDir());
                }
                recordingId = journalEntry.recordingId();
                final RecordingDescription description = RecordingDescription.read(archive, recordingId);
                startPosition = description.startPosition;
                recoveredEndPosition = AeronArchive.NULL_POSITION == description.stopPosition ?
                    archive.getMaxRecordedPosition(recordingId) : description.stopPosition;
                segmentFileLength = description.segmentFileLength;
                recordingTermLength = description.termBufferLength;
                publication = null;
                counterId = CountersReader.NULL_COUNTER_ID;
            }
            else if (null == journalEntry)
            {
                final String channel = new ChannelUriStringBuilder().media(CommonContext.IPC_MEDIA)
                    .termLength(ctx.termLength()).build();
                publication = aeron.addExclusivePublication(channel, ctx.streamId());
                archive.startRecording(
                    ChannelUri.addSessionId(channel, publication.sessionId()), ctx.streamId(), SourceLocation.LOCAL,
                    true);
                counterId = awaitRecordingCounter(publication.sessionId());
                recordingId = RecordingPos.getRecordingId(counters, counterId);
                recordingLog.append(RecordingLog.TYPE_JOURNAL, recordingId, 0, 0, System.currentTimeMillis());
                startPosition = 0;
                recoveredEndPosition = 0;
                final RecordingDescription description = RecordingDescription.read(archive, recordingId);
                segmentFileLength = description.segmentFileLength;
                recordingTermLength = description.termBufferLength;
            }
            else
            {
                recordingId = journalEntry.recordingId();
                final RecordingDescription description = RecordingDescription.read(archive, recordingId);
                long stopPosition = description.stopPosition;
                if (AeronArchive.NULL_POSITION == stopPosition)
                {
                    stopPosition = archive.getMaxRecordedPosition(recordingId);
                }
                startPosition = description.startPosition;
                recoveredEndPosition = stopPosition;
                segmentFileLength = description.segmentFileLength;
                recordingTermLength = description.termBufferLength;
                final String channel = new ChannelUriStringBuilder().media(CommonContext.IPC_MEDIA)
                    .initialPosition(stopPosition, description.initialTermId, description.termBufferLength)
                    .mtu(description.mtuLength)
                    .build();
                publication = aeron.addExclusivePublication(channel, ctx.streamId());
                archive.extendRecording(recordingId, ChannelUri.addSessionId(channel, publication.sessionId()),
                    ctx.streamId(), SourceLocation.LOCAL, true);
                counterId = awaitRecordingCounter(publication.sessionId());
            }
            maxEntryLength = null == publication ? 0 : publication.maxMessageLength();
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(recordingLog, archive, aeron);
            throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                "cannot open the journal in " + ctx.journalDir() + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Open the journal: name a new recording in the recording log, or extend the one it names.
     *
     * @param ctx for the configuration; concluded here.
     * @return the open journal.
     */
    public static Journal launch(final Context ctx)
    {
        ctx.conclude();
        return new Journal(ctx);
    }

    /**
     * Append one entry, whole, waiting (bounded by {@link Context#appendTimeoutNs()}) while the publication is
     * back-pressured; never drops it.
     *
     * @param buffer holding the entry.
     * @param offset of the entry.
     * @param length of the entry.
     * @return the journal position just after the entry.
     * @throws SkeinException if the entry is too long, the recording is gone, or the wait ran out.
     */
    public long append(final DirectBuffer buffer, final int offset, final int length)
    {
        if (null == publication)
        {
            throw new SkeinException(SkeinException.Code.CLOSED, "the journal was opened read-only");
        }
        if (length > maxEntryLength)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "journal entry of " + length +
                " bytes exceeds the maximum of " + maxEntryLength + " (term length / 8)");
        }
        long result = publication.offer(buffer, offset, length);
        if (result > 0)
        {
            wakeRecorder();
            return result;
        }
        final long deadlineNs = System.nanoTime() + ctx.appendTimeoutNs();
        appendIdle.reset();
        while (true)
        {
            if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
            {
                if (System.nanoTime() - deadlineNs >= 0)
                {
                    throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                        "journal stayed back-pressured for " + ctx.appendTimeoutNs() + "ns", null);
                }
                appendIdle.idle();
            }
            else
            {
                throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                    "journal publication cannot take entries: " + Publication.errorString(result) +
                    " (is the archive still recording?)", null);
            }
            result = publication.offer(buffer, offset, length);
            if (result > 0)
            {
                wakeRecorder();
                return result;
            }
        }
    }

    private void wakeRecorder()
    {
        final EmbeddedArchive embedded = ctx.embeddedArchive();
        if (null != embedded)
        {
            embedded.wakeRecorder();
        }
    }

    /**
     * The position up to which the archive has recorded the journal: entries ending at or below it are durable.
     *
     * @return the recorded position, or {@link #FAILED_POSITION} once the recording has stopped.
     */
    public long durablePosition()
    {
        if (null == publication)
        {
            return ctx.readOnly() ? Math.max(recoveredEndPosition, recordedEnd()) : recoveredEndPosition;
        }
        final long position = counters.getCounterValue(counterId);
        if (counters.getCounterState(counterId) != CountersReader.RECORD_ALLOCATED ||
            counters.getCounterRegistrationId(counterId) == CountersReader.NULL_COUNTER_ID)
        {
            return FAILED_POSITION;
        }
        return position;
    }

    /**
     * Wait, bounded, until the journal is durable to a position.
     *
     * @param position  to wait for.
     * @param timeoutNs the longest to wait.
     * @return true if durable, false if the wait ran out or the recording failed.
     */
    public boolean awaitDurable(final long position, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        final IdleStrategy idle = new BackoffIdleStrategy();
        while (true)
        {
            final long durable = durablePosition();
            if (durable >= position)
            {
                return true;
            }
            if (FAILED_POSITION == durable || System.nanoTime() - deadlineNs >= 0)
            {
                return false;
            }
            idle.idle();
        }
    }

    /**
     * The publication's position: the end of the last appended entry, durable or not.
     *
     * @return the position.
     */
    public long position()
    {
        return null == publication ? recoveredEndPosition : publication.position();
    }

    /**
     * The largest entry the journal takes.
     *
     * @return length in bytes.
     */
    public int maxEntryLength()
    {
        return maxEntryLength;
    }

    /**
     * The archive recording holding the journal.
     *
     * @return the recording id.
     */
    public long recordingId()
    {
        return recordingId;
    }

    /**
     * Where the journal recording starts: 0, or later once compacted.
     *
     * @return the start position.
     */
    public long startPosition()
    {
        return startPosition;
    }

    /**
     * Where the journal ended when it was opened: recovery replays up to here.
     *
     * @return the end position.
     */
    public long recoveredEndPosition()
    {
        return recoveredEndPosition;
    }

    /**
     * How far the journal's recording reaches now: its live recorded position while recording (for a follower,
     * while replication copies it), else where it stopped.
     *
     * @return the position.
     */
    public long recordedEnd()
    {
        final long live = archive.getRecordingPosition(recordingId);
        return AeronArchive.NULL_POSITION != live ? live : archive.getStopPosition(recordingId);
    }

    /**
     * The number of bytes an archive recording holds (the journal's, or a snapshot's), for tools.
     *
     * @param recordingId of the recording.
     * @return its length in bytes, or -1 if the archive no longer has it.
     */
    public long recordingLength(final long recordingId)
    {
        try
        {
            final RecordingDescription description = RecordingDescription.read(archive, recordingId);
            final long stop = AeronArchive.NULL_POSITION == description.stopPosition ?
                archive.getMaxRecordedPosition(recordingId) : description.stopPosition;
            return stop - description.startPosition;
        }
        catch (final RuntimeException ex)
        {
            return -1;
        }
    }

    /**
     * Keep the archive control session alive: drain what the archive sent on it (its liveness pings, recording
     * signals, errors of earlier requests), which it otherwise stops after its response window fills (about eight
     * minutes of pings). A session the archive closed anyway is replaced by a new one. Call it regularly from one
     * thread (the engine's journal watch does, every 250 ms); the archive client is thread safe.
     *
     * @return true if the session had to be replaced.
     */
    public boolean keepAlive()
    {
        final AeronArchive current = archive;
        try
        {
            // Each poll reads at most ten fragments of the response stream: read a few times over.
            for (int i = 0; i < KEEP_ALIVE_POLLS; i++)
            {
                current.pollForRecordingSignals();
            }
            if (current.state() == AeronArchive.State.CONNECTED)
            {
                return false;
            }
        }
        catch (final RuntimeException ex)
        {
            if (current.state() == AeronArchive.State.CONNECTED)
            {
                // An error answering an earlier request (a replay that failed, say): reported, session still good.
                ctx.errorHandler().onError(ex);
                return false;
            }
        }
        final AeronArchive replacement = AeronArchive.connect(new AeronArchive.Context()
            .aeron(aeron)
            .controlRequestChannel(ctx.controlRequestChannel())
            .controlResponseChannel(ctx.controlResponseChannel())
            .messageTimeoutNs(ctx.timeoutNs()));
        archive = replacement;
        archiveReconnects++;
        CloseHelper.quietClose(current);
        ctx.errorHandler().onError(new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.WARNING,
            "the archive closed the journal's control session; connected a new one (" + archiveReconnects +
            " so far)", null));
        return true;
    }

    /**
     * Cut a stopped node's journal back to a position, for {@code skein journal repair}: everything recorded after
     * it is removed from the archive, and snapshots taken after it are invalidated in the recording log (they
     * reflect entries no longer in the journal).
     *
     * @param position where the journal ends afterwards: the end of a whole entry.
     * @return the snapshots invalidated.
     */
    public int cut(final long position)
    {
        if (null != publication)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION,
                "only the journal of a stopped node can be cut (open it read-only)");
        }
        if (position < startPosition || position > recoveredEndPosition)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "position " + position +
                " is outside the journal (" + startPosition + " to " + recoveredEndPosition + ")");
        }
        int invalidated = 0;
        for (final RecordingLog.Entry entry : recordingLog.entries())
        {
            if (entry.isValid() && entry.type() == RecordingLog.TYPE_SNAPSHOT && entry.position() > position)
            {
                recordingLog.invalidate(entry.index());
                invalidated++;
            }
        }
        if (position < recoveredEndPosition)
        {
            archive.truncateRecording(recordingId, position);
        }
        return invalidated;
    }

    /**
     * The archive control session, for tests and tools.
     *
     * @return the client.
     */
    public AeronArchive archiveClient()
    {
        return archive;
    }

    /**
     * The least free space on any file system the journal writes to: the archive's directory (when known), the Aeron
     * directory and the journal directory.
     *
     * @return usable bytes.
     */
    public long usableStorage()
    {
        long usable = usable(new File(ctx.aeronDirectoryName()));
        usable = Math.min(usable, usable(ctx.journalDir()));
        if (null != ctx.archiveDir())
        {
            usable = Math.min(usable, usable(ctx.archiveDir()));
        }
        return usable;
    }

    private static long usable(final File dir)
    {
        final long usable = dir.getUsableSpace();
        return 0 == usable && !dir.exists() ? Long.MAX_VALUE : usable;
    }

    /**
     * A reader over the journal recording.
     *
     * @return a new reader, to close after use.
     */
    public JournalReader reader()
    {
        final RecordingScan scan = null == ctx.archiveDir() ? null :
            RecordingScan.forRecording(archive, ctx.archiveDir(), recordingId);
        return new JournalReader(aeron, archive, recordingId, ctx.replayStreamId(), ctx.timeoutNs(), true, scan);
    }

    /**
     * Follow the journal from a position: a replay that goes on live, never past what is durable.
     *
     * @param fromPosition   where the replay starts, at most the durable position.
     * @param limitCounterId a counter bounding the replay further (the replicated position), or
     *                       {@link Aeron#NULL_VALUE} to be bounded by the recorded position only.
     * @return the follow, to poll and close.
     */
    public JournalReplay follow(final long fromPosition, final int limitCounterId)
    {
        return new JournalReplay(aeron, archive, recordingId, ctx.replayStreamId(), fromPosition,
            AeronArchive.REPLAY_ALL_AND_FOLLOW, limitCounterId);
    }

    /**
     * Whether an entry (or a term's end padding) starts at a position, checked on disk: a replay from any other
     * position would be refused by the archive or begin inside an entry. Where the archive's files are not local
     * ({@link Context#archiveDir()} unset), only the frame alignment is checked and the reader's own check of the first
     * entry catches the rest.
     *
     * @param position in the recording, before its recorded end.
     * @return true if a read may start there.
     */
    public boolean isEntryStart(final long position)
    {
        if (position % FrameDescriptor.FRAME_ALIGNMENT != 0 || position < startPosition)
        {
            return false;
        }
        if (null == ctx.archiveDir())
        {
            return true;
        }
        return RecordingScan.forRecording(archive, ctx.archiveDir(), recordingId).isMessageStart(position);
    }

    /**
     * Replay a range of the journal, at most to the durable position.
     *
     * @param fromPosition where the replay starts.
     * @param toPosition   where it ends, at most the durable position.
     * @return the replay, to poll and close.
     */
    public JournalReplay replay(final long fromPosition, final long toPosition)
    {
        return new JournalReplay(aeron, archive, recordingId, ctx.replayStreamId(), fromPosition,
            toPosition - fromPosition, Aeron.NULL_VALUE);
    }

    /**
     * Start a replay of the journal to another channel (a remote subscriber's), going on live, never past what is
     * durable. The archive publishes it; the subscriber receives it on its channel with the returned session id.
     *
     * @param fromPosition   where the replay starts, at most the durable position.
     * @param limitCounterId a counter bounding the replay further (the replicated position), or
     *                       {@link Aeron#NULL_VALUE} to be bounded by the recorded position only.
     * @param channel        the subscriber's channel.
     * @param streamId       the subscriber's stream id.
     * @return the replay session id (its low 32 bits are the image's session id).
     */
    public long replayTo(final long fromPosition, final int limitCounterId, final String channel, final int streamId)
    {
        return Aeron.NULL_VALUE == limitCounterId ?
            archive.startReplay(recordingId, fromPosition, AeronArchive.REPLAY_ALL_AND_FOLLOW, channel, streamId) :
            archive.startBoundedReplay(recordingId, fromPosition, AeronArchive.REPLAY_ALL_AND_FOLLOW,
                limitCounterId, channel, streamId);
    }

    /**
     * Stop a replay started with {@link #replayTo}, quietly if it has already ended.
     *
     * @param replaySessionId of the replay.
     */
    public void stopReplay(final long replaySessionId)
    {
        try
        {
            archive.stopReplay(replaySessionId);
        }
        catch (final RuntimeException ignore)
        {
            // Already ended: its subscriber went away or the recording stopped.
        }
    }

    /**
     * Delete a snapshot recording that is no longer retained: invalidate its recording-log entry first (forced to
     * the device), then purge the recording from the archive.
     *
     * @param entry of the snapshot in the recording log.
     */
    public void purgeSnapshot(final RecordingLog.Entry entry)
    {
        recordingLog.invalidate(entry.index());
        archive.purgeRecording(entry.recordingId());
    }

    /**
     * Delete whole journal segments below a position (rounded down to a segment boundary). Recovery then needs a
     * snapshot at or after the new start: call this only below the oldest retained snapshot.
     *
     * @param position below which segments may go.
     * @return the journal's start position after compaction.
     */
    public long compact(final long position)
    {
        if (null == publication)
        {
            throw new SkeinException(SkeinException.Code.CLOSED, "the journal was opened read-only");
        }
        final long base = AeronArchive.segmentFileBasePosition(
            startPosition, Math.min(position, publication.position()), recordingTermLength, segmentFileLength);
        if (base > startPosition)
        {
            archive.purgeSegments(recordingId, base);
            startPosition = base;
        }
        return startPosition;
    }

    /**
     * Start writing a snapshot as a new recording.
     *
     * @return the writer; finish it for the snapshot to count, close it in any case.
     */
    public SnapshotWriter snapshotWriter()
    {
        return new SnapshotWriter(this, aeron, archive, ctx.snapshotStreamId(), ctx.termLength(), ctx.timeoutNs());
    }

    /**
     * Read a snapshot recording whole: every message, in order, unchecked (the caller checks the framing).
     *
     * @param snapshotRecordingId of the snapshot.
     * @param handler             for each message.
     * @return the number of messages read.
     * @throws SkeinException if the recording is missing or cannot be replayed.
     */
    public long readSnapshot(final long snapshotRecordingId, final EntryHandler handler)
    {
        final RecordingDescription description = RecordingDescription.read(archive, snapshotRecordingId);
        final long stop = AeronArchive.NULL_POSITION == description.stopPosition ?
            archive.getMaxRecordedPosition(snapshotRecordingId) : description.stopPosition;
        final RecordingScan snapshotScan = null == ctx.archiveDir() ? null :
            RecordingScan.forRecording(archive, ctx.archiveDir(), snapshotRecordingId);
        try (JournalReader reader = new JournalReader(
            aeron, archive, snapshotRecordingId, ctx.replayStreamId(), ctx.timeoutNs(), false, snapshotScan))
        {
            return reader.read(description.startPosition, stop, handler, null);
        }
    }

    /**
     * The recording log of this journal.
     *
     * @return the log.
     */
    public RecordingLog recordingLog()
    {
        return recordingLog;
    }

    /**
     * The configuration it runs with.
     *
     * @return the context.
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        if (null != archive && null != publication && !aeron.isClosed())
        {
            try
            {
                archive.stopRecording(publication);
            }
            catch (final RuntimeException ignore)
            {
                // The archive may already have stopped the recording (it stops when the publication closes).
            }
        }
        // The recording stops first, then the recording log that names it closes.
        CloseHelper.quietCloseAll(publication, recordingLog, archive, aeron);
    }

    /**
     * Turn a read-only journal (a follower's local copy of its leader's journal, replication stopped) into the
     * journal this node writes: cut the copy back to {@code endPosition} (the end of its last whole entry, since a
     * stopped replication may end mid-entry), extend the same recording from there, and record the new epoch in the
     * recording log (forced to the device) and in the archive's catalog, where followers find it.
     *
     * @param endPosition where the last whole entry of the copy ends.
     * @param epoch       the new leadership epoch.
     */
    public synchronized void promote(final long endPosition, final long epoch)
    {
        if (null != publication)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "the journal is already writable");
        }
        final RecordingDescription description = RecordingDescription.read(archive, recordingId);
        if (AeronArchive.NULL_POSITION == description.stopPosition)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, "the journal copy is still being recorded: stop " +
                "replication before promoting");
        }
        if (endPosition < description.stopPosition)
        {
            archive.truncateRecording(recordingId, endPosition);
        }
        final String channel = new ChannelUriStringBuilder().media(CommonContext.IPC_MEDIA)
            .initialPosition(endPosition, description.initialTermId, description.termBufferLength)
            .mtu(description.mtuLength)
            .build();
        final ExclusivePublication extended = aeron.addExclusivePublication(channel, ctx.streamId());
        archive.extendRecording(recordingId, ChannelUri.addSessionId(channel, extended.sessionId()),
            ctx.streamId(), SourceLocation.LOCAL, true);
        counterId = awaitRecordingCounter(extended.sessionId());
        maxEntryLength = extended.maxMessageLength();
        recordingLog.append(RecordingLog.TYPE_EPOCH, recordingId, endPosition, epoch, System.currentTimeMillis());
        EpochMarker.record(aeron, archive, epoch, endPosition, ctx.timeoutNs());
        publication = extended;
    }

    /**
     * The newest leadership epoch recorded in an archive's catalog, and the journal position it began at.
     *
     * @param archive to look in (a leader's, reached over its control channel).
     * @return {epoch, position}, or null if no promotion was ever recorded there.
     */
    public static long[] latestEpoch(final AeronArchive archive)
    {
        return EpochMarker.latest(archive);
    }

    /**
     * Cut this (stopped, not yet extended) journal back to a position: for a deposed leader rejoining as a follower,
     * whose tail the new leader never had. Snapshots beyond the position are marked invalid.
     *
     * @param position where the kept journal ends.
     */
    public synchronized void truncate(final long position)
    {
        if (null != publication)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "truncate a journal before writing to it");
        }
        for (final RecordingLog.Entry entry : recordingLog.entries())
        {
            if (entry.type() == RecordingLog.TYPE_SNAPSHOT && entry.isValid() && entry.position() > position)
            {
                recordingLog.invalidate(entry.index());
            }
        }
        archive.truncateRecording(recordingId, position);
    }

    private int awaitRecordingCounter(final int sessionId)
    {
        final long deadlineNs = System.nanoTime() + ctx.timeoutNs();
        final IdleStrategy idle = new BackoffIdleStrategy();
        int id;
        while (CountersReader.NULL_COUNTER_ID == (id = RecordingPos.findCounterIdBySession(
            counters, sessionId, archive.archiveId())))
        {
            if (System.nanoTime() - deadlineNs >= 0)
            {
                throw new SkeinException(SkeinException.Code.TIMEOUT, "the archive did not start recording the " +
                    "journal within " + ctx.timeoutNs() + "ns");
            }
            idle.idle();
        }
        return id;
    }

    /**
     * Configuration of a journal.
     */
    public static final class Context
    {
        /**
         * Default stream id of the journal publication.
         */
        public static final int STREAM_ID_DEFAULT = 1001;

        /**
         * Default stream id for replays of the journal.
         */
        public static final int REPLAY_STREAM_ID_DEFAULT = 1002;

        /**
         * Default stream id of snapshot publications.
         */
        public static final int SNAPSHOT_STREAM_ID_DEFAULT = 1003;

        private boolean isConcluded;
        private boolean readOnly;
        private String aeronDirectoryName;
        private File journalDir;
        private String controlRequestChannel = "aeron:ipc";
        private String controlResponseChannel = "aeron:ipc";
        private int streamId = STREAM_ID_DEFAULT;
        private int replayStreamId = REPLAY_STREAM_ID_DEFAULT;
        private int snapshotStreamId = SNAPSHOT_STREAM_ID_DEFAULT;
        private int termLength = EmbeddedArchive.Context.TERM_LENGTH_DEFAULT;
        private long appendTimeoutNs = TimeUnit.SECONDS.toNanos(10);
        private long timeoutNs = TimeUnit.SECONDS.toNanos(10);
        private ErrorHandler errorHandler;
        private File archiveDir;
        private EmbeddedArchive embeddedArchive;
        private long minFreeStorageLength = -1;

        /**
         * Default free space below which commands stop: {@value}, or six terms if that is more.
         */
        public static final long MIN_FREE_STORAGE_LENGTH_DEFAULT = 64L * 1024 * 1024;

        /**
         * Validate and fill in defaults.
         *
         * @return this, concluded.
         */
        public Context conclude()
        {
            if (isConcluded)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "context already concluded");
            }
            isConcluded = true;
            if (null == aeronDirectoryName)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "aeronDirectoryName is required (the embedded archive's, or an external media driver's)");
            }
            if (null == journalDir)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "journalDir is required");
            }
            if (null == errorHandler)
            {
                errorHandler = (throwable) -> System.err.println("skein journal: " + throwable);
            }
            if (minFreeStorageLength < 0)
            {
                minFreeStorageLength = Math.max(MIN_FREE_STORAGE_LENGTH_DEFAULT, 6L * termLength);
            }
            return this;
        }

        /**
         * Use an embedded archive: its Aeron directory and term length.
         *
         * @param embedded archive to use.
         * @return this for a fluent API.
         */
        public Context embeddedArchive(final EmbeddedArchive embedded)
        {
            this.aeronDirectoryName = embedded.aeronDirectoryName();
            this.termLength = embedded.context().termLength();
            this.archiveDir = embedded.context().archiveDir();
            this.embeddedArchive = embedded;
            return this;
        }

        /**
         * The embedded archive in this process, if one was given: the journal wakes its recorder after each append.
         *
         * @return the archive, or null.
         */
        public EmbeddedArchive embeddedArchive()
        {
            return embeddedArchive;
        }

        /**
         * The archive's directory, when known (an embedded archive), for the free space watch.
         *
         * @return the directory, or null.
         */
        public File archiveDir()
        {
            return archiveDir;
        }

        /**
         * Set the free space below which the engine stops taking commands, on any of the journal's file systems
         * (archive, Aeron directory, journal directory): low enough to be rarely hit, high enough that the archive
         * and the media driver never run out of space for what is already accepted (a snapshot and a replay each
         * need a log buffer of three terms).
         *
         * @param length in bytes; 0 turns the watch off.
         * @return this for a fluent API.
         */
        public Context minFreeStorageLength(final long length)
        {
            this.minFreeStorageLength = length;
            return this;
        }

        /**
         * The free space below which the engine stops taking commands.
         *
         * @return the length in bytes.
         */
        public long minFreeStorageLength()
        {
            return minFreeStorageLength;
        }

        /**
         * Open an existing journal for reading only: no recording is started or extended and nothing is appended,
         * for tools that inspect a stopped node's journal.
         *
         * @param readOnly true for read-only.
         * @return this for a fluent API.
         */
        public Context readOnly(final boolean readOnly)
        {
            this.readOnly = readOnly;
            return this;
        }

        /**
         * Whether the journal is opened for reading only.
         *
         * @return true if read-only.
         */
        public boolean readOnly()
        {
            return readOnly;
        }

        /**
         * Set the Aeron directory of the media driver the archive runs on.
         *
         * @param name of the directory.
         * @return this for a fluent API.
         */
        public Context aeronDirectoryName(final String name)
        {
            this.aeronDirectoryName = name;
            return this;
        }

        /**
         * The Aeron directory.
         *
         * @return the directory name.
         */
        public String aeronDirectoryName()
        {
            return aeronDirectoryName;
        }

        /**
         * Set the directory of Skein's recording log for this journal (persistent).
         *
         * @param journalDir for the recording log.
         * @return this for a fluent API.
         */
        public Context journalDir(final File journalDir)
        {
            this.journalDir = journalDir;
            return this;
        }

        /**
         * The recording log's directory.
         *
         * @return the directory.
         */
        public File journalDir()
        {
            return journalDir;
        }

        /**
         * Set the archive control request channel; IPC for the embedded archive, the archive's control channel for
         * an external one.
         *
         * @param channel for control requests.
         * @return this for a fluent API.
         */
        public Context controlRequestChannel(final String channel)
        {
            this.controlRequestChannel = channel;
            return this;
        }

        /**
         * The archive control request channel.
         *
         * @return the channel.
         */
        public String controlRequestChannel()
        {
            return controlRequestChannel;
        }

        /**
         * Set the archive control response channel.
         *
         * @param channel for control responses.
         * @return this for a fluent API.
         */
        public Context controlResponseChannel(final String channel)
        {
            this.controlResponseChannel = channel;
            return this;
        }

        /**
         * The archive control response channel.
         *
         * @return the channel.
         */
        public String controlResponseChannel()
        {
            return controlResponseChannel;
        }

        /**
         * Set the journal publication's stream id.
         *
         * @param streamId of the journal.
         * @return this for a fluent API.
         */
        public Context streamId(final int streamId)
        {
            this.streamId = streamId;
            return this;
        }

        /**
         * The journal publication's stream id.
         *
         * @return the stream id.
         */
        public int streamId()
        {
            return streamId;
        }

        /**
         * Set the stream id replays of the journal arrive on.
         *
         * @param streamId for replays.
         * @return this for a fluent API.
         */
        public Context replayStreamId(final int streamId)
        {
            this.replayStreamId = streamId;
            return this;
        }

        /**
         * The replay stream id.
         *
         * @return the stream id.
         */
        public int replayStreamId()
        {
            return replayStreamId;
        }

        /**
         * Set the stream id snapshots are recorded on.
         *
         * @param streamId for snapshots.
         * @return this for a fluent API.
         */
        public Context snapshotStreamId(final int streamId)
        {
            this.snapshotStreamId = streamId;
            return this;
        }

        /**
         * The snapshot stream id.
         *
         * @return the stream id.
         */
        public int snapshotStreamId()
        {
            return snapshotStreamId;
        }

        /**
         * Set the term length of a new journal recording (an extended one keeps its own).
         *
         * @param termLength a power of two.
         * @return this for a fluent API.
         */
        public Context termLength(final int termLength)
        {
            this.termLength = termLength;
            return this;
        }

        /**
         * The term length of a new journal recording.
         *
         * @return length in bytes.
         */
        public int termLength()
        {
            return termLength;
        }

        /**
         * Set how long an append waits out back-pressure before the journal is declared failed.
         *
         * @param timeoutNs the wait.
         * @return this for a fluent API.
         */
        public Context appendTimeoutNs(final long timeoutNs)
        {
            this.appendTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * How long an append waits out back-pressure.
         *
         * @return the wait in nanoseconds.
         */
        public long appendTimeoutNs()
        {
            return appendTimeoutNs;
        }

        /**
         * Set the timeout for archive requests and for a replay to make progress.
         *
         * @param timeoutNs the timeout.
         * @return this for a fluent API.
         */
        public Context timeoutNs(final long timeoutNs)
        {
            this.timeoutNs = timeoutNs;
            return this;
        }

        /**
         * The timeout for archive requests.
         *
         * @return the timeout in nanoseconds.
         */
        public long timeoutNs()
        {
            return timeoutNs;
        }

        /**
         * Set where the Aeron client's errors go.
         *
         * @param errorHandler for errors; must not throw.
         * @return this for a fluent API.
         */
        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }

        /**
         * Where the Aeron client's errors go.
         *
         * @return the error handler.
         */
        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }
    }

    /**
     * What the archive's catalog says about a recording.
     */
    static final class RecordingDescription
    {
        long startPosition;
        long stopPosition;
        int initialTermId;
        int termBufferLength;
        int mtuLength;
        int segmentFileLength;

        static RecordingDescription read(final AeronArchive archive, final long recordingId)
        {
            final RecordingDescription description = new RecordingDescription();
            final int found = archive.listRecording(recordingId,
                (controlSessionId, correlationId, id, startTimestamp, stopTimestamp, startPosition, stopPosition,
                initialTermId, segmentFileLength, termBufferLength, mtuLength, sessionId, streamId, strippedChannel,
                originalChannel, sourceIdentity) ->
                {
                    description.startPosition = startPosition;
                    description.stopPosition = stopPosition;
                    description.initialTermId = initialTermId;
                    description.termBufferLength = termBufferLength;
                    description.mtuLength = mtuLength;
                    description.segmentFileLength = segmentFileLength;
                });
            if (1 != found)
            {
                throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                    "the recording log names journal recording " + recordingId + " but the archive has no such " +
                    "recording (wrong archive directory?)", null);
            }
            return description;
        }
    }
}
