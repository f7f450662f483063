package io.skein.engine;

import java.util.Arrays;

/**
 * The last {@code capacity} idempotency keys of accepted commands and the outcome each produced, evicted oldest
 * first. Keys are 128-bit; the table is open addressing with linear probing and backward-shift deletion over
 * primitive arrays, so lookups and inserts allocate nothing. Insertion order is the journal's order, so replaying the
 * journal rebuilds exactly the same window.
 */
final class IdempotencyWindow
{
    static final int NOT_FOUND = -1;
    private static final int EMPTY = -1;

    private final int capacity;
    private final int mask;
    private final int[] table;
    private final long[] keyHi;
    private final long[] keyLo;
    private final int[] typeIds;
    private final long[] aggregateIds;
    private final long[] versions;
    private final long[] sequences;
    private final long[] positions;
    private int head;
    private int size;

    IdempotencyWindow(final int capacity)
    {
        if (capacity < 1)
        {
            throw new IllegalArgumentException("idempotency window capacity must be at least 1: " + capacity);
        }
        this.capacity = capacity;
        final int tableLength = Integer.highestOneBit(Math.max(2, capacity * 2 - 1)) << 1;
        this.mask = tableLength - 1;
        this.table = new int[tableLength];
        Arrays.fill(table, EMPTY);
        keyHi = new long[capacity];
        keyLo = new long[capacity];
        typeIds = new int[capacity];
        aggregateIds = new long[capacity];
        versions = new long[capacity];
        sequences = new long[capacity];
        positions = new long[capacity];
    }

    int capacity()
    {
        return capacity;
    }

    int size()
    {
        return size;
    }

    /**
     * Find a key.
     *
     * @param hi high half of the key.
     * @param lo low half of the key.
     * @return an entry index for the accessors, or {@link #NOT_FOUND}.
     */
    int find(final long hi, final long lo)
    {
        int slot = home(hi, lo);
        int entry;
        while (EMPTY != (entry = table[slot]))
        {
            if (keyHi[entry] == hi && keyLo[entry] == lo)
            {
                return entry;
            }
            slot = (slot + 1) & mask;
        }
        return NOT_FOUND;
    }

    /**
     * Record the outcome of an accepted command, evicting the oldest key when full. The key must not be present.
     *
     * @return the entry index.
     */
    int record(
        final long hi,
        final long lo,
        final int typeId,
        final long aggregateId,
        final long version,
        final long sequence,
        final long position)
    {
        final int entry;
        if (size == capacity)
        {
            entry = head;
            remove(keyHi[entry], keyLo[entry]);
            head = head + 1 == capacity ? 0 : head + 1;
        }
        else
        {
            entry = (head + size) % capacity;
            size++;
        }
        keyHi[entry] = hi;
        keyLo[entry] = lo;
        typeIds[entry] = typeId;
        aggregateIds[entry] = aggregateId;
        versions[entry] = version;
        sequences[entry] = sequence;
        positions[entry] = position;

        int slot = home(hi, lo);
        while (EMPTY != table[slot])
        {
            slot = (slot + 1) & mask;
        }
        table[slot] = entry;
        return entry;
    }

    /**
     * The entry index of the i-th oldest key, for walking the window in insertion order.
     */
    int oldest(final int i)
    {
        return (head + i) % capacity;
    }

    long keyHi(final int entry)
    {
        return keyHi[entry];
    }

    long keyLo(final int entry)
    {
        return keyLo[entry];
    }

    void position(final int entry, final long position)
    {
        positions[entry] = position;
    }

    int typeId(final int entry)
    {
        return typeIds[entry];
    }

    long aggregateId(final int entry)
    {
        return aggregateIds[entry];
    }

    long version(final int entry)
    {
        return versions[entry];
    }

    long sequence(final int entry)
    {
        return sequences[entry];
    }

    long position(final int entry)
    {
        return positions[entry];
    }

    void clear()
    {
        Arrays.fill(table, EMPTY);
        head = 0;
        size = 0;
    }

    private void remove(final long hi, final long lo)
    {
        int hole = home(hi, lo);
        while (true)
        {
            final int entry = table[hole];
            if (EMPTY == entry)
            {
                return;
            }
            if (keyHi[entry] == hi && keyLo[entry] == lo)
            {
                break;
            }
            hole = (hole + 1) & mask;
        }

        table[hole] = EMPTY;
        int next = (hole + 1) & mask;
        int entry;
        while (EMPTY != (entry = table[next]))
        {
            final int ideal = home(keyHi[entry], keyLo[entry]);
            // Move the entry back into the hole unless its ideal slot lies cyclically in (hole, next].
            final boolean stays = hole <= next ? (hole < ideal && ideal <= next) : (hole < ideal || ideal <= next);
            if (!stays)
            {
                table[hole] = entry;
                table[next] = EMPTY;
                hole = next;
            }
            next = (next + 1) & mask;
        }
    }

    private int home(final long hi, final long lo)
    {
        long h = hi * 0x9E3779B97F4A7C15L ^ lo;
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        h ^= h >>> 33;
        h *= 0xC4CEB3F97F4A7C15L;
        h ^= h >>> 33;
        return (int)h & mask;
    }
}
