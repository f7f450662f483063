package io.skein.journal;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.skein.protocol.JournalEvents;
import io.skein.protocol.EntryChecksum;
import io.skein.codecs.JournalEntryDecoder;
import io.skein.codecs.JournalEntryEncoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.protocol.SkeinException;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JournalSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    File dir;

    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8192);
    private final JournalEntryEncoder encoder = new JournalEntryEncoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final EntryChecksum checksum = new EntryChecksum();

    @Test
    void shouldReadBackAppendedEntriesOnceDurable()
    {
        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal journal = testArchive.journal();
            long position = 0;
            for (int i = 1; i <= 500; i++)
            {
                position = journal.append(buffer, 0, encode(i, 16 + i % 50));
            }
            assertTrue(journal.awaitDurable(position, TIMEOUT_NS), "durable to " + position);
            assertTrue(journal.durablePosition() >= position);

            final List<Long> sequences = new ArrayList<>();
            final List<Long> positions = new ArrayList<>();
            journal.reader().read(0, position, (b, o, l, p) ->
            {
                sequences.add(decode(b, o).entrySequence());
                positions.add(p);
            }, null);
            assertEquals(500, sequences.size());
            for (int i = 0; i < 500; i++)
            {
                assertEquals(i + 1, sequences.get(i));
            }
            assertEquals(position, positions.get(positions.size() - 1));
        }
    }

    @Test
    void shouldReadToAPositionThatEndsInTheTermsPadding()
    {
        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal journal = testArchive.journal();
            int appended = 0;
            long before = 0;
            long position = 0;
            while (position <= TestArchive.TERM_LENGTH)
            {
                before = position;
                position = journal.append(buffer, 0, encode(++appended, 900));
            }
            assertTrue(journal.awaitDurable(position, TIMEOUT_NS));
            assertTrue(before < TestArchive.TERM_LENGTH, "the last entry of the first term ends before its padding");

            final long[] read = new long[2];
            journal.reader().read(0, TestArchive.TERM_LENGTH, (b, o, l, p) ->
            {
                read[0]++;
                read[1] = p;
            }, null);
            assertEquals(appended - 1, read[0], "every entry of the first term, then only padding up to its end");
            assertEquals(before, read[1]);
        }
    }

    @Test
    void shouldContinueTheSameRecordingAfterRestart()
    {
        final long firstEnd;
        final long recordingId;
        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal journal = testArchive.journal();
            for (int i = 1; i <= 100; i++)
            {
                journal.append(buffer, 0, encode(i, 10));
            }
            firstEnd = journal.position();
            recordingId = journal.recordingId();
            assertTrue(journal.awaitDurable(firstEnd, TIMEOUT_NS));
        }

        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal journal = testArchive.journal();
            assertEquals(recordingId, journal.recordingId());
            assertEquals(firstEnd, journal.recoveredEndPosition());
            assertEquals(firstEnd, journal.position());
            long end = 0;
            for (int i = 101; i <= 150; i++)
            {
                end = journal.append(buffer, 0, encode(i, 10));
            }
            assertTrue(end > firstEnd);
            assertTrue(journal.awaitDurable(end, TIMEOUT_NS));

            final List<Long> sequences = new ArrayList<>();
            journal.reader().read(0, end, (b, o, l, p) -> sequences.add(decode(b, o).entrySequence()), null);
            assertEquals(150, sequences.size());
            for (int i = 0; i < 150; i++)
            {
                assertEquals(i + 1, sequences.get(i));
            }
        }
    }

    @Test
    void shouldReassembleEntriesLargerThanMtu()
    {
        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal journal = testArchive.journal();
            final int length = encode(1, 5000);
            final byte[] expected = new byte[length];
            buffer.getBytes(0, expected);
            final long end = journal.append(buffer, 0, length);
            assertTrue(journal.awaitDurable(end, TIMEOUT_NS));

            final List<byte[]> read = new ArrayList<>();
            journal.reader().read(0, end, (b, o, l, p) ->
            {
                final byte[] bytes = new byte[l];
                b.getBytes(o, bytes);
                read.add(bytes);
            }, null);
            assertEquals(1, read.size());
            assertEquals(java.util.Arrays.toString(expected), java.util.Arrays.toString(read.get(0)));
        }
    }

    @Test
    void shouldRefuseEntryLongerThanMaxMessageLengthBeforeWriting()
    {
        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal journal = testArchive.journal();
            assertEquals(TestArchive.TERM_LENGTH / 8, journal.maxEntryLength());
            final int length = encode(1, journal.maxEntryLength());
            final SkeinException ex = assertThrows(SkeinException.class, () -> journal.append(buffer, 0, length));
            assertTrue(ex.getMessage().contains("exceeds the maximum"), ex.getMessage());
            assertEquals(0, journal.position());
        }
    }

    @Test
    void shouldStopReadingAtCorruptEntryNamingItsPosition()
    {
        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal journal = testArchive.journal();
            final long good = journal.append(buffer, 0, encode(1, 10));
            final UnsafeBuffer garbage = new UnsafeBuffer(new byte[64]);
            garbage.setMemory(0, 64, (byte)0x5A);
            final long bad = journal.append(garbage, 0, 64);
            journal.append(buffer, 0, encode(2, 10));
            assertTrue(journal.awaitDurable(journal.position(), TIMEOUT_NS));

            final List<Long> read = new ArrayList<>();
            final SkeinException ex = assertThrows(SkeinException.class,
                () -> journal.reader().read(0, journal.position(), (b, o, l, p) -> read.add(p), null));
            assertEquals(List.of(good), read);
            assertTrue(ex.getMessage().contains("between positions " + good + " and " + bad), ex.getMessage());
        }
    }

    @Test
    void shouldStopReadingAtAnEntryWhoseChecksumFailsNamingItsPosition()
    {
        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal journal = testArchive.journal();
            final long good = journal.append(buffer, 0, encode(1, 10));
            final int length = encode(2, 10);
            buffer.putByte(length - 3, (byte)(buffer.getByte(length - 3) ^ 0x01));
            final long bad = journal.append(buffer, 0, length);
            journal.append(buffer, 0, encode(3, 10));
            assertTrue(journal.awaitDurable(journal.position(), TIMEOUT_NS));

            final List<Long> read = new ArrayList<>();
            final SkeinException ex = assertThrows(SkeinException.class,
                () -> journal.reader().read(0, journal.position(), (b, o, l, p) -> read.add(p), null));
            assertEquals(List.of(good), read, "nothing of the bad entry or after it is handed over");
            assertTrue(ex.getMessage().contains("between positions " + good + " and " + bad) &&
                ex.getMessage().contains("fails its checksum"), ex.getMessage());
        }
    }

    @Test
    void shouldFollowEntriesAsTheyAreRecorded()
    {
        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal journal = testArchive.journal();
            for (int i = 1; i <= 10; i++)
            {
                journal.append(buffer, 0, encode(i, 20));
            }
            final List<Long> sequences = new ArrayList<>();
            try (JournalReader reader = journal.reader())
            {
                reader.follow(0);
                final JournalEvents events = new JournalEvents();
                final EntryHandler handler = (b, o, l, p) ->
                {
                    events.wrap(b, o, l);
                    while (events.next())
                    {
                        sequences.add(events.sequence());
                    }
                };
                final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                while (sequences.size() < 10)
                {
                    reader.poll(handler, 10);
                    assertTrue(System.nanoTime() < deadlineNs, "following the first 10, have " + sequences.size());
                }
                for (int i = 11; i <= 25; i++)
                {
                    journal.append(buffer, 0, encode(i, 20));
                }
                while (sequences.size() < 25)
                {
                    reader.poll(handler, 10);
                    assertTrue(System.nanoTime() < deadlineNs, "following live entries, have " + sequences.size());
                }
                assertEquals(journal.position(), reader.position());
            }
            for (int i = 0; i < 25; i++)
            {
                assertEquals(i + 1, sequences.get(i));
            }
        }
    }

    @Test
    void shouldDecodeEventsWithTheirMetadata()
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .entrySequence(12).epoch(3).timestampNs(777).aggregateTypeId(4).aggregateId(99)
            .version(10).firstSequence(500).correlationId(61).causationId(62).idempotencyKeyHi(71)
            .idempotencyKeyLo(72);
        final JournalEntryEncoder.EventsEncoder group = encoder.eventsCount(3);
        for (int i = 0; i < 3; i++)
        {
            final byte[] body = new byte[12];
            new UnsafeBuffer(body).putShort(2, (short)(40 + i));
            // Written as an entry whose events name their aggregate (a group block of 20 bytes): the same one.
            group.next().aggregateTypeId(4).aggregateId(99).version(8 + i).putBody(body, 0, body.length);
        }
        final JournalEvents events = new JournalEvents().wrap(buffer, 0, encoder.limit());
        assertEquals(12, events.entrySequence());
        assertEquals(3, events.eventCount());
        assertEquals(3, events.epoch());
        assertEquals(777, events.timestampNs());
        assertEquals(4, events.aggregateTypeId());
        assertEquals(99, events.aggregateId());
        assertEquals(61, events.correlationId());
        assertEquals(62, events.causationId());
        assertEquals(71, events.idempotencyKeyHi());
        assertEquals(72, events.idempotencyKeyLo());
        for (int i = 0; i < 3; i++)
        {
            assertTrue(events.next());
            assertEquals(500 + i, events.sequence());
            assertEquals(8 + i, events.version());
            assertEquals(40 + i, events.templateId());
            assertEquals(12, events.event().capacity());
        }
        assertTrue(!events.next());
        assertThrows(SkeinException.class, () -> events.wrap(new UnsafeBuffer(new byte[16]), 0, 16));
    }

    @Test
    void shouldReadNothingFromEmptyRange()
    {
        try (TestArchive testArchive = TestArchive.launch(dir))
        {
            final Journal journal = testArchive.journal();
            assertEquals(0, journal.reader().read(0, 0, (b, o, l, p) ->
            {
                throw new AssertionError("no entry expected");
            }, null));
        }
    }

    private int encode(final long sequence, final int bodyLength)
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .entrySequence(sequence).epoch(0).timestampNs(sequence * 1000).aggregateTypeId(1).aggregateId(sequence)
            .version(1).firstSequence(sequence).correlationId(sequence).causationId(0).idempotencyKeyHi(0)
            .idempotencyKeyLo(0);
        final byte[] body = new byte[bodyLength];
        java.util.Arrays.fill(body, (byte)sequence);
        encoder.eventsCount(1).next().putBody(body, 0, body.length);
        final int length = encoder.limit();
        checksum.seal(buffer, 0, length);
        return length;
    }

    private static JournalEntryDecoder decode(final org.agrona.DirectBuffer buffer, final int offset)
    {
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(buffer, offset);
        return new JournalEntryDecoder().wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            header.blockLength(), header.version());
    }
}
