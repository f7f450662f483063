package io.skein.engine;

import java.util.Arrays;

/**
 * The aggregates one command or one journal entry changes, each with its version after the events so far: a few
 * entries searched in order, grown (once) if a command changes more. Owned by one thread; allocation free once grown.
 */
final class TouchedAggregates
{
    private int[] typeIds = new int[8];
    private long[] aggregateIds = new long[8];
    private long[] versions = new long[8];
    private int size;

    void clear()
    {
        size = 0;
    }

    int size()
    {
        return size;
    }

    int typeId(final int index)
    {
        return typeIds[index];
    }

    long aggregateId(final int index)
    {
        return aggregateIds[index];
    }

    long version(final int index)
    {
        return versions[index];
    }

    /**
     * Where an aggregate is, if it has been touched.
     *
     * @return its index, or -1.
     */
    int indexOf(final int typeId, final long aggregateId)
    {
        for (int i = 0; i < size; i++)
        {
            if (aggregateIds[i] == aggregateId && typeIds[i] == typeId)
            {
                return i;
            }
        }
        return -1;
    }

    /**
     * Count one more event for an aggregate.
     *
     * @param current the aggregate's version before the command, used the first time it is touched.
     * @return its version after this event.
     */
    long next(final int typeId, final long aggregateId, final long current)
    {
        final int index = indexOf(typeId, aggregateId);
        if (index >= 0)
        {
            return ++versions[index];
        }
        add(typeId, aggregateId, current + 1);
        return current + 1;
    }

    /**
     * Note an aggregate at a version (the entry's own aggregate, even when it has no event).
     */
    void add(final int typeId, final long aggregateId, final long version)
    {
        if (size == typeIds.length)
        {
            typeIds = Arrays.copyOf(typeIds, size * 2);
            aggregateIds = Arrays.copyOf(aggregateIds, size * 2);
            versions = Arrays.copyOf(versions, size * 2);
        }
        typeIds[size] = typeId;
        aggregateIds[size] = aggregateId;
        versions[size] = version;
        size++;
    }

    void version(final int index, final long version)
    {
        versions[index] = version;
    }
}
