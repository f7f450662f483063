package io.skein.engine;

import java.util.List;
import java.util.function.LongSupplier;

import io.skein.journal.Journal;
import io.skein.journal.RecordingLog;

/**
 * After each snapshot: keep the newest {@link SkeinEngine.Context#snapshotRetention()} snapshots and purge older
 * ones, then (if the context compacts the journal) delete journal segments below the oldest snapshot kept, never at
 * or above the compaction floor.
 */
final class SnapshotRetention
{
    private final int retention;
    private final boolean compact;
    private final long floor;
    private final LongSupplier floorSupplier;

    SnapshotRetention(final SkeinEngine.Context ctx)
    {
        this.retention = ctx.snapshotRetention();
        this.compact = ctx.compactJournal();
        this.floor = ctx.compactionFloor();
        this.floorSupplier = ctx.compactionFloorSupplier();
    }

    /**
     * Keep the newest snapshots, purging older ones, then compact the journal below the oldest kept if enabled.
     *
     * @param journal holding the snapshots.
     */
    void retainAndCompact(final Journal journal)
    {
        final long oldestRetained = retain(journal);
        if (compact && Long.MAX_VALUE != oldestRetained)
        {
            journal.compact(Math.min(oldestRetained,
                Math.min(floor, null == floorSupplier ? Long.MAX_VALUE : floorSupplier.getAsLong())));
        }
    }

    /**
     * Keep the newest snapshots, purging older ones.
     *
     * @param journal holding the snapshots.
     * @return the position of the oldest snapshot kept, or {@link Long#MAX_VALUE} if none.
     */
    long retain(final Journal journal)
    {
        final List<RecordingLog.Entry> entries = journal.recordingLog().entries();
        int valid = 0;
        long oldestRetained = Long.MAX_VALUE;
        for (int i = entries.size() - 1; i >= 0; i--)
        {
            final RecordingLog.Entry entry = entries.get(i);
            if (entry.type() != RecordingLog.TYPE_SNAPSHOT || !entry.isValid())
            {
                continue;
            }
            if (retention > 0 && valid >= retention)
            {
                journal.purgeSnapshot(entry);
            }
            else
            {
                valid++;
                oldestRetained = entry.position();
            }
        }
        return oldestRetained;
    }
}
