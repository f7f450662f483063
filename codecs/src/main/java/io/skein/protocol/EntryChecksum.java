package io.skein.protocol;

import java.nio.ByteOrder;
import java.util.zip.CRC32C;

import io.skein.codecs.JournalEntryDecoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The checksum of a journal entry: CRC-32C over every byte of the entry except the four of its own
 * {@code checksum} field, so the message header, the fixed block and every event are covered. The writer seals each
 * entry before it appends it; every reader checks it before anything in the entry is used.
 * <p>
 * Aeron Archive's own per-frame checksum ({@code recordChecksum}) was not chosen: it covers frame payloads only and
 * must be configured alike on every archive that records or replicates the journal, while this one travels inside
 * the entry, so it guards Skein's own framing too and any reader of the journal (a follower, a dump, a program in
 * another language) can check it from the schema alone.
 * <p>
 * Not thread safe: one instance per thread. Allocation free once its scratch has grown to the largest entry.
 */
public final class EntryChecksum
{
    /**
     * Offset of the checksum field from the start of an entry (its message header).
     */
    public static final int CHECKSUM_OFFSET =
        SkeinProtocol.HEADER_LENGTH + JournalEntryDecoder.checksumEncodingOffset();

    /**
     * The shortest entry block that holds a checksum: the version 2 block, which ends with it. Later versions add
     * fields after it (version 5 the cluster log position), so entries of any version from 2 on are read.
     */
    public static final int MIN_BLOCK_LENGTH =
        JournalEntryDecoder.checksumEncodingOffset() + JournalEntryDecoder.checksumEncodingLength();

    /**
     * The shortest entry that can hold a checksum: message header and the version 2 block.
     */
    public static final int MIN_LENGTH = SkeinProtocol.HEADER_LENGTH + MIN_BLOCK_LENGTH;

    private final CRC32C crc = new CRC32C();
    private byte[] scratch = new byte[4096];

    /**
     * Compute the checksum of an entry.
     *
     * @param buffer holding the entry.
     * @param offset of the entry's message header.
     * @param length of the entry, at least {@link #MIN_LENGTH}.
     * @return the checksum.
     */
    public int compute(final DirectBuffer buffer, final int offset, final int length)
    {
        final byte[] bytes;
        final int start;
        final byte[] array = buffer.byteArray();
        if (null != array)
        {
            bytes = array;
            start = buffer.wrapAdjustment() + offset;
        }
        else
        {
            if (scratch.length < length)
            {
                scratch = new byte[Math.max(length, scratch.length * 2)];
            }
            buffer.getBytes(offset, scratch, 0, length);
            bytes = scratch;
            start = 0;
        }
        crc.reset();
        crc.update(bytes, start, CHECKSUM_OFFSET);
        final int after = CHECKSUM_OFFSET + 4;
        crc.update(bytes, start + after, length - after);
        return (int)crc.getValue();
    }

    /**
     * Compute an entry's checksum and write it into the entry.
     *
     * @param buffer holding the entry.
     * @param offset of the entry's message header.
     * @param length of the entry.
     */
    public void seal(final MutableDirectBuffer buffer, final int offset, final int length)
    {
        buffer.putInt(offset + CHECKSUM_OFFSET, compute(buffer, offset, length), ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * The checksum an entry carries.
     *
     * @param buffer holding the entry.
     * @param offset of the entry's message header.
     * @return the stored checksum.
     */
    public static int stored(final DirectBuffer buffer, final int offset)
    {
        return buffer.getInt(offset + CHECKSUM_OFFSET, ByteOrder.LITTLE_ENDIAN);
    }
}
