package io.skein.protocol;

import io.skein.codecs.JournalEntryDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import org.agrona.DirectBuffer;

/**
 * The one check of a journal entry's bytes before anything in them is used: its message header names Skein's schema,
 * the journal entry template and a version this build reads (one whose entries carry checksums), its block fits, and
 * its CRC-32C matches. The journal reader, the follower, the tools and the client's event subscriptions all use it.
 * <p>
 * Not thread safe: one instance per reader. Allocation free unless an entry fails.
 */
public final class EntryCheck
{
    /**
     * The first schema version whose journal entries carry a checksum.
     */
    public static final int FIRST_CHECKSUMMED_VERSION = 2;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final EntryChecksum checksum = new EntryChecksum();

    /**
     * Check an entry.
     *
     * @param buffer holding the entry.
     * @param offset of the entry's message header.
     * @param length of the entry.
     * @return null if the entry is whole and valid, otherwise what is wrong with it, as the end of a sentence that
     * starts with the entry's name ("has schema id 7, not Skein's 1").
     */
    public String problem(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < SkeinProtocol.HEADER_LENGTH)
        {
            return "is " + length + " bytes, shorter than a message header";
        }
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID)
        {
            return "has schema id " + headerDecoder.schemaId() + ", not Skein's " + SkeinProtocol.SCHEMA_ID;
        }
        if (headerDecoder.templateId() != JournalEntryDecoder.TEMPLATE_ID)
        {
            return "has template " + headerDecoder.templateId() + ", not a journal entry";
        }
        if (headerDecoder.version() > SkeinProtocol.SCHEMA_VERSION)
        {
            return "has schema version " + headerDecoder.version() + ", newer than this build's " +
                SkeinProtocol.SCHEMA_VERSION;
        }
        if (headerDecoder.version() < FIRST_CHECKSUMMED_VERSION)
        {
            return "has schema version " + headerDecoder.version() + ", from before entries carried checksums " +
                "(version " + FIRST_CHECKSUMMED_VERSION + ")";
        }
        if (length < EntryChecksum.MIN_LENGTH ||
            headerDecoder.blockLength() < EntryChecksum.MIN_BLOCK_LENGTH ||
            SkeinProtocol.HEADER_LENGTH + headerDecoder.blockLength() > length)
        {
            return "has a block of " + headerDecoder.blockLength() + " bytes in " + length +
                " bytes, too short for a journal entry";
        }
        final int stored = EntryChecksum.stored(buffer, offset);
        final int computed = checksum.compute(buffer, offset, length);
        if (stored != computed)
        {
            return String.format("fails its checksum (stored %08x, computed %08x)", stored, computed);
        }
        return null;
    }
}
