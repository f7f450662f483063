package io.skein.journal;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.aeron.archive.client.AeronArchive;
import io.aeron.protocol.DataHeaderFlyweight;
import io.skein.protocol.EntryChecksum;
import io.skein.codecs.JournalEntryEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.protocol.SkeinException;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordingScanSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int ENTRIES = 42;
    private static final int LENGTH = DataHeaderFlyweight.FRAME_LENGTH_FIELD_OFFSET;
    private static final int VERSION = DataHeaderFlyweight.VERSION_FIELD_OFFSET;
    private static final int FLAGS = DataHeaderFlyweight.FLAGS_FIELD_OFFSET;
    private static final int TYPE = DataHeaderFlyweight.TYPE_FIELD_OFFSET;
    private static final int TERM_OFFSET = DataHeaderFlyweight.TERM_OFFSET_FIELD_OFFSET;
    private static final int SESSION_ID = DataHeaderFlyweight.SESSION_ID_FIELD_OFFSET;
    private static final int STREAM_ID = DataHeaderFlyweight.STREAM_ID_FIELD_OFFSET;
    private static final int TERM_ID = DataHeaderFlyweight.TERM_ID_FIELD_OFFSET;
    private static final int RESERVED = DataHeaderFlyweight.RESERVED_VALUE_OFFSET;

    @TempDir
    static File sharedDir;

    private static RecordingScan scan;
    private static File segmentFile;
    private static long journalEnd;
    private static final List<Long> ENTRY_ENDS = new ArrayList<>();
    private static final List<Frame> FRAMES = new ArrayList<>();

    @TempDir
    File dir;

    /**
     * One journal for the whole class: small entries and 5000-byte ones (fragmented), across a term boundary, so the
     * recording holds unfragmented frames, BEGIN, middle and END fragments, and padding. Each test corrupts the
     * segment file and restores it.
     */
    @BeforeAll
    static void recordJournal() throws IOException
    {
        final Appender appender = new Appender();
        final long recordingId;
        try (TestArchive testArchive = TestArchive.launch(sharedDir))
        {
            final Journal journal = testArchive.journal();
            for (int i = 1; i <= ENTRIES; i++)
            {
                ENTRY_ENDS.add(journal.append(appender.buffer, 0, appender.encode(i, i % 3 == 0 ? 5000 : 300)));
            }
            journalEnd = ENTRY_ENDS.get(ENTRY_ENDS.size() - 1);
            assertTrue(journal.awaitDurable(journalEnd, TIMEOUT_NS));
            recordingId = journal.recordingId();
            journal.close();

            final File archiveDir = testArchive.archive().context().archiveDir();
            try (AeronArchive archive = connect(testArchive))
            {
                awaitStopped(archive, recordingId);
                assertEquals(journalEnd, archive.getStopPosition(recordingId));
                scan = RecordingScan.forRecording(archive, archiveDir, recordingId);
            }
            segmentFile = RecordingScan.segmentFile(archiveDir, recordingId, 0);
        }
        FRAMES.addAll(frames(segmentFile, journalEnd));
        assertTrue(journalEnd > TestArchive.TERM_LENGTH, "the journal crosses a term boundary");
    }

    @Test
    void shouldScanAnIntactJournalToItsEnd()
    {
        final RecordingScan.Result result = scan.scan(0, journalEnd);
        assertEquals(journalEnd, result.lastMessageEnd(), result.toString());
        assertFalse(result.isTornTail());
        assertEquals(RecordingScan.NULL_POSITION, result.tornMessageStart());
        assertEquals(ENTRIES, result.messages());
        assertEquals(FRAMES.size(), result.frames());
        assertEquals(0, result.abandonedMessages());
        assertEquals(journalEnd, result.toPosition());
    }

    @Test
    void shouldReadEveryEntryStraightFromTheSegmentFileAsItWasAppended()
    {
        final List<byte[]> read = new ArrayList<>();
        final List<Long> ends = new ArrayList<>();
        assertEquals(ENTRIES, scan.read(0, journalEnd, (buffer, offset, length, position) ->
        {
            final byte[] bytes = new byte[length];
            buffer.getBytes(offset, bytes);
            read.add(bytes);
            ends.add(position);
        }));
        assertEquals(ENTRY_ENDS, ends, "each entry handed over with the position after it, padding skipped");
        final Appender appender = new Appender();
        for (int i = 1; i <= ENTRIES; i++)
        {
            final int length = appender.encode(i, i % 3 == 0 ? 5000 : 300);
            final byte[] expected = new byte[length];
            appender.buffer.getBytes(0, expected);
            assertTrue(Arrays.equals(expected, read.get(i - 1)), "entry " + i + " (fragmented: " + (i % 3 == 0) +
                ") reassembled byte for byte");
        }
    }

    @Test
    void shouldReadFromAnEntryInTheMiddleAndDropAMessageStillOpenAtTheRangesEnd()
    {
        final Frame lastEnd = FRAMES.get(FRAMES.size() - 1);
        final List<Long> ends = new ArrayList<>();
        final long from = ENTRY_ENDS.get(9);
        assertEquals(ENTRIES - 11, scan.read(from, lastEnd.position, (buffer, offset, length, position) ->
            ends.add(position)));
        assertEquals(ENTRY_ENDS.subList(10, ENTRIES - 1), ends, "the last entry's END frame is outside the range");
    }

    @Test
    void shouldEndTheFirstTermsScanAtItsLastEntryNotItsPadding()
    {
        final long lastEntryOfFirstTerm = ENTRY_ENDS.stream()
            .filter((end) -> end <= TestArchive.TERM_LENGTH).max(Long::compare).orElseThrow();
        assertTrue(lastEntryOfFirstTerm < TestArchive.TERM_LENGTH, "the first term ends in padding");

        final RecordingScan.Result result = scan.scan(0, TestArchive.TERM_LENGTH);
        assertEquals(lastEntryOfFirstTerm, result.lastMessageEnd());
        assertFalse(result.isTornTail());

        final long middle = ENTRY_ENDS.get(ENTRIES / 2);
        final RecordingScan.Result tail = scan.scan(middle, journalEnd);
        assertEquals(journalEnd, tail.lastMessageEnd());
        assertEquals(ENTRIES - ENTRIES / 2 - 1, tail.messages());

        assertEquals(0, scan.scan(0, 0).messages());
    }

    static Stream<Arguments> corruptions()
    {
        return Stream.of(
            Arguments.of("FIRST", LENGTH, 0x0100_0000, "exceeds the term's end"),
            Arguments.of("MIDDLE", LENGTH, 0x4000, "exceeds the MTU"),
            Arguments.of("AFTER_PADDING", LENGTH, 0x8000_0000, "less than the header length"),
            Arguments.of("PADDING", LENGTH, 0x0100_0000, "exceeds the term's end"),
            Arguments.of("FIRST", TYPE, 0x0002, "frame type 3 is neither"),
            Arguments.of("MIDDLE", TYPE, 0x0001, "padding before the fragmented message"),
            Arguments.of("PADDING", TYPE, 0x0100, "frame type 256 is neither"),
            Arguments.of("AFTER_PADDING", TYPE, 0x8000, "frame type 32769 is neither"),
            Arguments.of("FIRST", FLAGS, 0x80, "continue a fragmented message, but none began"),
            Arguments.of("BEGIN", FLAGS, 0x80, "continue a fragmented message, but none began"),
            Arguments.of("MIDDLE", FLAGS, 0x80, "begin a message before the fragmented message"),
            Arguments.of("END", FLAGS, 0x80, "begin a message before the fragmented message"),
            Arguments.of("AFTER_PADDING", FLAGS, 0x20, "carry bits other than BEGIN"),
            Arguments.of("MIDDLE", VERSION, 0x01, "version 1 is not"),
            Arguments.of("FIRST", TERM_OFFSET, 0x20, "term offset 32 is not the position's 0"),
            Arguments.of("MIDDLE", TERM_OFFSET, 0x0100_0000, "term offset"),
            Arguments.of("PADDING", TERM_OFFSET, 0x40, "term offset"),
            Arguments.of("AFTER_PADDING", TERM_OFFSET, 0x20, "term offset 32 is not the position's 0"),
            Arguments.of("FIRST", TERM_ID, 0x01, "term id"),
            Arguments.of("MIDDLE", TERM_ID, 0x8000_0000, "term id"),
            Arguments.of("AFTER_PADDING", TERM_ID, 0x01, "term id"),
            Arguments.of("FIRST", STREAM_ID, 0x01, "stream id 1000 is not the recording's 1001"),
            Arguments.of("MIDDLE", STREAM_ID, 0x0001_0000, "stream id"),
            Arguments.of("PADDING", STREAM_ID, 0x02, "stream id"),
            Arguments.of("AFTER_PADDING", STREAM_ID, 0x8000_0000, "stream id"));
    }

    @ParameterizedTest(name = "{0} frame, field at {1} xor {2}")
    @MethodSource("corruptions")
    void shouldNameTheCorruptFramesPosition(
        final String target, final int field, final int mask, final String expected) throws IOException
    {
        final Frame frame = frame(target);
        final byte[] original = flip(frame.position + field, fieldLength(field), mask);
        try
        {
            final SkeinException ex = assertThrows(SkeinException.class, () -> scan.scan(0, journalEnd));
            assertEquals(SkeinException.Code.STORAGE, ex.code());
            assertEquals(SkeinException.Category.FATAL, ex.category());
            assertTrue(ex.getMessage().contains("journal frame at position " + frame.position + " is corrupt: "),
                ex.getMessage());
            assertTrue(ex.getMessage().contains(expected), ex.getMessage());
        }
        finally
        {
            write(frame.position + field, original);
        }
        assertEquals(journalEnd, scan.scan(0, journalEnd).lastMessageEnd(), "restored");
    }

    @Test
    void shouldReportAZeroFrameLengthBeforeTheRangesEndAsMissingData() throws IOException
    {
        final Frame frame = frame("MIDDLE");
        final byte[] original = read(frame.position + LENGTH, 4);
        write(frame.position + LENGTH, new byte[4]);
        try
        {
            final SkeinException ex = assertThrows(SkeinException.class, () -> scan.scan(0, journalEnd));
            assertTrue(ex.getMessage().contains("journal frame at position " + frame.position + " is corrupt: " +
                "frame length is 0") && ex.getMessage().contains("data missing"), ex.getMessage());
        }
        finally
        {
            write(frame.position + LENGTH, original);
        }
    }

    @Test
    void shouldIgnoreTheSessionIdAndReservedValue() throws IOException
    {
        for (final String target : List.of("FIRST", "BEGIN", "MIDDLE", "END", "PADDING", "AFTER_PADDING"))
        {
            final Frame frame = frame(target);
            final byte[] session = flip(frame.position + SESSION_ID, 4, 0x0101_0101);
            final byte[] reserved = flip(frame.position + RESERVED, 8, 0x5A5A_5A5A);
            try
            {
                final RecordingScan.Result result = scan.scan(0, journalEnd);
                assertEquals(journalEnd, result.lastMessageEnd(), target);
                assertEquals(ENTRIES, result.messages(), target);
                assertEquals(0, result.abandonedMessages(), target);
            }
            finally
            {
                write(frame.position + SESSION_ID, session);
                write(frame.position + RESERVED, reserved);
            }
        }
    }

    @Test
    void shouldReportARangeEndingMidMessageAsATornTail() throws IOException
    {
        final Frame lastEnd = FRAMES.get(FRAMES.size() - 1);
        assertEquals(DataHeaderFlyweight.END_FLAG, lastEnd.flags, "the last entry is fragmented");
        final long lastEntryStart = ENTRY_ENDS.get(ENTRIES - 2);

        final RecordingScan.Result torn = scan.scan(0, lastEnd.position);
        assertTrue(torn.isTornTail(), torn.toString());
        assertEquals(lastEntryStart, torn.tornMessageStart());
        assertEquals(lastEntryStart, torn.lastMessageEnd());
        assertEquals(ENTRIES - 1, torn.messages());

        final byte[] original = read(lastEnd.position, lastEnd.alignedLength());
        write(lastEnd.position, new byte[original.length]);
        try
        {
            assertTrue(scan.scan(0, lastEnd.position).isTornTail());
            final SkeinException ex = assertThrows(SkeinException.class, () -> scan.scan(0, journalEnd));
            assertTrue(ex.getMessage().contains("journal frame at position " + lastEnd.position +
                " is corrupt: frame length is 0"), ex.getMessage());
        }
        finally
        {
            write(lastEnd.position, original);
        }
    }

    @Test
    void shouldReportAMissingSegmentFile()
    {
        final RecordingScan other = new RecordingScan(segmentFile.getParentFile(), 9999, 0, 0,
            TestArchive.TERM_LENGTH, TestArchive.TERM_LENGTH * 16, 1408, Journal.Context.STREAM_ID_DEFAULT);
        final SkeinException ex = assertThrows(SkeinException.class, () -> other.scan(0, 1024));
        assertTrue(ex.getMessage().contains("9999-0.rec") && ex.getMessage().contains("is missing"), ex.getMessage());
    }

    @Test
    void shouldAcceptATornTailThatWasExtendedByALaterRun() throws IOException
    {
        final Appender appender = new Appender();
        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal first = testArchive.journal();
            final long small = first.append(appender.buffer, 0, appender.encode(1, 100));
            final long big = first.append(appender.buffer, 0, appender.encode(2, 5000));
            assertTrue(first.awaitDurable(big, TIMEOUT_NS));
            final long recordingId = first.recordingId();
            first.close();

            final File archiveDir = testArchive.archive().context().archiveDir();
            try (AeronArchive archive = connect(testArchive))
            {
                awaitStopped(archive, recordingId);
                final List<Frame> frames = frames(RecordingScan.segmentFile(archiveDir, recordingId, 0), big);
                final long tornAt = frames.get(frames.size() - 1).position;
                archive.truncateRecording(recordingId, tornAt);

                final RecordingScan recordingScan = RecordingScan.forRecording(archive, archiveDir, recordingId);
                final RecordingScan.Result torn = recordingScan.scan(0, tornAt);
                assertTrue(torn.isTornTail(), torn.toString());
                assertEquals(small, torn.tornMessageStart());
                assertEquals(small, torn.lastMessageEnd());

                final Journal second = testArchive.journal();
                assertEquals(tornAt, second.recoveredEndPosition());
                final long end = second.append(appender.buffer, 0, appender.encode(3, 100));
                assertTrue(second.awaitDurable(end, TIMEOUT_NS));
                second.close();
                awaitStopped(archive, recordingId);

                final RecordingScan.Result extended = recordingScan.scan(0, end);
                assertFalse(extended.isTornTail(), extended.toString());
                assertEquals(end, extended.lastMessageEnd());
                assertEquals(2, extended.messages());
                assertEquals(1, extended.abandonedMessages());
                assertEquals(small, extended.firstAbandonedPosition());

                final List<Long> ends = new ArrayList<>();
                assertEquals(2, recordingScan.read(0, end, (buffer, offset, length, position) -> ends.add(position)));
                assertEquals(List.of(small, end), ends, "the torn entry of the first run is dropped, as a replay does");
            }
        }
    }

    private static AeronArchive connect(final TestArchive testArchive)
    {
        return AeronArchive.connect(new AeronArchive.Context()
            .aeronDirectoryName(testArchive.archive().aeronDirectoryName())
            .controlRequestChannel("aeron:ipc")
            .controlResponseChannel("aeron:ipc"));
    }

    private static void awaitStopped(final AeronArchive archive, final long recordingId)
    {
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (AeronArchive.NULL_POSITION != archive.getRecordingPosition(recordingId) ||
            AeronArchive.NULL_POSITION == archive.getStopPosition(recordingId))
        {
            assertTrue(System.nanoTime() < deadlineNs, "the recording stops");
            Thread.onSpinWait();
        }
    }

    /**
     * Walk the frames of a single-segment recording, trusting their lengths: the test's own map of the file.
     */
    private static List<Frame> frames(final File file, final long end) throws IOException
    {
        final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file.toPath())).order(ByteOrder.LITTLE_ENDIAN);
        final List<Frame> frames = new ArrayList<>();
        long position = 0;
        while (position < end)
        {
            final int offset = (int)position;
            final Frame frame = new Frame(position, bytes.getInt(offset + LENGTH), bytes.getShort(offset + TYPE),
                bytes.get(offset + FLAGS) & 0xFF);
            assertTrue(frame.length >= DataHeaderFlyweight.HEADER_LENGTH, "frame at " + position);
            frames.add(frame);
            position += frame.alignedLength();
        }
        return frames;
    }

    private static Frame frame(final String target)
    {
        final Frame frame;
        switch (target)
        {
            case "FIRST":
                frame = FRAMES.get(0);
                break;
            case "BEGIN":
                frame = first(DataHeaderFlyweight.HDR_TYPE_DATA, DataHeaderFlyweight.BEGIN_FLAG);
                break;
            case "MIDDLE":
                frame = first(DataHeaderFlyweight.HDR_TYPE_DATA, 0);
                break;
            case "END":
                frame = first(DataHeaderFlyweight.HDR_TYPE_DATA, DataHeaderFlyweight.END_FLAG);
                break;
            case "PADDING":
                frame = FRAMES.stream().filter((f) -> f.type == DataHeaderFlyweight.HDR_TYPE_PAD).findFirst()
                    .orElse(null);
                break;
            case "AFTER_PADDING":
                frame = FRAMES.stream().filter((f) -> f.position == TestArchive.TERM_LENGTH).findFirst()
                    .orElse(null);
                break;
            default:
                throw new IllegalArgumentException(target);
        }
        assertNotNull(frame, "the journal has a " + target + " frame: " + FRAMES);
        if ("PADDING".equals(target))
        {
            assertEquals(TestArchive.TERM_LENGTH, frame.position + frame.alignedLength());
        }
        return frame;
    }

    private static Frame first(final int type, final int flags)
    {
        return FRAMES.stream().filter((f) -> f.type == type && f.flags == flags).findFirst().orElse(null);
    }

    private static int fieldLength(final int field)
    {
        if (field == TYPE)
        {
            return 2;
        }
        return field == VERSION || field == FLAGS ? 1 : 4;
    }

    /**
     * Xor a little-endian field of the segment file with a mask.
     *
     * @return the field's original bytes.
     */
    private static byte[] flip(final long offset, final int length, final long mask) throws IOException
    {
        final byte[] original = read(offset, length);
        final byte[] flipped = Arrays.copyOf(original, length);
        for (int i = 0; i < length; i++)
        {
            flipped[i] ^= (byte)(mask >>> (8 * (i % 4)));
        }
        write(offset, flipped);
        return original;
    }

    private static byte[] read(final long offset, final int length) throws IOException
    {
        try (RandomAccessFile file = new RandomAccessFile(segmentFile, "r"))
        {
            final byte[] bytes = new byte[length];
            file.seek(offset);
            file.readFully(bytes);
            return bytes;
        }
    }

    private static void write(final long offset, final byte[] bytes) throws IOException
    {
        try (RandomAccessFile file = new RandomAccessFile(segmentFile, "rw"))
        {
            file.seek(offset);
            file.write(bytes);
        }
    }

    private static final class Frame
    {
        final long position;
        final int length;
        final int type;
        final int flags;

        Frame(final long position, final int length, final int type, final int flags)
        {
            this.position = position;
            this.length = length;
            this.type = type;
            this.flags = flags;
        }

        int alignedLength()
        {
            return (length + 31) & ~31;
        }

        @Override
        public String toString()
        {
            return position + ":" + length + "/" + type + "/0x" + Integer.toHexString(flags);
        }
    }

    private static final class Appender
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8192);
        private final JournalEntryEncoder encoder = new JournalEntryEncoder();
        private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
        private final EntryChecksum checksum = new EntryChecksum();

        int encode(final long sequence, final int bodyLength)
        {
            encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
                .entrySequence(sequence).epoch(0).timestampNs(sequence * 1000).aggregateTypeId(1)
                .aggregateId(sequence).version(1).firstSequence(sequence).correlationId(sequence).causationId(0)
                .idempotencyKeyHi(0).idempotencyKeyLo(0);
            final byte[] body = new byte[bodyLength];
            Arrays.fill(body, (byte)sequence);
            encoder.eventsCount(1).next().putBody(body, 0, body.length);
            final int length = encoder.limit();
            checksum.seal(buffer, 0, length);
            return length;
        }
    }
}
