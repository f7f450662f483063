package io.skein.engine;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * One aggregate type inside an engine: its definition and the state of every aggregate of the type, owned by the
 * single writer.
 *
 * @param <S> the state type.
 */
final class AggregateRuntime<S>
{
    private final AggregateDefinition<S> definition;
    private final Long2ObjectHashMap<AggregateRecord<S>> records = new Long2ObjectHashMap<>();
    private final S pristine;
    private AggregateRecord<S> spare;

    AggregateRuntime(final Aggregate<S> aggregate)
    {
        final AggregateDefinition<S> definition = new AggregateDefinition<>();
        aggregate.define(definition);
        this.definition = definition.validate();
        spare = new AggregateRecord<>(definition.newState());
        pristine = definition.newState();
    }

    AggregateDefinition<S> definition()
    {
        return definition;
    }

    int typeId()
    {
        return definition.typeId();
    }

    /**
     * The record of an existing aggregate, or a fresh one at version 0 that is kept only if {@link #commit} is called.
     */
    AggregateRecord<S> recordFor(final long aggregateId)
    {
        final AggregateRecord<S> record = records.get(aggregateId);
        return null != record ? record : spare;
    }

    AggregateRecord<S> existing(final long aggregateId)
    {
        return records.get(aggregateId);
    }

    /**
     * Make the spare record the aggregate's record once its first events have been applied.
     */
    void commit(final long aggregateId, final AggregateRecord<S> record)
    {
        if (record == spare)
        {
            records.put(aggregateId, record);
            spare = new AggregateRecord<>(definition.newState());
        }
    }

    /**
     * Replace the spare with a fresh state if a failed command left marks on it: kept when it still equals a new
     * state (the state's {@code equals}, which state classes implement, as the fixture requires), so a command
     * refused on an aggregate that does not exist yet allocates nothing.
     */
    void discardSpare()
    {
        if (spare.version != 0 || !pristine.equals(spare.state))
        {
            spare = new AggregateRecord<>(definition.newState());
        }
    }

    /**
     * A new state, never changed: what a handler reading an aggregate that does not exist yet sees.
     */
    S pristine()
    {
        return pristine;
    }

    boolean isSpare(final AggregateRecord<S> record)
    {
        return record == spare;
    }

    Long2ObjectHashMap<AggregateRecord<S>> records()
    {
        return records;
    }

    int size()
    {
        return records.size();
    }

    /**
     * State and version of one aggregate.
     *
     * @param <S> the state type.
     */
    static final class AggregateRecord<S>
    {
        final S state;
        long version;

        AggregateRecord(final S state)
        {
            this.state = state;
        }
    }
}
