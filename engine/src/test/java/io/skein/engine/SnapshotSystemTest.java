package io.skein.engine;

import java.io.File;
import java.io.RandomAccessFile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.codecs.Outcome;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.journal.Journal;
import io.skein.journal.RecordingLog;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SnapshotSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final List<Throwable> errors = new ArrayList<>();

    @Test
    void shouldRestartFromSnapshotPlusTailToTheStateOfAFullReplay() throws Exception
    {
        final long hash;
        final long snapshotPosition;
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal(), true))
        {
            send(engine, 0, 1_000);
            snapshotPosition = engine.takeSnapshot(TIMEOUT_NS);
            assertTrue(snapshotPosition > 0);
            send(engine, 1_000, 300);
            hash = engine.stateHash(TIMEOUT_NS);
        }

        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal(), true))
        {
            assertEquals(snapshotPosition, engine.startedFromSnapshotAt());
            assertEquals(300, engine.recoveredEntries(), "only the tail after the snapshot is replayed");
            assertEquals(hash, engine.stateHash(TIMEOUT_NS));
            assertEquals(Outcome.DUPLICATE, send(engine, 500, 1).outcome(), "idempotency window from the snapshot");
            assertEquals(Outcome.DUPLICATE, send(engine, 1_200, 1).outcome(), "idempotency window from the tail");
        }

        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal(), false))
        {
            assertEquals(SkeinProtocol.NULL_POSITION, engine.startedFromSnapshotAt());
            assertEquals(1_300, engine.recoveredEntries());
            assertEquals(hash, engine.stateHash(TIMEOUT_NS), "full replay agrees with snapshot plus tail");
        }
        assertTrue(errors.isEmpty(), errors.toString());
    }

    @Test
    void shouldFallBackToEarlierSnapshotWhenLatestFailsItsChecksum() throws Exception
    {
        final long hash;
        final long first;
        final long second;
        final long secondRecording;
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            final SkeinEngine engine = launch(journal, true);
            send(engine, 0, 200);
            first = engine.takeSnapshot(TIMEOUT_NS);
            send(engine, 200, 200);
            second = engine.takeSnapshot(TIMEOUT_NS);
            send(engine, 400, 50);
            hash = engine.stateHash(TIMEOUT_NS);
            secondRecording = journal.recordingLog().latest(RecordingLog.TYPE_SNAPSHOT).recordingId();
            engine.close();
        }
        assertNotEquals(first, second);

        // Flip a byte of the first aggregate's state in the snapshot's segment file: frames are 32-byte aligned,
        // the begin marker's frame ends at 96, the one type marker's at 160; the next frame is the first batch of
        // aggregates, whose first state starts 36 bytes into the message (message header 8, block 4, group header
        // 4, id 8, version 8, state length 4) after the 32-byte frame header.
        final File segment = new File(new File(dir, "archive"), secondRecording + "-0.rec");
        assertTrue(segment.exists(), segment.toString());
        try (RandomAccessFile file = new RandomAccessFile(segment, "rw"))
        {
            file.seek(160 + 32 + 36 + 3);
            final int value = file.read();
            file.seek(160 + 32 + 36 + 3);
            file.write(value ^ 0xFF);
        }

        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal(), true))
        {
            assertEquals(first, engine.startedFromSnapshotAt());
            assertEquals(250, engine.recoveredEntries());
            assertEquals(hash, engine.stateHash(TIMEOUT_NS));
        }
        assertEquals(1, errors.size(), errors.toString());
        assertTrue(errors.get(0).getMessage().contains("checksum"), errors.get(0).getMessage());
    }

    @Test
    void shouldRefuseToStartFromSnapshotBeyondTheJournal() throws Exception
    {
        final long end;
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal(), true))
        {
            end = send(engine, 0, 10).journalPosition();
        }
        try (RecordingLog log = new RecordingLog(new File(dir, "journal")))
        {
            log.append(RecordingLog.TYPE_SNAPSHOT, 99, end + 4096, 0, 0);
        }
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            final SkeinException ex = assertThrows(SkeinException.class, () -> launch(journal, true));
            assertTrue(ex.getMessage().contains("refusing to start"), ex.getMessage());
        }
    }

    @Test
    void shouldSnapshotOnCloseSoTheNextStartReplaysNothing() throws Exception
    {
        final long hash;
        try (TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = SkeinEngine.launch(context(archive.journal()).snapshotOnClose(true)))
        {
            send(engine, 0, 100);
            hash = engine.stateHash(TIMEOUT_NS);
        }
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal(), true))
        {
            assertEquals(0, engine.recoveredEntries());
            assertTrue(engine.startedFromSnapshotAt() > 0);
            assertEquals(hash, engine.stateHash(TIMEOUT_NS));
        }
    }

    @Test
    void shouldTakeSnapshotsByPolicyEveryNEntries() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = SkeinEngine.launch(context(journal).snapshotEveryEntries(100)))
            {
                send(engine, 0, 450);
            }
            long snapshots = 0;
            for (final RecordingLog.Entry entry : journal.recordingLog().entries())
            {
                if (entry.type() == RecordingLog.TYPE_SNAPSHOT)
                {
                    snapshots++;
                }
            }
            assertEquals(4, snapshots, journal.recordingLog().entries().toString());
        }
    }

    @Test
    void shouldKeepTheLastKSnapshotsAndPurgeOlderOnes() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            final List<Long> recordings = new ArrayList<>();
            try (SkeinEngine engine = SkeinEngine.launch(context(journal).snapshotRetention(2)))
            {
                for (int i = 0; i < 4; i++)
                {
                    send(engine, i * 10, 10);
                    engine.takeSnapshot(TIMEOUT_NS);
                    recordings.add(journal.recordingLog().latest(RecordingLog.TYPE_SNAPSHOT).recordingId());
                }
            }
            int valid = 0;
            for (final RecordingLog.Entry entry : journal.recordingLog().entries())
            {
                valid += entry.type() == RecordingLog.TYPE_SNAPSHOT && entry.isValid() ? 1 : 0;
            }
            assertEquals(2, valid);
            final File archiveDir = new File(dir, "archive");
            assertFalse(new File(archiveDir, recordings.get(0) + "-0.rec").exists(), "oldest snapshot purged");
            assertFalse(new File(archiveDir, recordings.get(1) + "-0.rec").exists(), "second snapshot purged");
            assertTrue(new File(archiveDir, recordings.get(3) + "-0.rec").exists(), "newest snapshot kept");
        }
    }

    @Test
    void shouldCompactJournalBelowOldestRetainedSnapshotAndStillRecover() throws Exception
    {
        final long hash;
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = SkeinEngine.launch(
                context(journal).snapshotRetention(1).compactJournal(true)))
            {
                send(engine, 0, 15_000);
                final long position = engine.takeSnapshot(TIMEOUT_NS);
                assertTrue(position > 2L * TestArchive.TERM_LENGTH * 16, "journal spans more than two segments");
                assertTrue(journal.startPosition() > 0, "segments below the snapshot deleted");
                assertTrue(journal.startPosition() <= position);
                send(engine, 15_000, 100);
                hash = engine.stateHash(TIMEOUT_NS);
            }
            assertFalse(new File(new File(dir, "archive"), journal.recordingId() + "-0.rec").exists());
        }
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal(), true))
        {
            assertEquals(100, engine.recoveredEntries());
            assertEquals(hash, engine.stateHash(TIMEOUT_NS));
        }
    }

    @Test
    void shouldNotCompactAtOrBeyondTheFloor() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = SkeinEngine.launch(
                context(journal).snapshotRetention(1).compactJournal(true).compactionFloor(1024)))
            {
                send(engine, 0, 15_000);
                engine.takeSnapshot(TIMEOUT_NS);
                assertEquals(0, journal.startPosition(), "the floor keeps the first segment");
            }
        }
    }

    @Test
    void shouldTakeSnapshotsByPolicyEveryInterval() throws Exception
    {
        final AtomicLong clock = new AtomicLong(1_000);
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = SkeinEngine.launch(context(journal).epochNanoClock(clock::get)
                .snapshotRetention(0).snapshotIntervalNs(TimeUnit.SECONDS.toNanos(10))))
            {
                for (int i = 0; i < 35; i++)
                {
                    clock.addAndGet(TimeUnit.SECONDS.toNanos(1));
                    send(engine, i, 1);
                }
            }
            int snapshots = 0;
            for (final RecordingLog.Entry entry : journal.recordingLog().entries())
            {
                snapshots += entry.type() == RecordingLog.TYPE_SNAPSHOT ? 1 : 0;
            }
            assertEquals(3, snapshots, journal.recordingLog().entries().toString());
        }
    }

    @Test
    void shouldBuildOffWriterTheSameBytesAsAnInlineSnapshotAtTheSamePosition() throws Exception
    {
        final List<byte[]> inline;
        final List<byte[]> offWriter;
        final long inlinePosition;
        final long offWriterPosition;
        try (TestArchive archive = TestArchive.launch(new File(dir, "inline")))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = SkeinEngine.launch(context(journal).epochNanoClock(() -> 1_000_000_000L)))
            {
                send(engine, 0, 500);
                inlinePosition = engine.takeSnapshot(TIMEOUT_NS);
            }
            inline = snapshotMessages(journal);
        }
        try (TestArchive archive = TestArchive.launch(new File(dir, "off-writer")))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = SkeinEngine.launch(context(journal).epochNanoClock(() -> 1_000_000_000L)
                .snapshotMode(SnapshotMode.OFF_WRITER)))
            {
                send(engine, 0, 500);
                offWriterPosition = engine.takeSnapshot(TIMEOUT_NS);
            }
            offWriter = snapshotMessages(journal);
        }
        assertEquals(inlinePosition, offWriterPosition);
        assertTrue(inline.size() > 37, "aggregates, keys, begin and end: " + inline.size());
        assertEquals(inline.size(), offWriter.size());
        for (int i = 0; i < inline.size(); i++)
        {
            assertArrayEquals(inline.get(i), offWriter.get(i), "snapshot message " + i);
        }
        assertTrue(errors.isEmpty(), errors.toString());
    }

    @Test
    void shouldTakePolicySnapshotsOffWriterAndRestartFromThem() throws Exception
    {
        final long hash;
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = SkeinEngine.launch(context(journal).snapshotMode(SnapshotMode.OFF_WRITER)
                .snapshotEveryEntries(200).snapshotRetention(0)))
            {
                for (int round = 1; round <= 3; round++)
                {
                    send(engine, (round - 1) * 300, 300);
                    final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
                    while (countSnapshots(journal) < round)
                    {
                        assertTrue(System.nanoTime() < deadlineNs, "waiting for policy snapshot " + round);
                        Thread.sleep(1);
                    }
                }
                hash = engine.stateHash(TIMEOUT_NS);
            }
            final int snapshots = countSnapshots(journal);
            assertTrue(snapshots >= 3 && snapshots <= 900 / 200, "policy snapshots built off the writer, at " +
                "least one per round and at most one per 200 entries: " + snapshots);
        }
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal(), true))
        {
            assertTrue(engine.startedFromSnapshotAt() > 0);
            assertEquals(hash, engine.stateHash(TIMEOUT_NS));
        }
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive.journal(), false))
        {
            assertEquals(hash, engine.stateHash(TIMEOUT_NS), "a full replay agrees");
        }
    }

    private static int countSnapshots(final Journal journal)
    {
        int snapshots = 0;
        for (final RecordingLog.Entry entry : journal.recordingLog().entries())
        {
            snapshots += entry.type() == RecordingLog.TYPE_SNAPSHOT ? 1 : 0;
        }
        return snapshots;
    }

    private static List<byte[]> snapshotMessages(final Journal journal)
    {
        final List<byte[]> messages = new ArrayList<>();
        journal.readSnapshot(journal.recordingLog().latest(RecordingLog.TYPE_SNAPSHOT).recordingId(),
            (buffer, offset, length, position) ->
            {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                messages.add(bytes);
            });
        return messages;
    }

    @Test
    void shouldRebuildTypesWithoutAStateCodecFromTheJournalBeforeTheSnapshot() throws Exception
    {
        final long hash;
        final long snapshotPosition;
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            try (SkeinEngine engine = SkeinEngine.launch(context(journal).aggregate(CodecLessTally::new)))
            {
                send(engine, 0, 300);
                sendTo(engine, TestAggregates.TYPE_ID + 1, 0, 300);
                snapshotPosition = engine.takeSnapshot(TIMEOUT_NS);
                send(engine, 300, 50);
                sendTo(engine, TestAggregates.TYPE_ID + 1, 300, 50);
                hash = engine.stateHash(TIMEOUT_NS);
            }
        }
        try (TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = SkeinEngine.launch(context(archive.journal()).aggregate(CodecLessTally::new)))
        {
            assertEquals(snapshotPosition, engine.startedFromSnapshotAt());
            assertEquals(100, engine.recoveredEntries(), "only the tail after the snapshot is replayed in full");
            assertEquals(hash, engine.stateHash(TIMEOUT_NS));
        }
        assertTrue(errors.isEmpty(), errors.toString());
    }

    @Test
    void shouldRefuseJournalCompactionWhenATypeHasNoStateCodec() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir))
        {
            final SkeinException ex = assertThrows(SkeinException.class, () -> SkeinEngine.launch(
                context(archive.journal()).aggregate(CodecLessTally::new).compactJournal(true)));
            assertEquals(SkeinException.Code.CONFIGURATION, ex.code());
            assertTrue(ex.getMessage().contains("codec-less-tally has none"), ex.getMessage());
        }
    }

    /**
     * The tally aggregate under another type id, without a state codec: snapshots leave it out and it is rebuilt from
     * the journal.
     */
    static final class CodecLessTally implements Aggregate<TestAggregates.TallyState>
    {
        private final TestAggregates.Tally tally = new TestAggregates.Tally();

        @Override
        public void define(final AggregateDefinition<TestAggregates.TallyState> definition)
        {
            tally.define(definition);
            definition.typeId(TestAggregates.TYPE_ID + 1).name("codec-less-tally").snapshot(null);
        }
    }

    private void sendTo(final SkeinEngine engine, final int typeId, final int from, final int count) throws Exception
    {
        for (int i = from; i < from + count; i++)
        {
            writer.wrap(buffer, 0).correlationId(i).aggregate(typeId, i % 11).idempotencyKey(typeId, i + 1);
            writer.body(new AddEncoder()).amount(i).repeat(1).behaviour(0).putNote(TestAggregates.NO_NOTE, 0, 0);
            assertEquals(Outcome.ACCEPTED, engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS)
                .outcome());
        }
    }

    @Test
    void shouldRefuseSnapshotWithoutJournal()
    {
        try (SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
            .aggregate(TestAggregates.Tally::new)))
        {
            assertThrows(SkeinException.class, () -> engine.takeSnapshot(TIMEOUT_NS));
        }
    }

    private SkeinEngine launch(final Journal journal, final boolean useSnapshots)
    {
        return SkeinEngine.launch(context(journal).useSnapshots(useSnapshots));
    }

    private SkeinEngine.Context context(final Journal journal)
    {
        return new SkeinEngine.Context()
            .name("snapshots")
            .aggregate(TestAggregates.Tally::new)
            .errorHandler(errors::add)
            .journal(journal);
    }

    private CommandResult send(final SkeinEngine engine, final int from, final int count) throws Exception
    {
        CommandResult last = null;
        for (int i = from; i < from + count; i++)
        {
            writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % 37)
                .idempotencyKey(7, i + 1);
            writer.body(new AddEncoder()).amount(i).repeat(1 + i % 2).behaviour(0)
                .putNote(TestAggregates.NO_NOTE, 0, 0);
            last = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
        }
        return last;
    }
}
