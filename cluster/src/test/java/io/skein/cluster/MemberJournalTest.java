package io.skein.cluster;

import java.io.File;

import io.skein.codecs.JournalEntryEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import io.skein.protocol.EntryChecksum;
import io.skein.protocol.SkeinException;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member's journal against the log's replays: each entry written once, a replayed entry unlike the stored one
 * stops the member (a determinism failure), a gap stops it, and a reopened journal knows its last entry.
 */
class MemberJournalTest
{
    @TempDir
    File dir;

    private TestArchive archive;
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(1024);
    private final JournalEntryEncoder encoder = new JournalEntryEncoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final EntryChecksum checksum = new EntryChecksum();

    @AfterEach
    void tearDown()
    {
        if (null != archive)
        {
            archive.close();
        }
    }

    @Test
    void writesEachEntryOnceAndStopsOnADivergentReplayOrAGap()
    {
        archive = TestArchive.launch(dir);
        final Journal journal = archive.journal();
        final MemberJournal member = new MemberJournal(journal);
        assertEquals(0, member.lastSequence());
        for (long sequence = 1; sequence <= 3; sequence++)
        {
            assertTrue(member.append(buffer, 0, entry(sequence, 100 * sequence)));
        }
        member.awaitDurable(10_000_000_000L);
        final long end = journal.position();

        // The log replayed from the start: nothing is written again.
        for (long sequence = 1; sequence <= 3; sequence++)
        {
            assertFalse(member.append(buffer, 0, entry(sequence, 100 * sequence)));
        }
        assertEquals(end, journal.position());

        // The last stored entry comes back different: a handler or applier that is not deterministic.
        final SkeinException diverged = assertThrows(SkeinException.class,
            () -> member.append(buffer, 0, entry(3, 301)));
        assertEquals(SkeinException.Code.STATE_DIVERGED, diverged.code());
        assertEquals(SkeinException.Category.FATAL, diverged.category());

        // An entry beyond the next one: the journal lost entries.
        final SkeinException gap = assertThrows(SkeinException.class, () -> member.append(buffer, 0, entry(5, 500)));
        assertEquals(SkeinException.Code.STORAGE, gap.code());
        assertTrue(gap.getMessage().contains("ends at entry 3 but the log goes on from entry 5"), gap.getMessage());
        assertEquals(end, journal.position());
    }

    @Test
    void aReopenedJournalKnowsItsLastEntryAndItsChecksum()
    {
        archive = TestArchive.launch(dir);
        final MemberJournal first = new MemberJournal(archive.journal());
        for (long sequence = 1; sequence <= 4; sequence++)
        {
            first.append(buffer, 0, entry(sequence, sequence));
        }
        first.awaitDurable(10_000_000_000L);
        archive.close();

        archive = TestArchive.launch(dir);
        final MemberJournal reopened = new MemberJournal(archive.journal());
        assertEquals(4, reopened.lastSequence());
        assertFalse(reopened.append(buffer, 0, entry(4, 4)));
        assertEquals(SkeinException.Code.STATE_DIVERGED,
            assertThrows(SkeinException.class, () -> reopened.append(buffer, 0, entry(4, 5))).code());
        assertTrue(reopened.append(buffer, 0, entry(5, 5)));
    }

    /**
     * An entry with no events whose log position tells one version of it from another.
     */
    private int entry(final long sequence, final long logPosition)
    {
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .entrySequence(sequence).epoch(0).timestampNs(sequence).aggregateTypeId(1).aggregateId(1)
            .version(sequence).firstSequence(sequence).correlationId(sequence).causationId(0).idempotencyKeyHi(0)
            .idempotencyKeyLo(0).logPosition(logPosition);
        encoder.eventsCount(0);
        final int length = encoder.limit();
        checksum.seal(buffer, 0, length);
        return length;
    }
}
