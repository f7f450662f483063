package io.skein.journal;

import org.agrona.DirectBuffer;

/**
 * Receives journal entries, whole, in order, from a {@link JournalReader}.
 */
@FunctionalInterface
public interface EntryHandler
{
    /**
     * One journal entry.
     *
     * @param buffer   holding the entry, valid only during the call.
     * @param offset   of the entry's message header.
     * @param length   of the entry.
     * @param position of the journal just after the entry.
     */
    void onEntry(DirectBuffer buffer, int offset, int length, long position);
}
