package io.skein.journal;

import java.io.File;
import java.io.RandomAccessFile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecordingLogTest
{
    @TempDir
    File dir;

    @Test
    void shouldReadBackAppendedEntries()
    {
        try (RecordingLog log = new RecordingLog(dir))
        {
            assertNull(log.latest(RecordingLog.TYPE_JOURNAL));
            log.append(RecordingLog.TYPE_JOURNAL, 7, 0, 0, 1000);
            log.append(RecordingLog.TYPE_SNAPSHOT, 9, 4096, 0, 2000);
            log.append(RecordingLog.TYPE_SNAPSHOT, 11, 8192, 0, 3000);
        }
        try (RecordingLog log = new RecordingLog(dir))
        {
            assertFalse(log.hadTornTail());
            assertEquals(3, log.entries().size());
            assertEquals(7, log.latest(RecordingLog.TYPE_JOURNAL).recordingId());
            assertEquals(11, log.latest(RecordingLog.TYPE_SNAPSHOT).recordingId());
            assertEquals(8192, log.latest(RecordingLog.TYPE_SNAPSHOT).position());
        }
    }

    @Test
    void shouldIgnoreTornLastRecord() throws Exception
    {
        try (RecordingLog log = new RecordingLog(dir))
        {
            log.append(RecordingLog.TYPE_JOURNAL, 7, 0, 0, 1000);
            log.append(RecordingLog.TYPE_SNAPSHOT, 9, 4096, 0, 2000);
        }
        try (RandomAccessFile file = new RandomAccessFile(new File(dir, RecordingLog.FILE_NAME), "rw"))
        {
            file.setLength(RecordingLog.RECORD_LENGTH + 20);
        }
        try (RecordingLog log = new RecordingLog(dir))
        {
            assertTrue(log.hadTornTail());
            assertEquals(1, log.entries().size());
            log.append(RecordingLog.TYPE_SNAPSHOT, 10, 100, 0, 3000);
        }
        try (RecordingLog log = new RecordingLog(dir))
        {
            assertEquals(2, log.entries().size());
            assertEquals(10, log.latest(RecordingLog.TYPE_SNAPSHOT).recordingId());
        }
    }

    @Test
    void shouldRefuseCorruptRecordBeforeTheLast() throws Exception
    {
        try (RecordingLog log = new RecordingLog(dir))
        {
            log.append(RecordingLog.TYPE_JOURNAL, 7, 0, 0, 1000);
            log.append(RecordingLog.TYPE_SNAPSHOT, 9, 4096, 0, 2000);
        }
        try (RandomAccessFile file = new RandomAccessFile(new File(dir, RecordingLog.FILE_NAME), "rw"))
        {
            file.seek(10);
            file.write(0xFF);
        }
        assertThrows(IllegalStateException.class, () -> new RecordingLog(dir));
    }
}
