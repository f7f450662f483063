package io.skein.engine;

import org.agrona.CloseHelper;
import org.agrona.concurrent.status.AtomicCounter;
import org.agrona.concurrent.status.CountersManager;

/**
 * The engine's counters: in a node they are Aeron counters of the node's media driver, so {@code AeronStat} shows
 * them beside the node's and Aeron's own; an engine on its own keeps them in a heap {@link CountersManager}. The
 * single writer updates them with ordered writes; any thread may read them.
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
    private final AtomicCounter agentErrors;

    /**
     * Makes one counter: in a heap {@link CountersManager} for an engine on its own, or on an Aeron client
     * ({@code aeron.addCounter}) in a node, so the media driver's counters file, and {@code AeronStat}, show them.
     */
    @FunctionalInterface
    public interface Factory
    {
        /**
         * Allocate a counter.
         *
         * @param typeId of the counter.
         * @param label  what it counts.
         * @return the counter.
         */
        AtomicCounter newCounter(int typeId, String label);
    }

    EngineCounters(final Factory factory, final String name)
    {
        commands = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein commands: " + name);
        accepted = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein accepted: " + name);
        rejected = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein rejected: " + name);
        conflicts = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein conflicts: " + name);
        duplicates = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein duplicates: " + name);
        errors = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein errors: " + name);
        ringDepth = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein ring depth: " + name);
        aggregates = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein aggregates: " + name);
        journalEntries = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein journal entries: " + name);
        listenerErrors = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein reply listener errors: " + name);
        storageLow = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein storage low (commands refused): " + name);
        archiveReconnects = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein archive sessions replaced: " + name);
        agentErrors = factory.newCounter(ENGINE_COUNTER_TYPE_ID, "skein engine agent errors: " + name);
    }

    EngineCounters(final CountersManager countersManager, final String name)
    {
        this((typeId, label) -> countersManager.newCounter(label, typeId), name);
    }

    /**
     * Errors thrown out of the engine's agents (journal watch, follower tail, snapshot builder), as their runners
     * counted them.
     *
     * @return the counter.
     */
    public AtomicCounter agentErrors()
    {
        return agentErrors;
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
        CloseHelper.closeAll(agentErrors, archiveReconnects, storageLow, journalEntries, listenerErrors,
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
