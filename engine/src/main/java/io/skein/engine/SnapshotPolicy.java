package io.skein.engine;

import org.agrona.concurrent.EpochNanoClock;

/**
 * When to take a snapshot: once {@link SkeinEngine.Context#snapshotEveryEntries()} journal entries have been applied
 * since the last one, or once {@link SkeinEngine.Context#snapshotIntervalNs()} has passed since it and new entries
 * were applied. Counted from the last snapshot across restarts (recovery tells it where that was) and across role
 * changes: one policy, owned by the single writer, serves the leader (checked after each batch of commands) and the
 * follower (checked after each chunk of replicated entries).
 */
final class SnapshotPolicy
{
    private final long everyEntries;
    private final long intervalNs;
    private final EpochNanoClock clock;
    private long lastEntrySequence;
    private long lastTimeNs;

    SnapshotPolicy(final long everyEntries, final long intervalNs, final EpochNanoClock clock)
    {
        this.everyEntries = everyEntries;
        this.intervalNs = intervalNs;
        this.clock = clock;
        this.lastTimeNs = clock.nanoTime();
    }

    /**
     * Where the policy counts from: the last snapshot's entry sequence and time.
     *
     * @param entrySequence of the last entry the snapshot holds, 0 for none.
     * @param timeNs        of the snapshot's last entry, on the engine's clock.
     */
    void lastSnapshot(final long entrySequence, final long timeNs)
    {
        lastEntrySequence = entrySequence;
        lastTimeNs = timeNs;
    }

    /**
     * Whether a snapshot is due with entries applied up to a sequence; if it is, the policy counts from here on.
     *
     * @param entrySequence of the last entry applied.
     * @return true if a snapshot should be taken now.
     */
    boolean isDue(final long entrySequence)
    {
        if (everyEntries <= 0 && intervalNs <= 0)
        {
            return false;
        }
        final long entries = entrySequence - lastEntrySequence;
        final long nowNs = intervalNs > 0 ? clock.nanoTime() : 0;
        if ((everyEntries > 0 && entries >= everyEntries) ||
            (intervalNs > 0 && entries > 0 && nowNs - lastTimeNs >= intervalNs))
        {
            lastEntrySequence = entrySequence;
            lastTimeNs = nowNs;
            return true;
        }
        return false;
    }
}
