package io.skein.projection;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

import io.skein.protocol.SkeinException;

/**
 * Checkpoints kept by Skein in small files, one per projection ({@code <dir>/<name>.checkpoint}): written whole to a
 * temporary file, forced to the device, moved over the old one atomically, and the directory forced, so a crash
 * leaves either the old checkpoint or the new one, never a torn one. Each file carries a CRC-32C; a file that fails
 * it is refused with its path named, never read as "no checkpoint".
 */
public final class FileCheckpointStore implements CheckpointStore
{
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");
    private static final int MAGIC = 0x534B4350;
    private static final int VERSION = 1;
    private static final int LENGTH = 4 + 4 + 8 + 8 + 4;
    private static final String SUFFIX = ".checkpoint";

    private final File dir;
    private final ByteBuffer buffer = ByteBuffer.allocate(LENGTH).order(ByteOrder.LITTLE_ENDIAN);
    private final CRC32C crc = new CRC32C();

    /**
     * A store in a directory, created if missing.
     *
     * @param dir for the checkpoint files.
     */
    public FileCheckpointStore(final File dir)
    {
        this.dir = dir;
        if (!dir.isDirectory() && !dir.mkdirs())
        {
            throw new SkeinException(SkeinException.Code.STORAGE, "cannot create checkpoint directory " + dir);
        }
    }

    /**
     * The file a projection's checkpoint is kept in.
     *
     * @param projection the projection's name.
     * @return the file.
     */
    public File file(final String projection)
    {
        return new File(dir, checkedName(projection) + SUFFIX);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public synchronized Checkpoint load(final String projection) throws IOException
    {
        final File file = file(projection);
        if (!file.exists())
        {
            return Checkpoint.NONE;
        }
        final byte[] bytes = Files.readAllBytes(file.toPath());
        final ByteBuffer read = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length != LENGTH || read.getInt(0) != MAGIC || read.getInt(4) != VERSION)
        {
            throw corrupt(file, "is " + bytes.length + " bytes, not a version " + VERSION + " checkpoint");
        }
        crc.reset();
        crc.update(bytes, 0, LENGTH - 4);
        if ((int)crc.getValue() != read.getInt(LENGTH - 4))
        {
            throw corrupt(file, "fails its checksum");
        }
        return new Checkpoint(read.getLong(8), read.getLong(16));
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public synchronized void store(final String projection, final Checkpoint checkpoint) throws IOException
    {
        final File file = file(projection);
        final Path temporary = new File(dir, file.getName() + ".tmp").toPath();
        buffer.clear();
        buffer.putInt(MAGIC).putInt(VERSION).putLong(checkpoint.position()).putLong(checkpoint.entrySequence());
        crc.reset();
        crc.update(buffer.array(), 0, LENGTH - 4);
        buffer.putInt((int)crc.getValue()).flip();
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
            StandardOpenOption.TRUNCATE_EXISTING))
        {
            while (buffer.hasRemaining())
            {
                channel.write(buffer);
            }
            channel.force(true);
        }
        try
        {
            Files.move(temporary, file.toPath(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        catch (final AtomicMoveNotSupportedException ex)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                "the file system of " + dir + " cannot replace a file atomically: checkpoints need it", ex);
        }
        try (FileChannel directory = FileChannel.open(dir.toPath(), StandardOpenOption.READ))
        {
            directory.force(true);
        }
    }

    static String checkedName(final String projection)
    {
        if (null == projection || !NAME.matcher(projection).matches())
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "projection name '" + projection +
                "' must be 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit");
        }
        return projection;
    }

    private static SkeinException corrupt(final File file, final String what)
    {
        return new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
            "checkpoint file " + file + " " + what + ": restore it or delete it to start the projection again " +
            "from the journal's start", null);
    }
}
