package io.skein.examples.orderbook;

import java.util.Arrays;

/**
 * One side of a book: price levels sorted best first (highest bid, lowest ask), each a FIFO of resting orders.
 * Levels are pooled, so a warm book changes without allocating.
 */
final class BookSide
{
    private final boolean isBid;
    private PriceLevel[] levels = new PriceLevel[64];
    private int size;
    private PriceLevel[] pool = new PriceLevel[64];
    private int pooled;

    BookSide(final boolean isBid)
    {
        this.isBid = isBid;
    }

    int size()
    {
        return size;
    }

    /**
     * The level at a rank, 0 being the best price.
     */
    PriceLevel level(final int rank)
    {
        return levels[rank];
    }

    PriceLevel best()
    {
        return 0 == size ? null : levels[0];
    }

    /**
     * Whether a price on this side is at least as good as a limit from the other side: a resting ask at or below a
     * buyer's limit, a resting bid at or above a seller's limit.
     */
    boolean crosses(final long restingPrice, final long limitPrice)
    {
        return isBid ? restingPrice >= limitPrice : restingPrice <= limitPrice;
    }

    void add(final Order order)
    {
        final int index = search(order.price);
        final PriceLevel level;
        if (index >= 0)
        {
            level = levels[index];
        }
        else
        {
            level = newLevel(order.price);
            insertAt(-index - 1, level);
        }
        level.append(order);
    }

    /**
     * Take the order's remaining quantity off its level, dropping the level if it empties.
     */
    void remove(final Order order)
    {
        final PriceLevel level = order.level;
        level.unlink(order);
        if (level.isEmpty())
        {
            final int index = search(level.price);
            System.arraycopy(levels, index + 1, levels, index, size - index - 1);
            levels[--size] = null;
            release(level);
        }
    }

    int orderCount()
    {
        int count = 0;
        for (int i = 0; i < size; i++)
        {
            count += levels[i].orderCount;
        }
        return count;
    }

    boolean sameAs(final BookSide other)
    {
        if (size != other.size)
        {
            return false;
        }
        for (int i = 0; i < size; i++)
        {
            if (!levels[i].sameAs(other.levels[i]))
            {
                return false;
            }
        }
        return true;
    }

    int contentHash()
    {
        int hash = size;
        for (int i = 0; i < size; i++)
        {
            hash = hash * 31 + levels[i].contentHash();
        }
        return hash;
    }

    void appendTo(final StringBuilder builder, final int maxLevels)
    {
        builder.append('[');
        for (int i = 0; i < Math.min(size, maxLevels); i++)
        {
            final PriceLevel level = levels[i];
            builder.append(i > 0 ? ", " : "").append(level.totalQuantity).append('@').append(level.price)
                .append(" (").append(level.orderCount).append(')');
        }
        builder.append(size > maxLevels ? ", ...]" : "]");
    }

    private int search(final long price)
    {
        int low = 0;
        int high = size - 1;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            final long midPrice = levels[mid].price;
            if (midPrice == price)
            {
                return mid;
            }
            final boolean midIsBetter = isBid ? midPrice > price : midPrice < price;
            if (midIsBetter)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        return -(low + 1);
    }

    private void insertAt(final int index, final PriceLevel level)
    {
        if (size == levels.length)
        {
            levels = Arrays.copyOf(levels, size * 2);
        }
        System.arraycopy(levels, index, levels, index + 1, size - index);
        levels[index] = level;
        size++;
    }

    private PriceLevel newLevel(final long price)
    {
        final PriceLevel level = pooled > 0 ? pool[--pooled] : new PriceLevel();
        pool[pooled] = null;
        level.price = price;
        return level;
    }

    private void release(final PriceLevel level)
    {
        level.clear();
        if (pooled == pool.length)
        {
            pool = Arrays.copyOf(pool, pooled * 2);
        }
        pool[pooled++] = level;
    }
}
