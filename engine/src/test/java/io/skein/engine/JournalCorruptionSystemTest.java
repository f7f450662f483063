package io.skein.engine;

import java.io.File;
import java.io.RandomAccessFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Flips bytes of a small journal on disk, one at a time, and restarts the engine on it: each flip must be refused at
 * start-up with an error naming a journal position, or leave the recovered state exactly as it was. Never a silently
 * different state. Entry bytes are guarded by each entry's checksum, Aeron's frame headers by the frame scan before
 * the replay.
 */
class JournalCorruptionSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int ENTRIES = 40;
    private static final int SAMPLE = 60;
    private static final int FRAME_HEADER_LENGTH = 32;

    @TempDir
    File dir;

    @Test
    void shouldDetectEveryFlippedByteOrRecoverTheSameState() throws Exception
    {
        final long hash;
        final long end;
        final long recordingId;
        final List<Long> entryEnds = new ArrayList<>();
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = launch(journal))
            {
                final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
                final CommandWriter writer = new CommandWriter();
                for (int i = 1; i <= ENTRIES; i++)
                {
                    writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % 5)
                        .idempotencyKey(i % 3 == 0 ? 0 : 0xF11EL, i);
                    writer.body(new AddEncoder()).amount(1000 + i * 37).repeat(1 + i % 3).behaviour(0)
                        .putNote(TestAggregates.NO_NOTE, 0, 0);
                    final var result = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
                    assertEquals(Outcome.ACCEPTED, result.outcome());
                    entryEnds.add(result.journalPosition());
                }
                hash = engine.stateHash(TIMEOUT_NS);
            }
            end = journal.position();
            recordingId = journal.recordingId();
        }

        final File segment = new File(new File(dir, "archive"), recordingId + "-0.rec");
        assertTrue(segment.isFile(), "segment file " + segment);
        final TreeSet<Long> frameHeaderBytes = frameHeaderBytes(segment, end);
        assertTrue(frameHeaderBytes.size() >= ENTRIES * FRAME_HEADER_LENGTH, "every entry's frame header is known");
        final TreeSet<Long> positions = new TreeSet<>();
        for (long p = 0; p < entryEnds.get(1); p++)
        {
            positions.add(p);                                   // every byte of the first two entries
        }
        for (long p = entryEnds.get(ENTRIES - 2); p < end; p++)
        {
            positions.add(p);                                   // and of the last
        }
        final Random random = new Random(42);
        while (positions.size() < entryEnds.get(1) + (end - entryEnds.get(ENTRIES - 2)) + SAMPLE)
        {
            positions.add((long)random.nextInt((int)end));
        }
        // Frame headers are among the bytes flipped: those of the first two and the last entry, and a sample.
        assertTrue(positions.containsAll(frameHeaderBytes.headSet(2L * FRAME_HEADER_LENGTH)));

        final Campaign campaign = flipEach(segment, positions, random, hash);
        final int detected = campaign.detected;
        final int harmless = campaign.harmless;
        assertEquals(positions.size(), detected + harmless);
        assertTrue(detected > positions.size() * 3 / 4, detected + " of " + positions.size() + " detected: " +
            "most bytes matter, but a frame's session id and reserved value do not");
    }

    @Test
    void shouldNeverLoadADifferentStateFromAFlippedSnapshotByte() throws Exception
    {
        final long hash;
        final long journalRecordingId;
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = launch(journal))
            {
                final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
                final CommandWriter writer = new CommandWriter();
                for (int i = 1; i <= ENTRIES; i++)
                {
                    writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % 5)
                        .idempotencyKey(0x5AB, i);
                    writer.body(new AddEncoder()).amount(1000 + i * 37).repeat(1 + i % 3).behaviour(0)
                        .putNote(TestAggregates.NO_NOTE, 0, 0);
                    assertEquals(Outcome.ACCEPTED, engine.submit(buffer, 0, writer.length())
                        .get(10, TimeUnit.SECONDS).outcome());
                    if (ENTRIES / 2 == i)
                    {
                        assertTrue(engine.takeSnapshot(TIMEOUT_NS) > 0);
                    }
                }
                hash = engine.stateHash(TIMEOUT_NS);
            }
            journalRecordingId = journal.recordingId();
        }

        final File archiveDir = new File(dir, "archive");
        File snapshot = null;
        for (final File file : archiveDir.listFiles())
        {
            if (file.getName().endsWith(".rec") && !file.getName().startsWith(journalRecordingId + "-"))
            {
                assertEquals(null, snapshot, "one snapshot recording");
                snapshot = file;
            }
        }
        assertTrue(null != snapshot, "the snapshot's segment file");
        long end = 0;
        try (RandomAccessFile file = new RandomAccessFile(snapshot, "r"))
        {
            while (end + FRAME_HEADER_LENGTH <= file.length())
            {
                file.seek(end);
                final int frameLength = Integer.reverseBytes(file.readInt());
                if (frameLength <= 0)
                {
                    break;
                }
                end += (frameLength + 31) & ~31;
            }
        }
        final TreeSet<Long> positions = new TreeSet<>();
        final Random random = new Random(7);
        while (positions.size() < Math.min(end, 160))
        {
            positions.add((long)random.nextInt((int)end));
        }

        final int fellBack = flipEach(snapshot, positions, random, hash).fellBack;
        assertTrue(fellBack > positions.size() / 2, "most flips make the snapshot unusable, so recovery replays " +
            "the whole journal: " + fellBack + " of " + positions.size());
    }

    /**
     * Flip each byte of a file in turn (restoring it after), restarting the engine each time: it must refuse to start
     * naming a position, or recover exactly the given state.
     */
    private Campaign flipEach(final File target, final TreeSet<Long> positions, final Random random, final long hash)
        throws Exception
    {
        final Campaign campaign = new Campaign();
        try (TestArchive archive = TestArchive.launch(dir);
            RandomAccessFile file = new RandomAccessFile(target, "rw"))
        {
            for (final long position : positions)
            {
                file.seek(position);
                final int original = file.read();
                final int flipped = original ^ (1 << random.nextInt(8));
                file.seek(position);
                file.write(flipped);
                try
                {
                    final Journal journal = archive.journal();
                    try (SkeinEngine engine = launch(journal))
                    {
                        assertEquals(hash, engine.stateHash(TIMEOUT_NS), target.getName() + " byte " + position +
                            " flipped from " + original + " to " + flipped + " recovered a different state");
                        campaign.harmless++;
                        campaign.fellBack += SkeinProtocol.NULL_POSITION == engine.startedFromSnapshotAt() ? 1 : 0;
                    }
                    finally
                    {
                        journal.close();
                    }
                }
                catch (final SkeinException ex)
                {
                    assertTrue(ex.getMessage().contains("position"), "the error names no position: " + ex);
                    campaign.detected++;
                }
                finally
                {
                    file.seek(position);
                    file.write(original);
                }
            }
        }
        return campaign;
    }

    private static final class Campaign
    {
        int detected;
        int harmless;
        int fellBack;
    }

    private static TreeSet<Long> frameHeaderBytes(final File segment, final long end) throws Exception
    {
        final TreeSet<Long> bytes = new TreeSet<>();
        try (RandomAccessFile file = new RandomAccessFile(segment, "r"))
        {
            long position = 0;
            while (position < end)
            {
                file.seek(position);
                final int frameLength = Integer.reverseBytes(file.readInt());
                assertTrue(frameLength >= FRAME_HEADER_LENGTH, "frame at " + position);
                for (long b = position; b < position + FRAME_HEADER_LENGTH; b++)
                {
                    bytes.add(b);
                }
                position += (frameLength + 31) & ~31;
            }
        }
        return bytes;
    }

    private static SkeinEngine launch(final Journal journal)
    {
        return SkeinEngine.launch(new SkeinEngine.Context()
            .name("flip")
            .aggregate(TestAggregates.Tally::new)
            .snapshotOnClose(false)
            .journal(journal));
    }
}
