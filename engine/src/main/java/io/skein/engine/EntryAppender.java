package io.skein.engine;

import org.agrona.DirectBuffer;

/**
 * Where the single writer appends each accepted command's journal entry. The journal module provides the Aeron
 * Archive implementation; without one the engine runs purely in memory.
 */
@FunctionalInterface
public interface EntryAppender
{
    /**
     * Append one journal entry, whole.
     *
     * @param buffer holding the entry.
     * @param offset of the entry's message header.
     * @param length of the entry in bytes.
     * @return the journal position just after the entry.
     * @throws io.skein.protocol.SkeinException if the entry could not be appended; the engine then stops.
     */
    long append(DirectBuffer buffer, int offset, int length);
}
