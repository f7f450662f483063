package io.skein.engine;

import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The engine's counters, allocated in a {@link CountersManager} so that tools reading the counters file (Aeron's
 * {@code AeronStat} when the engine runs on a media driver) can see them. The single writer updates them with
 * ordered writes; any thread may read them.
 */
public final class EngineCounters implements AutoCloseable
{
    /**
     * Counter type id of Skein's engine counters.
     */
    public static final int ENGINE_COUNTER_TYPE_ID = 6101;

    private final AtomicCounter commands;
    private final AtomicCounter accepted;
    private final AtomicCounter rejected;
    private final AtomicCounter conflicts;
    private final AtomicCounter duplicates;
    private final AtomicCounter errors;
    private final AtomicCounter ringDepth;
    private final AtomicCounter aggregates;
    private final AtomicCounter journalEntries;
    private final AtomicCounter listenerErrors;
    private final AtomicCounter storageLow;
    private final AtomicCounter archiveReconnects;

    EngineCounters(final CountersManager countersManager, final String name)
    {
        commands = countersManager.newCounter("skein commands: " + name, ENGINE_COUNTER_TYPE_ID);
        accepted = countersManager.newCounter("skein accepted: " + name, ENGINE_COUNTER_TYPE_ID);
        rejected = countersManager.newCounter("skein rejected: " + name, ENGINE_COUNTER_TYPE_ID);
        conflicts = countersManager.newCounter("skein conflicts: " + name, ENGINE_COUNTER_TYPE_ID);
        duplicates = countersManager.newCounter("skein duplicates: " + name, ENGINE_COUNTER_TYPE_ID);
        errors = countersManager.newCounter("skein errors: " + name, ENGINE_COUNTER_TYPE_ID);
        ringDepth = countersManager.newCounter("skein ring depth: " + name, ENGINE_COUNTER_TYPE_ID);
        aggregates = countersManager.newCounter("skein aggregates: " + name, ENGINE_COUNTER_TYPE_ID);
        journalEntries = countersManager.newCounter("skein journal entries: " + name, ENGINE_COUNTER_TYPE_ID);
        listenerErrors = countersManager.newCounter("skein reply listener errors: " + name, ENGINE_COUNTER_TYPE_ID);
        storageLow = countersManager.newCounter("skein storage low (commands refused): " + name,
            ENGINE_COUNTER_TYPE_ID);
        archiveReconnects = countersManager.newCounter("skein archive sessions replaced: " + name,
            ENGINE_COUNTER_TYPE_ID);
    }

    /**
     * Times free space for the journal fell below the threshold, so commands were refused.
     *
     * @return the counter.
     */
    public AtomicCounter storageLow()
    {
        return storageLow;
    }

    /**
     * Archive control sessions the archive closed and the journal watch replaced.
     *
     * @return the counter.
     */
    public AtomicCounter archiveReconnects()
    {
        return archiveReconnects;
    }

    /**
     * Commands taken by the single writer, of any outcome.
     *
     * @return the counter.
     */
    public AtomicCounter commands()
    {
        return commands;
    }

    /**
     * Commands and queries accepted.
     *
     * @return the counter.
     */
    public AtomicCounter accepted()
    {
        return accepted;
    }

    /**
     * Commands rejected, by their handler or as bad input.
     *
     * @return the counter.
     */
    public AtomicCounter rejected()
    {
        return rejected;
    }

    /**
     * Commands whose expected version did not match.
     *
     * @return the counter.
     */
    public AtomicCounter conflicts()
    {
        return conflicts;
    }

    /**
     * Commands answered from the idempotency window.
     *
     * @return the counter.
     */
    public AtomicCounter duplicates()
    {
        return duplicates;
    }

    /**
     * Commands whose handler threw, and other errors on the writer.
     *
     * @return the counter.
     */
    public AtomicCounter errors()
    {
        return errors;
    }

    /**
     * Commands waiting in the ring at the start of the writer's last batch.
     *
     * @return the counter.
     */
    public AtomicCounter ringDepth()
    {
        return ringDepth;
    }

    /**
     * Journal entries written (a leader) or applied (a follower): the sequence of the last one.
     *
     * @return the counter.
     */
    public AtomicCounter journalEntries()
    {
        return journalEntries;
    }

    /**
     * Aggregates in memory, across all types.
     *
     * @return the counter.
     */
    public AtomicCounter aggregates()
    {
        return aggregates;
    }

    /**
     * Reply listeners that threw.
     *
     * @return the counter.
     */
    public AtomicCounter listenerErrors()
    {
        return listenerErrors;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        CloseHelper.closeAll(archiveReconnects, storageLow, journalEntries, listenerErrors,
            aggregates, ringDepth, errors, duplicates, conflicts,
            rejected, accepted, commands);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "commands=" + commands.get() + " accepted=" + accepted.get() + " rejected=" + rejected.get() +
            " conflicts=" + conflicts.get() + " duplicates=" + duplicates.get() + " errors=" + errors.get() +
            " ringDepth=" + ringDepth.get() + " aggregates=" + aggregates.get() +
            " listenerErrors=" + listenerErrors.get() + " journalEntries=" + journalEntries.get();
    }
}
