package io.skein.journal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.CRC32;

/**
 * Skein's own small log of the recordings that matter (the journal, and later snapshots and epochs), so a restart
 * never depends on searching the archive's catalog: session ids change every run. Each entry is a fixed-size record
 * with a CRC, appended and forced to the device before the call returns. A torn last record (a crash during the
 * append) is ignored; a corrupt record anywhere else is an error.
 */
public final class RecordingLog implements AutoCloseable
{
    /**
     * File name of the log inside its directory.
     */
    public static final String FILE_NAME = "recording.log";

    /**
     * Entry type naming the journal recording.
     */
    public static final int TYPE_JOURNAL = 1;

    /**
     * Entry type naming a snapshot recording.
     */
    public static final int TYPE_SNAPSHOT = 2;

    /**
     * Entry type recording a new leadership epoch.
     */
    public static final int TYPE_EPOCH = 3;

    static final int RECORD_LENGTH = 64;
    private static final int FLAG_INVALID = 1;

    private final File file;
    private final FileChannel channel;
    private final ByteBuffer record = ByteBuffer.allocate(RECORD_LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final List<Entry> entries = new CopyOnWriteArrayList<>();
    private final boolean tornTail;

    /**
     * Open (creating if needed) the log in a directory and read its entries.
     *
     * @param dir holding the log.
     */
    public RecordingLog(final File dir)
    {
        if (!dir.exists() && !dir.mkdirs())
        {
            throw new UncheckedIOException(new IOException("cannot create " + dir));
        }
        file = new File(dir, FILE_NAME);
        try
        {
            channel = FileChannel.open(file.toPath(),
                StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            tornTail = load();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot open recording log " + file, ex);
        }
    }

    /**
     * The entries, oldest first. Safe to read from any thread while another appends (a snapshot builder).
     *
     * @return an unmodifiable list.
     */
    public List<Entry> entries()
    {
        return Collections.unmodifiableList(entries);
    }

    /**
     * Whether a partly written last record was found (and ignored) when the log was opened.
     *
     * @return true if the tail was torn.
     */
    public boolean hadTornTail()
    {
        return tornTail;
    }

    /**
     * The newest valid entry of a type.
     *
     * @param type of the entry.
     * @return the entry, or null if none.
     */
    public Entry latest(final int type)
    {
        for (int i = entries.size() - 1; i >= 0; i--)
        {
            if (entries.get(i).type == type && entries.get(i).valid)
            {
                return entries.get(i);
            }
        }
        return null;
    }

    /**
     * Append an entry and force it to the device.
     *
     * @param type        of the entry.
     * @param recordingId of the recording.
     * @param position    the entry refers to.
     * @param epoch       in force.
     * @param timestampMs when the entry was made.
     * @return the entry.
     */
    public synchronized Entry append(
        final int type, final long recordingId, final long position, final long epoch, final long timestampMs)
    {
        final Entry entry = new Entry(entries.size(), type, recordingId, position, epoch, timestampMs, true);
        write(entry);
        entries.add(entry);
        return entry;
    }

    /**
     * Mark an entry invalid (a snapshot no longer retained), forcing the change to the device.
     *
     * @param index of the entry.
     * @return the invalidated entry.
     */
    public synchronized Entry invalidate(final int index)
    {
        final Entry old = entries.get(index);
        final Entry entry = new Entry(
            index, old.type, old.recordingId, old.position, old.epoch, old.timestampMs, false);
        write(entry);
        entries.set(index, entry);
        return entry;
    }

    private void write(final Entry entry)
    {
        record.clear();
        record.putInt(0, entry.type).putInt(4, entry.valid ? 0 : FLAG_INVALID).putLong(8, entry.recordingId)
            .putLong(16, entry.position).putLong(24, entry.epoch).putLong(32, entry.timestampMs).putLong(40, 0)
            .putLong(48, 0);
        final CRC32 crc = new CRC32();
        crc.update(record.array(), 0, RECORD_LENGTH - 8);
        record.putLong(RECORD_LENGTH - 8, crc.getValue());
        try
        {
            channel.write(record, (long)entry.index * RECORD_LENGTH);
            channel.force(true);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write to recording log " + file, ex);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        try
        {
            channel.close();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private boolean load() throws IOException
    {
        final long size = channel.size();
        final long whole = size / RECORD_LENGTH;
        for (long i = 0; i < whole; i++)
        {
            record.clear();
            channel.read(record, i * RECORD_LENGTH);
            final CRC32 crc = new CRC32();
            crc.update(record.array(), 0, RECORD_LENGTH - 8);
            if (crc.getValue() != record.getLong(RECORD_LENGTH - 8))
            {
                if (i == whole - 1 && size % RECORD_LENGTH == 0)
                {
                    channel.truncate(i * RECORD_LENGTH);
                    return true;
                }
                throw new IllegalStateException("recording log " + file + " record " + i + " fails its checksum");
            }
            entries.add(new Entry((int)i, record.getInt(0), record.getLong(8), record.getLong(16), record.getLong(24),
                record.getLong(32), (record.getInt(4) & FLAG_INVALID) == 0));
        }
        if (size % RECORD_LENGTH != 0)
        {
            channel.truncate(whole * RECORD_LENGTH);
            return true;
        }
        return false;
    }

    /**
     * One entry of the log.
     */
    public static final class Entry
    {
        private final int index;
        private final int type;
        private final long recordingId;
        private final long position;
        private final long epoch;
        private final long timestampMs;
        private final boolean valid;

        Entry(
            final int index,
            final int type,
            final long recordingId,
            final long position,
            final long epoch,
            final long timestampMs,
            final boolean valid)
        {
            this.valid = valid;
            this.index = index;
            this.type = type;
            this.recordingId = recordingId;
            this.position = position;
            this.epoch = epoch;
            this.timestampMs = timestampMs;
        }

        /**
         * Whether the entry still counts (snapshots no longer retained are invalidated).
         *
         * @return true if valid.
         */
        public boolean isValid()
        {
            return valid;
        }

        /**
         * Index of the entry in the log.
         *
         * @return the index.
         */
        public int index()
        {
            return index;
        }

        /**
         * Type of the entry.
         *
         * @return one of the TYPE_ constants.
         */
        public int type()
        {
            return type;
        }

        /**
         * The archive recording id.
         *
         * @return the recording id.
         */
        public long recordingId()
        {
            return recordingId;
        }

        /**
         * The position the entry refers to.
         *
         * @return the position.
         */
        public long position()
        {
            return position;
        }

        /**
         * The epoch in force.
         *
         * @return the epoch.
         */
        public long epoch()
        {
            return epoch;
        }

        /**
         * When the entry was made.
         *
         * @return milliseconds since the epoch.
         */
        public long timestampMs()
        {
            return timestampMs;
        }

        /**
         * {@inheritDoc}
         */
        @Override
        public String toString()
        {
            return "Entry{index=" + index + ", type=" + type + ", recordingId=" + recordingId + ", position=" +
                position + ", epoch=" + epoch + ", timestampMs=" + timestampMs + ", valid=" + valid + "}";
        }
    }
}
