package io.skein.engine;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class IdempotencyWindowTest
{
    @Test
    void shouldFindRecordedOutcome()
    {
        final IdempotencyWindow window = new IdempotencyWindow(4);
        final int entry = window.record(1, 2, 9, 100, 3, 42, 4096);
        assertEquals(entry, window.find(1, 2));
        assertEquals(9, window.typeId(entry));
        assertEquals(100, window.aggregateId(entry));
        assertEquals(3, window.version(entry));
        assertEquals(42, window.sequence(entry));
        assertEquals(4096, window.position(entry));
        assertEquals(IdempotencyWindow.NOT_FOUND, window.find(2, 1));
    }

    @Test
    void shouldEvictOldestFirstWhenFull()
    {
        final IdempotencyWindow window = new IdempotencyWindow(3);
        for (long key = 1; key <= 5; key++)
        {
            window.record(0, key, 1, key, 1, key, -1);
        }
        assertEquals(3, window.size());
        assertEquals(IdempotencyWindow.NOT_FOUND, window.find(0, 1));
        assertEquals(IdempotencyWindow.NOT_FOUND, window.find(0, 2));
        for (long key = 3; key <= 5; key++)
        {
            assertNotEquals(IdempotencyWindow.NOT_FOUND, window.find(0, key));
        }
    }

    @Test
    void shouldRefuseZeroCapacity()
    {
        assertThrows(IllegalArgumentException.class, () -> new IdempotencyWindow(0));
    }

    @Test
    void shouldMatchModelUnderRandomOperationsWithSmallCapacity()
    {
        checkAgainstModel(7, 200_000, 40, 1);
    }

    @Test
    void shouldMatchModelUnderRandomOperationsWithLargeCapacity()
    {
        checkAgainstModel(1_000, 200_000, 5_000, 2);
    }

    private static void checkAgainstModel(final int capacity, final int operations, final int keySpace, final long seed)
    {
        final Random random = new Random(seed);
        final IdempotencyWindow window = new IdempotencyWindow(capacity);
        final LinkedHashMap<Key, Long> model = new LinkedHashMap<>();
        for (int op = 0; op < operations; op++)
        {
            // Keys collide in their low bits often, to exercise probing and backward-shift deletion.
            final Key key = new Key(random.nextInt(4), random.nextInt(keySpace) * 64L);
            final int found = window.find(key.hi, key.lo);
            final Long expected = model.get(key);
            if (null == expected)
            {
                assertEquals(IdempotencyWindow.NOT_FOUND, found, "op " + op + " key " + key);
                window.record(key.hi, key.lo, 1, op, op, op, op);
                if (model.size() == capacity)
                {
                    final Iterator<Map.Entry<Key, Long>> oldest = model.entrySet().iterator();
                    oldest.next();
                    oldest.remove();
                }
                model.put(key, (long)op);
            }
            else
            {
                assertNotEquals(IdempotencyWindow.NOT_FOUND, found, "op " + op + " key " + key);
                assertEquals((long)expected, window.sequence(found), "op " + op + " key " + key);
            }
        }
        assertEquals(model.size(), window.size());
        for (final Map.Entry<Key, Long> entry : model.entrySet())
        {
            final int found = window.find(entry.getKey().hi, entry.getKey().lo);
            assertEquals((long)entry.getValue(), window.version(found));
        }
    }

    private static final class Key
    {
        final long hi;
        final long lo;

        Key(final long hi, final long lo)
        {
            this.hi = hi;
            this.lo = lo;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof Key && ((Key)o).hi == hi && ((Key)o).lo == lo;
        }

        @Override
        public int hashCode()
        {
            return Long.hashCode(hi * 31 + lo);
        }

        @Override
        public String toString()
        {
            return hi + ":" + lo;
        }
    }
}
