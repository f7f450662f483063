package io.skein.engine;

import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.engine.AggregateRuntime.AggregateRecord;
import io.skein.protocol.SkeinException;
import io.skein.protocol.Upcasters;
import org.agrona.collections.Hashing;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * Everything the single writer owns between commands: the aggregate runtimes with every aggregate's state and
 * version, the global event and entry sequences, the epoch, the time of the last entry, and the idempotency window.
 * Changed only by the {@link EntryApplier} (an entry from the journal or one the writer just decided) and by a
 * {@link SnapshotLoader} restoring a snapshot; read by the decision path, the snapshot taker and time travel.
 * <p>
 * A state may have no idempotency window (time travel: it answers states, never duplicates), and no counters (any
 * state that is not the live engine's).
 */
final class EngineState
{
    /**
     * Type ids below this are looked up in an array, as {@code AggregateDefinition} does for templates.
     */
    private static final int DENSE_TYPE_LIMIT = 1024;
    private static final int MIN_TABLE_CAPACITY = 8;

    private final Int2ObjectHashMap<AggregateRuntime<Object>> runtimes;
    private final AggregateRuntime<Object>[] byType;
    private final IdempotencyWindow window;
    private final EngineCounters counters;
    private long nextSequence = 1;
    private long lastEntrySequence;
    private long lastEntryTimestampNs;
    private long epoch;

    /**
     * A state with no aggregates yet.
     *
     * @param runtimes       of the aggregate types, by type id; see {@link #newRuntimes(List)}.
     * @param windowCapacity of the idempotency window, or 0 for none.
     * @param counters       to keep the aggregate and entry counts in, or null for none.
     */
    EngineState(
        final Int2ObjectHashMap<AggregateRuntime<Object>> runtimes,
        final int windowCapacity,
        final EngineCounters counters)
    {
        this.runtimes = runtimes;
        this.byType = denseByType(runtimes);
        this.window = windowCapacity > 0 ? new IdempotencyWindow(windowCapacity) : null;
        this.counters = counters;
    }

    /**
     * The upcasters of a set of aggregate types, for one reader.
     *
     * @param runtimes of the types.
     * @return their upcasters (empty if none has one).
     */
    static Upcasters upcasters(final Int2ObjectHashMap<AggregateRuntime<Object>> runtimes)
    {
        final Upcasters upcasters = Upcasters.none();
        for (final AggregateRuntime<Object> runtime : runtimes.values())
        {
            if (null != runtime.definition().upcaster())
            {
                upcasters.add(runtime.typeId(), runtime.definition().upcaster());
            }
        }
        return upcasters;
    }

    /**
     * One runtime per aggregate type, each from a fresh aggregate of its factory.
     *
     * @param aggregates factories of the aggregate types.
     * @return the runtimes by type id.
     * @throws SkeinException if two types share a type id.
     */
    static Int2ObjectHashMap<AggregateRuntime<Object>> newRuntimes(
        final List<? extends Supplier<? extends Aggregate<?>>> aggregates)
    {
        final Int2ObjectHashMap<AggregateRuntime<Object>> runtimes = new Int2ObjectHashMap<>();
        for (final Supplier<? extends Aggregate<?>> factory : aggregates)
        {
            @SuppressWarnings("unchecked")
            final AggregateRuntime<Object> runtime = new AggregateRuntime<>((Aggregate<Object>)factory.get());
            final AggregateRuntime<Object> existing = runtimes.put(runtime.typeId(), runtime);
            if (null != existing)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "aggregate types " +
                    existing.definition().name() + " and " + runtime.definition().name() + " share type id " +
                    runtime.typeId());
            }
        }
        return runtimes;
    }

    Int2ObjectHashMap<AggregateRuntime<Object>> runtimes()
    {
        return runtimes;
    }

    @SuppressWarnings("unchecked")
    private static AggregateRuntime<Object>[] denseByType(final Int2ObjectHashMap<AggregateRuntime<Object>> runtimes)
    {
        int length = 0;
        for (final AggregateRuntime<Object> runtime : runtimes.values())
        {
            if (runtime.typeId() < DENSE_TYPE_LIMIT)
            {
                length = Math.max(length, runtime.typeId() + 1);
            }
        }
        final AggregateRuntime<Object>[] byType = new AggregateRuntime[length];
        for (final AggregateRuntime<Object> runtime : runtimes.values())
        {
            if (runtime.typeId() < DENSE_TYPE_LIMIT)
            {
                byType[runtime.typeId()] = runtime;
            }
        }
        return byType;
    }

    AggregateRuntime<Object> runtime(final int typeId)
    {
        if (typeId >= 0 && typeId < byType.length)
        {
            return byType[typeId];
        }
        return typeId >= 0 && typeId < DENSE_TYPE_LIMIT ? null : runtimes.get(typeId);
    }

    /**
     * The record of an existing aggregate.
     *
     * @param typeId      of the aggregate type.
     * @param aggregateId of the aggregate.
     * @return the record, or null if the type is unknown or the aggregate does not exist.
     */
    AggregateRecord<Object> existing(final int typeId, final long aggregateId)
    {
        final AggregateRuntime<Object> runtime = runtimes.get(typeId);
        return null == runtime ? null : runtime.existing(aggregateId);
    }

    /**
     * The idempotency window.
     *
     * @return the window, or null if this state keeps none.
     */
    IdempotencyWindow window()
    {
        return window;
    }

    long nextSequence()
    {
        return nextSequence;
    }

    long lastEntrySequence()
    {
        return lastEntrySequence;
    }

    /**
     * The timestamp of the last journal entry applied: the time the state reflects, stamped in snapshots so that two
     * snapshots of the same state are the same bytes whoever takes them.
     */
    long lastEntryTimestampNs()
    {
        return lastEntryTimestampNs;
    }

    long epoch()
    {
        return epoch;
    }

    void epoch(final long epoch)
    {
        this.epoch = epoch;
    }

    /**
     * Note an entry applied: its events took the global sequence on by {@code eventCount}.
     */
    void entryApplied(final long entrySequence, final int eventCount, final long timestampNs, final long entryEpoch)
    {
        nextSequence += eventCount;
        lastEntrySequence = entrySequence;
        lastEntryTimestampNs = timestampNs;
        epoch = Math.max(epoch, entryEpoch);
        if (null != counters)
        {
            counters.journalEntries().setRelease(entrySequence);
        }
    }

    /**
     * Keep a new aggregate's record (the runtime's spare) once its first events are applied.
     */
    void commitIfNew(
        final AggregateRuntime<Object> runtime, final long aggregateId, final AggregateRecord<Object> record)
    {
        if (runtime.isSpare(record))
        {
            runtime.commit(aggregateId, record);
            if (null != counters)
            {
                counters.aggregates().incrementRelease();
            }
        }
    }

    /**
     * Remember an accepted command's key and outcome, if this state keeps a window and the key is not in it.
     */
    void recordKey(
        final long hi,
        final long lo,
        final int typeId,
        final long aggregateId,
        final long version,
        final long sequence,
        final long position)
    {
        if (null != window && IdempotencyWindow.NOT_FOUND == window.find(hi, lo))
        {
            window.record(hi, lo, typeId, aggregateId, version, sequence, position);
        }
    }

    /**
     * Forget all state, as before recovery: used when a snapshot turns out to be unusable part way through loading.
     */
    void reset()
    {
        for (final AggregateRuntime<Object> runtime : runtimes.values())
        {
            runtime.records().clear();
            runtime.discardSpare();
        }
        if (null != window)
        {
            window.clear();
        }
        nextSequence = 1;
        lastEntrySequence = 0;
        lastEntryTimestampNs = 0;
        if (null != counters)
        {
            counters.aggregates().setRelease(0);
        }
    }

    void restoreSequences(
        final long nextSequence, final long lastEntrySequence, final long epoch, final long lastEntryTimestampNs)
    {
        this.nextSequence = nextSequence;
        this.lastEntrySequence = lastEntrySequence;
        this.lastEntryTimestampNs = lastEntryTimestampNs;
        this.epoch = epoch;
    }

    void restoreAggregate(
        final AggregateRuntime<Object> runtime, final long aggregateId, final long version, final Object state)
    {
        final AggregateRecord<Object> record = new AggregateRecord<>(state);
        record.version = version;
        if (null == runtime.records().put(aggregateId, record) && null != counters)
        {
            counters.aggregates().incrementRelease();
        }
    }

    void restoreKey(
        final long hi,
        final long lo,
        final int typeId,
        final long aggregateId,
        final long version,
        final long sequence,
        final long position)
    {
        if (null != window)
        {
            window.record(hi, lo, typeId, aggregateId, version, sequence, position);
        }
    }

    /**
     * A hash of every aggregate's type, id, version and state ({@code hashCode()}), in type and id order: equal
     * states give equal hashes across processes and restarts, provided state types implement {@code hashCode}.
     *
     * @return the hash.
     */
    long stateHash()
    {
        long hash = 17;
        for (final int typeId : sortedTypeIds())
        {
            final AggregateRuntime<Object> runtime = runtimes.get(typeId);
            for (final long id : sortedIds(runtime))
            {
                final AggregateRecord<Object> record = runtime.existing(id);
                requireHashCode(record.state);
                hash = mix(hash, typeId);
                hash = mix(hash, id);
                hash = mix(hash, record.version);
                hash = mix(hash, record.state.hashCode());
            }
        }
        return hash;
    }

    /**
     * Number of aggregates in memory, across all types.
     *
     * @return the count.
     */
    long aggregateCount()
    {
        long count = 0;
        for (final AggregateRuntime<Object> runtime : runtimes.values())
        {
            count += runtime.size();
        }
        return count;
    }

    /**
     * The aggregate types, in id order.
     */
    int[] sortedTypeIds()
    {
        final int[] typeIds = new int[runtimes.size()];
        int t = 0;
        for (final int typeId : runtimes.keySet())
        {
            typeIds[t++] = typeId;
        }
        Arrays.sort(typeIds);
        return typeIds;
    }

    /**
     * The ids of a type's aggregates, in order.
     */
    static long[] sortedIds(final AggregateRuntime<Object> runtime)
    {
        final long[] ids = new long[runtime.size()];
        int i = 0;
        for (final long id : runtime.records().keySet())
        {
            ids[i++] = id;
        }
        Arrays.sort(ids);
        return ids;
    }

    /**
     * The ids of a type's aggregates in the order a snapshot holds them: by the slot each id takes in a hash table of
     * the capacity a map holding that many ids grows to, then by id. The order depends only on the set of ids, so
     * equal states still give equal snapshots. A loader inserting in this order fills its table in sweeps rather
     * than at random, which matters under G1: a reference stored at a random slot of a large old-generation array
     * dirties a card that has to be refined again for almost every store (a million accounts loaded in id order
     * spent three quarters of the load in {@code Long2ObjectHashMap.put}).
     */
    static long[] snapshotOrder(final AggregateRuntime<Object> runtime)
    {
        final Long2ObjectHashMap<AggregateRecord<Object>> records = runtime.records();
        final int count = records.size();
        final int capacity = capacityFor(count, records.loadFactor());
        final int mask = capacity - 1;
        final int[] starts = new int[capacity + 1];
        Long2ObjectHashMap<AggregateRecord<Object>>.KeyIterator keys = records.keySet().iterator();
        while (keys.hasNext())
        {
            starts[Hashing.hash(keys.nextLong(), mask) + 1]++;
        }
        for (int slot = 0; slot < capacity; slot++)
        {
            starts[slot + 1] += starts[slot];
        }
        final long[] ordered = new long[count];
        keys = records.keySet().iterator();
        while (keys.hasNext())
        {
            final long id = keys.nextLong();
            ordered[starts[Hashing.hash(id, mask)]++] = id;
        }
        int runStart = 0;
        for (int slot = 0; slot < capacity; slot++)
        {
            final int runEnd = starts[slot];
            if (runEnd - runStart > 1)
            {
                Arrays.sort(ordered, runStart, runEnd);
            }
            runStart = runEnd;
        }
        return ordered;
    }

    /**
     * The capacity an Agrona map with this load factor grows to when {@code count} keys are put into a new one.
     */
    static int capacityFor(final int count, final float loadFactor)
    {
        int capacity = MIN_TABLE_CAPACITY;
        while ((int)(capacity * loadFactor) < count)
        {
            capacity <<= 1;
        }
        return capacity;
    }

    private static long mix(final long hash, final long value)
    {
        long h = (hash ^ value) * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        return h * 0xBF58476D1CE4E5B9L;
    }

    private static void requireHashCode(final Object state)
    {
        try
        {
            if (state.getClass().getMethod("hashCode").getDeclaringClass() == Object.class)
            {
                throw new IllegalStateException(
                    "state hash needs " + state.getClass().getName() + " to implement hashCode and equals");
            }
        }
        catch (final NoSuchMethodException ex)
        {
            throw new IllegalStateException(ex);
        }
    }
}
