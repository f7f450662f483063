package io.skein.engine;

import java.io.File;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import io.skein.testsupport.ForkedJvm;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A crash in the middle of a write (a full disk, a machine crash) can leave the journal's last fragment torn across
 * a page boundary: its first page on disk, the next never written. Aeron's archive then refuses to start until an
 * operator runs its verify tool and answers a prompt. Skein cuts the torn fragment (never acknowledged: the recorded
 * position never passed it) and starts. Simulated here on a real crash: a SIGKILLed engine's journal has the pages
 * after one of its last frames' page boundary zeroed.
 */
class TornWriteSystemTest
{
    private static final int PAGE = 4096;
    private static final int ALIGNMENT = 32;

    @TempDir
    File dir;

    @Test
    void shouldCutATornLastFragmentAndStartWithoutAnOperator() throws Exception
    {
        final File output = new File(dir, "node.out");
        try (ForkedJvm node = ForkedJvm.startWithOutputFile("node", dir, List.of(), CrashNode.class,
            dir.getAbsolutePath(), "7"))
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (countAcks(output) < 3_000)
            {
                assertTrue(node.isAlive(), "node ended early; see " + dir + "/node.err");
                assertTrue(System.nanoTime() < deadlineNs, "waiting for acknowledgements");
                Thread.sleep(10);
            }
            assertEquals(137, node.kill(), "killed by SIGKILL");
        }

        final File segment = new File(new File(dir, "archive"), "0-0.rec");
        long tornStart = -1;
        long boundary = -1;
        long dataEnd = 0;
        long wholeEntriesBeforeTorn = 0;
        long entries = 0;
        try (RandomAccessFile file = new RandomAccessFile(segment, "rw"))
        {
            long position = 0;
            while (position + ALIGNMENT <= file.length())
            {
                file.seek(position);
                final int frameLength = Integer.reverseBytes(file.readInt());
                if (frameLength <= 0)
                {
                    break;
                }
                file.seek(position + 6);
                final int type = Short.reverseBytes(file.readShort());
                final long end = position + ((frameLength + ALIGNMENT - 1) & -ALIGNMENT);
                if (position / PAGE != (end - 1) / PAGE)
                {
                    tornStart = position;
                    boundary = (position / PAGE + 1) * PAGE;
                    wholeEntriesBeforeTorn = entries;
                }
                entries += 1 == type ? 1 : 0;
                position = end;
            }
            dataEnd = position;
            assertTrue(tornStart > 0 && entries > 1000, "found a frame straddling a page: " + tornStart);
            file.seek(boundary);
            file.write(new byte[(int)(dataEnd - boundary)]);
        }

        try (TestArchive archive = TestArchive.launch(dir))
        {
            final Journal journal = archive.journal();
            assertEquals(tornStart, journal.recoveredEndPosition(), "the journal ends where the torn fragment began");
            try (SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("torn")
                .aggregate(TestAggregates.Tally::new)
                .snapshotOnClose(false)
                .journal(journal)))
            {
                assertEquals(wholeEntriesBeforeTorn, engine.recoveredEntries(),
                    "every whole entry before the torn fragment at " + tornStart + " (of " + entries + ")");
            }
        }
    }

    private static long countAcks(final File output) throws Exception
    {
        if (!output.exists())
        {
            return 0;
        }
        long acks = 0;
        for (final String line : Files.readAllLines(output.toPath()))
        {
            acks += line.startsWith("A ") ? 1 : 0;
        }
        return acks;
    }
}
