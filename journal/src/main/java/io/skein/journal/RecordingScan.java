package io.skein.journal;

import java.io.File;
import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;

import io.aeron.archive.client.AeronArchive;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.LogBufferDescriptor;
import io.aeron.protocol.DataHeaderFlyweight;
import io.skein.protocol.SkeinException;
import org.agrona.BitUtil;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Checks every Aeron frame header of a journal recording in a position range by reading the archive's segment files
 * straight from disk, so a corrupt header is reported at once, naming its position, before the recording is replayed
 * (Aeron Archive's replayer loops forever on a frame type other than DATA or PAD, stalls on a huge frame length, and
 * reports errors without end on a wrong term offset or term id).
 * <p>
 * For each frame it checks: the frame length is not 0 (data missing before the range's end), is at least a header,
 * and its aligned length fits in what is left of the term (and, for a DATA frame, within the MTU and the range); the
 * version is {@link DataHeaderFlyweight#CURRENT_VERSION}; the type is DATA or PAD; the term offset and term id are
 * those of its position; the stream id is the recording's; a DATA frame's flags carry no bits but BEGIN and END, and
 * the fragments follow one another as Aeron writes them (no continuation without a beginning, no new beginning or
 * padding before the open message has ended). The session id and the reserved value are not checked: every
 * extension of the recording (a restart, a promotion) and every replicated stretch has its own session id, and the
 * reserved value may hold an archive checksum.
 * <p>
 * One exception to the fragment order is allowed: a message left open by a frame of one session, followed by a
 * beginning or padding of another session, is the torn tail of a run that stopped mid-message (a crash, a stopped
 * replication) and was extended afterwards; such a message is counted in {@link Result#abandonedMessages()}, as
 * readers drop it.
 * <p>
 * Segment files are mapped read-only one at a time (the page cache's pages, nothing copied) and unmapped when the
 * scan moves on or ends; frame bodies are not touched by the scan. Not thread safe; the archive need not be running.
 * <p>
 * {@link #read} then hands the messages of a scanned range over from the same files, which is how a local journal is
 * read (recovery, snapshots, time travel, the tools): the mapped page cache instead of an archive replay that
 * copies every frame into an IPC log buffer for a subscriber to copy out again.
 */
public final class RecordingScan
{
    /**
     * Ending of an archive segment file's name: {@code <recordingId>-<segmentBasePosition>.rec}.
     */
    public static final String SEGMENT_FILE_SUFFIX = ".rec";

    /**
     * Returned by {@link Result#tornMessageStart()} and {@link Result#firstAbandonedPosition()} when there is none.
     */
    public static final long NULL_POSITION = -1;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final int HEADER_LENGTH = DataHeaderFlyweight.HEADER_LENGTH;
    private static final int BEGIN = DataHeaderFlyweight.BEGIN_FLAG;
    private static final int END = DataHeaderFlyweight.END_FLAG;
    private static final int FRAGMENT_FLAGS = BEGIN | END;

    private final File archiveDir;
    private final long recordingId;
    private final long recordingStartPosition;
    private final int initialTermId;
    private final int termLength;
    private final int positionBitsToShift;
    private final int segmentFileLength;
    private final int mtuLength;
    private final int streamId;
    private final UnsafeBuffer buffer = new UnsafeBuffer(0, 0);
    private final ExpandableArrayBuffer assembled = new ExpandableArrayBuffer(4096);
    private int assembledLength;

    private MappedByteBuffer mapped;
    private File segmentFile;
    private long segmentBase;
    private int mappedLength;

    /**
     * A scan of one recording, with the values of its archive catalog entry.
     *
     * @param archiveDir             the archive directory holding the segment files.
     * @param recordingId            of the recording.
     * @param recordingStartPosition the recording's start position in the catalog (segment files are laid out from
     *                               its term).
     * @param initialTermId          the recording's initial term id.
     * @param termLength             the recording's term buffer length.
     * @param segmentFileLength      the recording's segment file length.
     * @param mtuLength              the recording's MTU: no DATA frame is longer.
     * @param streamId               the recording's stream id.
     * @throws SkeinException of code BAD_INPUT if a value cannot be a recording's.
     */
    public RecordingScan(
        final File archiveDir,
        final long recordingId,
        final long recordingStartPosition,
        final int initialTermId,
        final int termLength,
        final int segmentFileLength,
        final int mtuLength,
        final int streamId)
    {
        if (termLength < LogBufferDescriptor.TERM_MIN_LENGTH || termLength > LogBufferDescriptor.TERM_MAX_LENGTH ||
            Integer.bitCount(termLength) != 1)
        {
            throw badInput("term length " + termLength + " is not a power of two between " +
                LogBufferDescriptor.TERM_MIN_LENGTH + " and " + LogBufferDescriptor.TERM_MAX_LENGTH);
        }
        if (segmentFileLength < termLength || segmentFileLength % termLength != 0)
        {
            throw badInput("segment file length " + segmentFileLength + " is not a multiple of the term length " +
                termLength);
        }
        if (mtuLength <= HEADER_LENGTH || mtuLength > termLength || mtuLength % FrameDescriptor.FRAME_ALIGNMENT != 0)
        {
            throw badInput("MTU length " + mtuLength + " is not a multiple of " + FrameDescriptor.FRAME_ALIGNMENT +
                " between " + HEADER_LENGTH + " and the term length");
        }
        if (recordingStartPosition < 0 || recordingStartPosition % FrameDescriptor.FRAME_ALIGNMENT != 0)
        {
            throw badInput("recording start position " + recordingStartPosition + " is not frame aligned");
        }
        this.archiveDir = archiveDir;
        this.recordingId = recordingId;
        this.recordingStartPosition = recordingStartPosition;
        this.initialTermId = initialTermId;
        this.termLength = termLength;
        this.positionBitsToShift = LogBufferDescriptor.positionBitsToShift(termLength);
        this.segmentFileLength = segmentFileLength;
        this.mtuLength = mtuLength;
        this.streamId = streamId;
    }

    /**
     * A scan of a recording described by an archive's catalog.
     *
     * @param archive     client of the archive whose catalog describes the recording.
     * @param archiveDir  that archive's directory.
     * @param recordingId of the recording.
     * @return the scan.
     * @throws SkeinException of code STORAGE if the catalog has no such recording.
     */
    public static RecordingScan forRecording(final AeronArchive archive, final File archiveDir, final long recordingId)
    {
        final long[] positions = new long[1];
        final int[] values = new int[5];
        final int found = archive.listRecording(recordingId,
            (controlSessionId, correlationId, id, startTimestamp, stopTimestamp, startPosition, stopPosition,
            initialTermId, segmentFileLength, termBufferLength, mtuLength, sessionId, streamId, strippedChannel,
            originalChannel, sourceIdentity) ->
            {
                positions[0] = startPosition;
                values[0] = initialTermId;
                values[1] = termBufferLength;
                values[2] = segmentFileLength;
                values[3] = mtuLength;
                values[4] = streamId;
            });
        if (1 != found)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                "the archive has no recording " + recordingId + " to scan", null);
        }
        return new RecordingScan(archiveDir, recordingId, positions[0], values[0], values[1], values[2], values[3],
            values[4]);
    }

    /**
     * The segment file of a recording that holds the given segment base position.
     *
     * @param archiveDir          the archive directory.
     * @param recordingId         of the recording.
     * @param segmentBasePosition of the segment.
     * @return the file, which may not exist.
     */
    public static File segmentFile(final File archiveDir, final long recordingId, final long segmentBasePosition)
    {
        return new File(archiveDir, recordingId + "-" + segmentBasePosition + SEGMENT_FILE_SUFFIX);
    }

    /**
     * Check every frame header in {@code [fromPosition, toPosition)}.
     *
     * @param fromPosition where a message (or padding) begins: the recording's start, or an entry's end.
     * @param toPosition   where the range ends, frame aligned: at most the recording's stop (or recorded) position.
     * @return what the range holds.
     * @throws SkeinException of code STORAGE, category FATAL, naming the position, if a frame header is corrupt, a
     *                        frame is missing before {@code toPosition}, or a segment file is missing or unreadable;
     *                        of code BAD_INPUT if the range is not a valid one.
     */
    public Result scan(final long fromPosition, final long toPosition)
    {
        if (fromPosition < recordingStartPosition || toPosition < fromPosition ||
            fromPosition % FrameDescriptor.FRAME_ALIGNMENT != 0 || toPosition % FrameDescriptor.FRAME_ALIGNMENT != 0)
        {
            throw badInput("cannot scan recording " + recordingId + " from " + fromPosition + " to " + toPosition +
                ": positions must be frame aligned, from at least the recording's start " + recordingStartPosition +
                " and not after to");
        }

        long position = fromPosition;
        long lastMessageEnd = fromPosition;
        long openMessageStart = NULL_POSITION;
        int openSessionId = 0;
        long firstAbandoned = NULL_POSITION;
        long abandoned = 0;
        long frames = 0;
        long messages = 0;
        try
        {
            while (position < toPosition)
            {
                final int offset = readHeader(position);
                final int termOffset = (int)(position & (termLength - 1));
                final int termId = LogBufferDescriptor.computeTermIdFromPosition(
                    position, positionBitsToShift, initialTermId);

                final int frameLength = buffer.getInt(offset + DataHeaderFlyweight.FRAME_LENGTH_FIELD_OFFSET, LE);
                if (0 == frameLength)
                {
                    throw corrupt(position, "frame length is 0: no frame was recorded here, but the range ends at " +
                        toPosition + " (data missing)");
                }
                if (frameLength < HEADER_LENGTH)
                {
                    throw corrupt(position, "frame length " + frameLength + " is less than the header length " +
                        HEADER_LENGTH);
                }
                final int version = buffer.getByte(offset + DataHeaderFlyweight.VERSION_FIELD_OFFSET) & 0xFF;
                if (DataHeaderFlyweight.CURRENT_VERSION != version)
                {
                    throw corrupt(position, "version " + version + " is not Aeron's " +
                        DataHeaderFlyweight.CURRENT_VERSION);
                }
                final int type = buffer.getShort(offset + DataHeaderFlyweight.TYPE_FIELD_OFFSET, LE) & 0xFFFF;
                final boolean isData = DataHeaderFlyweight.HDR_TYPE_DATA == type;
                if (!isData && DataHeaderFlyweight.HDR_TYPE_PAD != type)
                {
                    throw corrupt(position, "frame type " + type + " is neither DATA (" +
                        DataHeaderFlyweight.HDR_TYPE_DATA + ") nor PAD (" + DataHeaderFlyweight.HDR_TYPE_PAD + ")");
                }
                final long alignedLength = (frameLength + (FrameDescriptor.FRAME_ALIGNMENT - 1L)) &
                    ~(FrameDescriptor.FRAME_ALIGNMENT - 1L);
                if (termOffset + alignedLength > termLength)
                {
                    throw corrupt(position, "frame length " + frameLength + " exceeds the term's end (term offset " +
                        termOffset + ", term length " + termLength + ")");
                }
                if (isData && frameLength > mtuLength)
                {
                    throw corrupt(position, "frame length " + frameLength + " exceeds the MTU length " + mtuLength);
                }
                final int frameTermOffset = buffer.getInt(offset + DataHeaderFlyweight.TERM_OFFSET_FIELD_OFFSET, LE);
                if (frameTermOffset != termOffset)
                {
                    throw corrupt(position, "term offset " + frameTermOffset + " is not the position's " + termOffset);
                }
                final int frameTermId = buffer.getInt(offset + DataHeaderFlyweight.TERM_ID_FIELD_OFFSET, LE);
                if (frameTermId != termId)
                {
                    throw corrupt(position, "term id " + frameTermId + " is not the position's " + termId +
                        " (initial term id " + initialTermId + ")");
                }
                final int frameStreamId = buffer.getInt(offset + DataHeaderFlyweight.STREAM_ID_FIELD_OFFSET, LE);
                if (frameStreamId != streamId)
                {
                    throw corrupt(position, "stream id " + frameStreamId + " is not the recording's " + streamId);
                }
                if (isData && position + alignedLength > toPosition)
                {
                    throw corrupt(position, "frame length " + frameLength + " runs past the range's end " +
                        toPosition + " (a corrupt length, or a range not ending at a frame boundary)");
                }

                final int sessionId = buffer.getInt(offset + DataHeaderFlyweight.SESSION_ID_FIELD_OFFSET, LE);
                final int flags = isData ? buffer.getByte(offset + DataHeaderFlyweight.FLAGS_FIELD_OFFSET) & 0xFF : 0;
                final boolean begins = !isData || (flags & BEGIN) != 0;
                if (isData && (flags & ~FRAGMENT_FLAGS) != 0)
                {
                    throw corrupt(position, "flags " + hex(flags) + " carry bits other than BEGIN " + hex(BEGIN) +
                        " and END " + hex(END) + ", which Aeron never writes into a term");
                }
                if (begins && NULL_POSITION != openMessageStart)
                {
                    if (sessionId == openSessionId)
                    {
                        throw corrupt(position, (isData ? "flags " + hex(flags) + " begin a message" : "padding") +
                            " before the fragmented message that began at position " + openMessageStart +
                            " has ended");
                    }
                    abandoned++;
                    if (NULL_POSITION == firstAbandoned)
                    {
                        firstAbandoned = openMessageStart;
                    }
                    openMessageStart = NULL_POSITION;
                }
                if (isData)
                {
                    if (!begins && NULL_POSITION == openMessageStart)
                    {
                        throw corrupt(position, "flags " + hex(flags) + " continue a fragmented message, but none " +
                            "began before it (scanning from position " + fromPosition + ")");
                    }
                    if ((flags & END) != 0)
                    {
                        messages++;
                        lastMessageEnd = position + alignedLength;
                        openMessageStart = NULL_POSITION;
                    }
                    else if (begins)
                    {
                        openMessageStart = position;
                        openSessionId = sessionId;
                    }
                }
                frames++;
                position += alignedLength;
            }
        }
        catch (final IOException ex)
        {
            throw unreadable(position, ex);
        }
        finally
        {
            closeSegment();
        }

        return new Result(fromPosition, toPosition, lastMessageEnd, openMessageStart, frames, messages, abandoned,
            firstAbandoned);
    }

    /**
     * Hand over every whole message in {@code [fromPosition, toPosition)} straight from the segment files, as an
     * archive replay of the range would: fragments reassembled from BEGIN to END, padding skipped, a message left
     * open by one session and followed by another session's frame dropped (the torn tail of an earlier run), and a
     * message still open at the range's end dropped. The frame headers are trusted: run {@link #scan} over the range
     * first (only lengths and types are read here, and a length too short to be a frame still stops the read).
     *
     * @param fromPosition where a message (or padding) begins.
     * @param toPosition   where the range ends, frame aligned.
     * @param handler      for each message, with the position just after its last frame.
     * @return the number of messages handed over.
     * @throws SkeinException of code STORAGE if a segment file is missing or unreadable, or a frame length is not a
     *                        frame's; whatever the handler throws.
     */
    public long read(final long fromPosition, final long toPosition, final EntryHandler handler)
    {
        long position = fromPosition;
        long messages = 0;
        int openSessionId = 0;
        boolean open = false;
        try
        {
            while (position < toPosition)
            {
                int offset = readHeader(position);
                final int frameLength = buffer.getInt(offset + DataHeaderFlyweight.FRAME_LENGTH_FIELD_OFFSET, LE);
                if (frameLength < HEADER_LENGTH)
                {
                    throw corrupt(position, "frame length " + frameLength + " is not a frame's (read after a scan)");
                }
                final int alignedLength = BitUtil.align(frameLength, FrameDescriptor.FRAME_ALIGNMENT);
                final int type = buffer.getShort(offset + DataHeaderFlyweight.TYPE_FIELD_OFFSET, LE) & 0xFFFF;
                final int sessionId = buffer.getInt(offset + DataHeaderFlyweight.SESSION_ID_FIELD_OFFSET, LE);
                if (DataHeaderFlyweight.HDR_TYPE_DATA != type)
                {
                    open = false;
                    position += alignedLength;
                    continue;
                }
                offset = readFrame(position, frameLength);
                final int flags = buffer.getByte(offset + DataHeaderFlyweight.FLAGS_FIELD_OFFSET) & 0xFF;
                final int bodyOffset = offset + HEADER_LENGTH;
                final int bodyLength = frameLength - HEADER_LENGTH;
                final long endPosition = position + alignedLength;
                if ((flags & FRAGMENT_FLAGS) == FRAGMENT_FLAGS)
                {
                    open = false;
                    handler.onEntry(buffer, bodyOffset, bodyLength, endPosition);
                    messages++;
                }
                else if ((flags & BEGIN) != 0)
                {
                    open = true;
                    openSessionId = sessionId;
                    assembled.putBytes(0, buffer, bodyOffset, bodyLength);
                    assembledLength = bodyLength;
                }
                else if (open && sessionId == openSessionId)
                {
                    assembled.putBytes(assembledLength, buffer, bodyOffset, bodyLength);
                    assembledLength += bodyLength;
                    if ((flags & END) != 0)
                    {
                        open = false;
                        handler.onEntry(assembled, 0, assembledLength, endPosition);
                        messages++;
                    }
                }
                else
                {
                    throw corrupt(position, "flags " + hex(flags) + " continue a fragmented message, but none of " +
                        "session " + sessionId + " is open here");
                }
                position = endPosition;
            }
        }
        catch (final IOException ex)
        {
            throw unreadable(position, ex);
        }
        finally
        {
            closeSegment();
        }
        return messages;
    }

    /**
     * Whether a message (a journal entry) or a term's end padding begins at a position: the frames of its term are
     * walked from the term's start (or the recording's) by their lengths, so a position inside a frame or inside an
     * entry of several fragments is told apart from a real start without trusting the bytes found there.
     *
     * @param position frame aligned, at least the recording's start, before its recorded end.
     * @return true if an entry or padding starts there.
     * @throws SkeinException of code STORAGE if a frame on the way is corrupt or a segment file is missing.
     */
    public boolean isMessageStart(final long position)
    {
        if (position < recordingStartPosition || position % FrameDescriptor.FRAME_ALIGNMENT != 0)
        {
            return false;
        }
        long walk = Math.max(recordingStartPosition, position - (position & (termLength - 1)));
        try
        {
            while (walk < position)
            {
                final int offset = readHeader(walk);
                final int frameLength = buffer.getInt(offset + DataHeaderFlyweight.FRAME_LENGTH_FIELD_OFFSET, LE);
                if (frameLength < HEADER_LENGTH)
                {
                    throw corrupt(walk, "frame length " + frameLength + " while walking its term to " + position);
                }
                walk += BitUtil.align(frameLength, FrameDescriptor.FRAME_ALIGNMENT);
            }
            if (walk != position)
            {
                return false;
            }
            final int offset = readHeader(position);
            final int type = buffer.getShort(offset + DataHeaderFlyweight.TYPE_FIELD_OFFSET, LE) & 0xFFFF;
            final int flags = buffer.getByte(offset + DataHeaderFlyweight.FLAGS_FIELD_OFFSET) & 0xFF;
            return DataHeaderFlyweight.HDR_TYPE_PAD == type ||
                (DataHeaderFlyweight.HDR_TYPE_DATA == type && (flags & BEGIN) != 0);
        }
        catch (final IOException ex)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                "cannot read recording " + recordingId + " at position " + position + ": " + ex.getMessage(), ex);
        }
        finally
        {
            closeSegment();
        }
    }

    /**
     * Find the 32-byte header of the frame at a position in the mapped segment, mapping the segment if needed.
     *
     * @return the header's offset in the buffer.
     */
    private int readHeader(final long position) throws IOException
    {
        if (null == mapped || position < segmentBase || position >= segmentBase + segmentFileLength)
        {
            openSegment(position);
        }
        final long fileOffset = position - segmentBase;
        if (fileOffset + HEADER_LENGTH > mappedLength)
        {
            throw corrupt(position, "segment file " + segmentFile + " ends at byte " + mappedLength +
                ", before this frame's header (data missing)");
        }
        return (int)fileOffset;
    }

    /**
     * Check the whole frame at a position is in the segment file (its header is).
     *
     * @return the frame's offset in the buffer.
     */
    private int readFrame(final long position, final int frameLength)
    {
        final long fileOffset = position - segmentBase;
        if (fileOffset + frameLength > mappedLength)
        {
            throw corrupt(position, "segment file " + segmentFile + " ends at byte " + mappedLength +
                ", inside this frame of " + frameLength + " bytes (data missing)");
        }
        return (int)fileOffset;
    }

    private void openSegment(final long position) throws IOException
    {
        closeSegment();
        segmentBase = AeronArchive.segmentFileBasePosition(
            recordingStartPosition, position, termLength, segmentFileLength);
        segmentFile = segmentFile(archiveDir, recordingId, segmentBase);
        try
        {
            try (FileChannel channel = FileChannel.open(segmentFile.toPath(), StandardOpenOption.READ))
            {
                mappedLength = (int)Math.min(channel.size(), segmentFileLength);
                mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, mappedLength);
            }
            buffer.wrap(mapped);
        }
        catch (final NoSuchFileException ex)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                "segment file " + segmentFile + " of recording " + recordingId + ", holding positions " +
                segmentBase + " to " + (segmentBase + segmentFileLength) + ", is missing (needed for position " +
                position + ")", ex);
        }
    }

    private void closeSegment()
    {
        if (null != mapped)
        {
            buffer.wrap(0, 0);
            IoUtil.unmap(mapped);
            mapped = null;
            mappedLength = 0;
        }
    }

    private SkeinException unreadable(final long position, final IOException ex)
    {
        return new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
            "cannot read segment file " + segmentFile + " of recording " + recordingId + " at position " + position +
            ": " + ex, ex);
    }

    private SkeinException corrupt(final long position, final String what)
    {
        return new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
            "journal frame at position " + position + " is corrupt: " + what + " (recording " + recordingId +
            ", segment file " + segmentFile + ", offset " + (position - segmentBase) + ")", null);
    }

    private static SkeinException badInput(final String message)
    {
        return new SkeinException(SkeinException.Code.BAD_INPUT, SkeinException.Category.ERROR, message, null);
    }

    private static String hex(final int flags)
    {
        return String.format("0x%02X", flags);
    }

    /**
     * What a scanned range holds.
     */
    public static final class Result
    {
        private final long fromPosition;
        private final long toPosition;
        private final long lastMessageEnd;
        private final long tornMessageStart;
        private final long frames;
        private final long messages;
        private final long abandonedMessages;
        private final long firstAbandonedPosition;

        Result(
            final long fromPosition,
            final long toPosition,
            final long lastMessageEnd,
            final long tornMessageStart,
            final long frames,
            final long messages,
            final long abandonedMessages,
            final long firstAbandonedPosition)
        {
            this.fromPosition = fromPosition;
            this.toPosition = toPosition;
            this.lastMessageEnd = lastMessageEnd;
            this.tornMessageStart = tornMessageStart;
            this.frames = frames;
            this.messages = messages;
            this.abandonedMessages = abandonedMessages;
            this.firstAbandonedPosition = firstAbandonedPosition;
        }

        /**
         * Where the scan began.
         *
         * @return the position.
         */
        public long fromPosition()
        {
            return fromPosition;
        }

        /**
         * Where the scan ended: every frame before it was checked.
         *
         * @return the position.
         */
        public long toPosition()
        {
            return toPosition;
        }

        /**
         * The end of the last whole message in the range (trailing padding or a torn message not included), or the
         * range's start if it holds none.
         *
         * @return the position.
         */
        public long lastMessageEnd()
        {
            return lastMessageEnd;
        }

        /**
         * Whether the range ends inside a fragmented message: its beginning is recorded, its end is not.
         *
         * @return true for a torn tail.
         */
        public boolean isTornTail()
        {
            return NULL_POSITION != tornMessageStart;
        }

        /**
         * Where the message the range ends inside begins.
         *
         * @return the position, or {@link RecordingScan#NULL_POSITION} if the range ends at a message boundary.
         */
        public long tornMessageStart()
        {
            return tornMessageStart;
        }

        /**
         * Frames checked, padding included.
         *
         * @return the count.
         */
        public long frames()
        {
            return frames;
        }

        /**
         * Whole messages in the range.
         *
         * @return the count.
         */
        public long messages()
        {
            return messages;
        }

        /**
         * Fragmented messages left unfinished by one session and followed by another's frames: torn tails of earlier
         * runs that were extended afterwards. Readers drop them.
         *
         * @return the count.
         */
        public long abandonedMessages()
        {
            return abandonedMessages;
        }

        /**
         * Where the first abandoned message begins.
         *
         * @return the position, or {@link RecordingScan#NULL_POSITION} if none.
         */
        public long firstAbandonedPosition()
        {
            return firstAbandonedPosition;
        }

        /**
         * {@inheritDoc}
         */
        @Override
        public String toString()
        {
            return "RecordingScan.Result{from=" + fromPosition + ", to=" + toPosition + ", lastMessageEnd=" +
                lastMessageEnd + ", tornMessageStart=" + tornMessageStart + ", frames=" + frames + ", messages=" +
                messages + ", abandonedMessages=" + abandonedMessages + ", firstAbandonedPosition=" +
                firstAbandonedPosition + "}";
        }
    }
}
