package io.skein.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import io.skein.aggregate.Aggregate;
import io.skein.engine.AggregateRuntime.AggregateRecord;
import org.agrona.collections.Hashing;
import org.agrona.collections.Long2ObjectHashMap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order a snapshot holds a type's aggregates in: it depends only on the set of ids (equal states, equal
 * snapshots, whatever order the aggregates were created in), and it follows the slots of the table a loader fills.
 */
class SnapshotOrderTest
{
    @Test
    void theOrderDependsOnlyOnTheIdsAndFollowsTheLoadersSlots()
    {
        final List<Long> ids = new ArrayList<>();
        for (long id = 1; id <= 5_000; id++)
        {
            ids.add(id);
        }
        final Random random = new Random(7);
        for (int i = 0; i < 3_000; i++)
        {
            ids.add(random.nextLong());
        }
        ids.add(Long.MIN_VALUE);
        ids.add(Long.MAX_VALUE);
        ids.add(0L);
        final int capacity = EngineState.capacityFor(ids.size(), Hashing.DEFAULT_LOAD_FACTOR);
        final int mask = capacity - 1;
        final int homeSlot = Hashing.hash(42L, mask);
        int colliding = 0;
        for (long id = 1_000_000; colliding < 6; id++)
        {
            if (Hashing.hash(id, mask) == homeSlot)
            {
                ids.add(id);
                colliding++;
            }
        }
        final int grown = EngineState.capacityFor(ids.size(), Hashing.DEFAULT_LOAD_FACTOR);
        assertEquals(capacity, grown, "the colliding ids were chosen for the table the whole set needs");

        final AggregateRuntime<Object> ascending = runtimeWith(ids);
        final List<Long> shuffled = new ArrayList<>(ids);
        Collections.shuffle(shuffled, new Random(11));
        final AggregateRuntime<Object> inAnotherOrder = runtimeWith(shuffled);

        final long[] order = EngineState.snapshotOrder(ascending);
        assertArrayEquals(order, EngineState.snapshotOrder(inAnotherOrder));

        final long[] sorted = order.clone();
        Arrays.sort(sorted);
        final long[] expected = ids.stream().mapToLong(Long::longValue).sorted().toArray();
        assertArrayEquals(expected, sorted, "every id once");

        for (int i = 1; i < order.length; i++)
        {
            final int previous = Hashing.hash(order[i - 1], mask);
            final int slot = Hashing.hash(order[i], mask);
            assertTrue(previous < slot || (previous == slot && order[i - 1] < order[i]),
                "ids " + order[i - 1] + " (slot " + previous + ") and " + order[i] + " (slot " + slot + ")");
        }
    }

    @Test
    void capacityIsTheOneAnAgronaMapGrowsTo()
    {
        for (final int count : new int[] {0, 1, 5, 6, 7, 100, 1_000, 65_536, 100_000, 851_969})
        {
            final Long2ObjectHashMap<Object> map = new Long2ObjectHashMap<>();
            for (long id = 0; id < count; id++)
            {
                map.put(id, Boolean.TRUE);
            }
            assertEquals(map.capacity(), EngineState.capacityFor(count, map.loadFactor()), "count " + count);
        }
    }

    @Test
    void anEmptyTypeHasAnEmptyOrder()
    {
        assertEquals(0, EngineState.snapshotOrder(runtimeWith(List.of())).length);
    }

    @SuppressWarnings("unchecked")
    private static AggregateRuntime<Object> runtimeWith(final List<Long> ids)
    {
        final AggregateRuntime<Object> runtime = new AggregateRuntime<>((Aggregate<Object>)TestAggregates.tally());
        for (final long id : ids)
        {
            runtime.records().put(id, new AggregateRecord<>(runtime.definition().newState()));
        }
        return runtime;
    }
}
