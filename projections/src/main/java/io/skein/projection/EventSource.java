package io.skein.projection;

import io.aeron.Aeron;
import io.skein.engine.Durability;
import io.skein.engine.DurabilityGate;
import io.skein.engine.EngineCounters;
import io.skein.engine.SkeinEngine;
import io.skein.journal.Journal;
import io.skein.journal.JournalReplay;
import io.skein.protocol.SkeinException;
import io.skein.protocol.Upcasters;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

/**
 * Where reads and subscriptions get durable events from: an engine's journal, bounded by what is durable. With
 * {@link Durability#RECORDED} the archive itself bounds a replay by its recorded position. With
 * {@link Durability#REPLICATED} a replay is bounded by a counter holding the replicated position (a node keeps one,
 * {@code skein durable position}), so the archive never sends an entry a lost quorum could take back.
 */
public final class EventSource
{
    private final SkeinEngine engine;
    private final Journal journal;
    private final int limitCounterId;
    private final String name;
    private final Upcasters upcasters;

    private EventSource(final SkeinEngine engine, final int limitCounterId)
    {
        this.engine = engine;
        this.journal = engine.context().journal();
        this.limitCounterId = limitCounterId;
        this.name = engine.context().name();
        this.upcasters = engine.upcasters();
        if (null == journal)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION,
                "engine " + engine.context().name() + " has no journal: there are no durable events to read");
        }
    }

    private EventSource(final Journal journal, final String name, final Upcasters upcasters)
    {
        this.engine = null;
        this.journal = journal;
        this.limitCounterId = Aeron.NULL_VALUE;
        this.name = name;
        this.upcasters = upcasters;
    }

    /**
     * The events of a journal with no engine on it (a stopped node's directory opened by a tool): what its archive
     * has recorded.
     *
     * @param journal opened read-only or not.
     * @param name    for messages and counters.
     * @return the source.
     */
    public static EventSource of(final Journal journal, final String name)
    {
        return new EventSource(journal, name, Upcasters.none());
    }

    /**
     * A journal read without an engine, through the upcasters of the aggregate types that wrote it.
     *
     * @param journal   to read.
     * @param name      for labels and messages.
     * @param upcasters of the aggregate types (see {@code AggregateDefinition.upcaster}).
     * @return the source.
     */
    public static EventSource of(final Journal journal, final String name, final Upcasters upcasters)
    {
        return new EventSource(journal, name, upcasters.copy());
    }

    /**
     * The events of an embedded engine whose durability is what the archive has recorded.
     *
     * @param engine with a journal, not {@link Durability#REPLICATED} (use the node's source for that).
     * @return the source.
     * @throws SkeinException if the engine has no journal, or its replies wait for followers: reading it needs the
     *                        replicated-position counter its node keeps ({@code SkeinNode.eventSource()}).
     */
    public static EventSource of(final SkeinEngine engine)
    {
        if (engine.context().durability() == Durability.REPLICATED && !engine.isFollower())
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "engine " + engine.context().name() +
                " makes entries durable on followers (REPLICATED): read it through its node's event source, " +
                "which bounds reads by the replicated position");
        }
        return new EventSource(engine, Aeron.NULL_VALUE);
    }

    /**
     * The events of an engine, bounded also by a counter on the engine's media driver.
     *
     * @param engine         with a journal.
     * @param limitCounterId of a counter holding the durable position, kept up to date by its owner.
     * @return the source.
     */
    public static EventSource of(final SkeinEngine engine, final int limitCounterId)
    {
        return new EventSource(engine, limitCounterId);
    }

    /**
     * The position up to which events are durable now.
     *
     * @return the position.
     * @throws SkeinException if the journal has failed.
     */
    public long durablePosition()
    {
        final long position = null == engine ? journal.durablePosition() : engine.durablePosition();
        if (DurabilityGate.FAILED == position)
        {
            throw new SkeinException(SkeinException.Code.STORAGE,
                "the journal of " + name + " has failed: no position is durable");
        }
        return position;
    }

    /**
     * The upcasters every reader of this source applies, a set of their own for each reader.
     *
     * @return the upcasters (empty if none).
     */
    public Upcasters upcasters()
    {
        return upcasters.copy();
    }

    /**
     * Where the journal starts (0 unless compacted).
     *
     * @return the position.
     */
    public long startPosition()
    {
        return journal.startPosition();
    }

    /**
     * Whether the engine has closed: no more events will become durable through it.
     *
     * @return true once closed.
     */
    public boolean isClosed()
    {
        return null == engine ? journal.durablePosition() == Journal.FAILED_POSITION : engine.isClosed();
    }

    /**
     * The engine's name, for labels and messages.
     *
     * @return the name.
     */
    public String name()
    {
        return name;
    }

    /**
     * The sequence of the last entry the engine has written (durable or not): how far a reader has to go.
     *
     * @return the entry sequence.
     */
    public long lastEntrySequence()
    {
        return null == engine ? 0 : engine.counters().journalEntries().get();
    }

    /**
     * Where new counters go: the engine's own, so a node's projections show in AeronStat beside its engine.
     *
     * @return the factory.
     */
    public EngineCounters.Factory counterFactory()
    {
        if (null == engine)
        {
            final CountersManager local = new CountersManager(
                new UnsafeBuffer(new byte[64 * 1024]), new UnsafeBuffer(new byte[16 * 1024]));
            return (typeId, label) -> local.newCounter(label, typeId);
        }
        final SkeinEngine.Context ctx = engine.context();
        if (null != ctx.counterFactory())
        {
            return ctx.counterFactory();
        }
        return (typeId, label) -> ctx.countersManager().newCounter(label, typeId);
    }

    JournalReplay follow(final long fromPosition)
    {
        return journal.follow(fromPosition, null == engine || engine.isFollower() ? Aeron.NULL_VALUE : limitCounterId);
    }

    JournalReplay replay(final long fromPosition, final long toPosition)
    {
        return journal.replay(fromPosition, toPosition);
    }

    long checkedStart(final long fromPosition, final long durable)
    {
        final long start = journal.startPosition();
        if (fromPosition < start || fromPosition > durable)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "position " + fromPosition + " is outside the " +
                "durable journal [" + start + ", " + durable + "]");
        }
        if (fromPosition < durable && !journal.isEntryStart(fromPosition))
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "position " + fromPosition +
                " is not where a journal entry starts: read from 0, from the position a read or a subscription " +
                "gave, or from where an earlier event's entry ends (its position)");
        }
        return fromPosition;
    }
}
