package io.skein.engine;

import io.skein.journal.Journal;
import io.skein.journal.JournalReader;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;

/**
 * Recovery, once, before the writer starts: loads the newest usable snapshot (unless the context says not to), then
 * applies the journal after it up to where the journal was recovered to, through the one {@link EntryApplier}. It
 * refuses to start on a journal that lost entries a snapshot depends on, or that was compacted past every usable
 * snapshot.
 */
final class EngineRecovery
{
    private long entries;
    private long snapshotPosition = SkeinProtocol.NULL_POSITION;
    private long snapshotEntrySequence;
    private long snapshotTimeNs = SkeinProtocol.NULL_POSITION;

    /**
     * Recover the applier's state from the context's journal, if it has one.
     *
     * @param ctx     for the journal and the recovery settings.
     * @param applier of the engine's state.
     * @return this, with what was recovered.
     * @throws SkeinException if the journal cannot be recovered from.
     */
    EngineRecovery recover(final SkeinEngine.Context ctx, final EntryApplier applier)
    {
        final Journal journal = ctx.journal();
        if (null == journal)
        {
            return this;
        }
        long from = journal.startPosition();
        if (ctx.useSnapshots())
        {
            final SnapshotLoader loader = new SnapshotLoader();
            snapshotPosition = loader.loadNewest(applier, journal, Long.MAX_VALUE, Long.MAX_VALUE,
                journal.recoveredEndPosition(), ctx.errorHandler());
            if (SkeinProtocol.NULL_POSITION != snapshotPosition)
            {
                from = snapshotPosition;
                snapshotEntrySequence = applier.state().lastEntrySequence();
                snapshotTimeNs = loader.timestampNs();
            }
        }
        if (SkeinProtocol.NULL_POSITION == snapshotPosition && journal.startPosition() > 0)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                "the journal was compacted to position " + journal.startPosition() + " and no usable snapshot at " +
                "or after it remains: the state before it cannot be rebuilt; refusing to start", null);
        }
        try (JournalReader reader = journal.reader())
        {
            entries = reader.read(from, journal.recoveredEndPosition(), applier::apply, ctx.recoveryProgress());
        }
        return this;
    }

    /**
     * The number of journal entries applied after the snapshot.
     */
    long entries()
    {
        return entries;
    }

    /**
     * The journal position of the snapshot loaded, {@link SkeinProtocol#NULL_POSITION} if none was.
     */
    long snapshotPosition()
    {
        return snapshotPosition;
    }

    /**
     * The sequence of the last entry the snapshot held, 0 if none was loaded.
     */
    long snapshotEntrySequence()
    {
        return snapshotEntrySequence;
    }

    /**
     * The time of the snapshot's last entry, {@link SkeinProtocol#NULL_POSITION} if none was loaded.
     */
    long snapshotTimeNs()
    {
        return snapshotTimeNs;
    }
}
