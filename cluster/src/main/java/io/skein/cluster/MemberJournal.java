package io.skein.cluster;

import java.util.concurrent.TimeUnit;

import io.skein.codecs.JournalEntryDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.journal.Journal;
import io.skein.journal.JournalReader;
import io.skein.protocol.EntryChecksum;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;

/**
 * A member's own Skein event journal: every accepted entry the cluster's log produced, in entry sequence order, in
 * this member's archive, so history, time travel, {@code journal dump/verify} and subscriptions work on any member as
 * on a standalone node. It is a copy for reading; the cluster's log is what the state is recovered from.
 * <p>
 * The log is replayed to the service on every restart, so the same entries are produced again: each is written once,
 * by entry sequence. An entry at or below the last one in the journal is not written again (the last one is checked
 * against the stored copy's checksum: a mismatch means the replay decided differently, a determinism failure); an
 * entry further ahead than the next one means the journal lost entries, and the member stops.
 */
final class MemberJournal implements AutoCloseable
{
    private static final long KEEP_ALIVE_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(250);

    private final Journal journal;
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final JournalEntryDecoder entryDecoder = new JournalEntryDecoder();
    private long lastSequence;
    private int lastChecksum;
    private long lastKeepAliveNs;

    MemberJournal(final Journal journal)
    {
        this.journal = journal;
        try (JournalReader reader = journal.reader())
        {
            reader.read(journal.startPosition(), journal.recoveredEndPosition(), this::onStoredEntry, null);
        }
    }

    private void onStoredEntry(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        lastSequence = entrySequence(buffer, offset);
        lastChecksum = EntryChecksum.stored(buffer, offset);
    }

    private long entrySequence(final DirectBuffer buffer, final int offset)
    {
        headerDecoder.wrap(buffer, offset);
        entryDecoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        return entryDecoder.entrySequence();
    }

    /**
     * The sequence of the last entry in the journal.
     *
     * @return the sequence, 0 if the journal is empty.
     */
    long lastSequence()
    {
        return lastSequence;
    }

    /**
     * Write an entry unless the journal has it already.
     *
     * @param buffer holding the entry.
     * @param offset of the entry.
     * @param length of the entry.
     * @return true if written, false if the journal had it.
     * @throws SkeinException FATAL if the entry differs from the stored one, or would leave a gap.
     */
    boolean append(final DirectBuffer buffer, final int offset, final int length)
    {
        final long sequence = entrySequence(buffer, offset);
        if (sequence <= lastSequence)
        {
            if (sequence == lastSequence && EntryChecksum.stored(buffer, offset) != lastChecksum)
            {
                throw new SkeinException(SkeinException.Code.STATE_DIVERGED, SkeinException.Category.FATAL,
                    "the log's replay produced entry " + sequence + " unlike the one in this member's journal " +
                    "(another checksum): a handler or applier is not deterministic", null);
            }
            return false;
        }
        if (sequence != lastSequence + 1)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                "this member's journal ends at entry " + lastSequence + " but the log goes on from entry " +
                sequence + ": the journal lost entries (was its directory removed without the cluster's?)", null);
        }
        journal.append(buffer, offset, length);
        lastSequence = sequence;
        lastChecksum = EntryChecksum.stored(buffer, offset);
        return true;
    }

    /**
     * Wait until the archive has recorded every entry appended.
     *
     * @param timeoutNs the longest to wait.
     * @throws SkeinException FATAL if it did not in time.
     */
    void awaitDurable(final long timeoutNs)
    {
        final long position = journal.position();
        if (!journal.awaitDurable(position, timeoutNs))
        {
            throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                "this member's journal was not recorded to position " + position + " in time", null);
        }
    }

    /**
     * Keep the journal's archive session alive; call from the service's background work.
     *
     * @param nowNs the time now.
     * @return 1 if work was done.
     */
    int keepAlive(final long nowNs)
    {
        if (nowNs - lastKeepAliveNs < KEEP_ALIVE_INTERVAL_NS)
        {
            return 0;
        }
        lastKeepAliveNs = nowNs;
        journal.keepAlive();
        return 1;
    }

    Journal journal()
    {
        return journal;
    }

    @Override
    public void close()
    {
        journal.close();
    }
}
