package io.skein.journal;

import org.agrona.DirectBuffer;

/**
 * Receives journal entries in order and says whether to go on.
 */
@FunctionalInterface
public interface StoppableEntryHandler
{
    /**
     * One journal entry.
     *
     * @param buffer   holding the entry, valid only during the call.
     * @param offset   of the entry's message header.
     * @param length   of the entry.
     * @param position of the journal just after the entry.
     * @return true to go on, false to stop (this entry is not counted as accepted).
     */
    boolean onEntry(DirectBuffer buffer, int offset, int length, long position);
}
