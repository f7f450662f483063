package io.skein.examples.orderbook;

import java.util.Arrays;

import org.agrona.collections.Long2ObjectHashMap;

/**
 * The state of one instrument's book: resting orders by side in price-time priority, indexed by order id, and trade
 * statistics. Changed only by the order book's event appliers; orders are pooled.
 */
public final class BookState
{
    final BookSide bids = new BookSide(true);
    final BookSide asks = new BookSide(false);
    final Long2ObjectHashMap<Order> orders = new Long2ObjectHashMap<>();
    long tradeCount;
    long tradedVolume;
    long lastTradePrice;
    /** How many of the resting orders are funded: funded and unfunded orders never rest together. */
    int fundedOrders;
    private Order[] pool = new Order[64];
    private int pooled;

    /**
     * The highest bid price.
     *
     * @return the price, 0 if there is no bid.
     */
    public long bestBid()
    {
        final PriceLevel level = bids.best();
        return null == level ? 0 : level.price;
    }

    /**
     * The lowest ask price.
     *
     * @return the price, 0 if there is no ask.
     */
    public long bestAsk()
    {
        final PriceLevel level = asks.best();
        return null == level ? 0 : level.price;
    }

    /**
     * The number of resting orders on both sides.
     *
     * @return the count.
     */
    public int restingOrders()
    {
        return orders.size();
    }

    /**
     * The remaining quantity of a resting order.
     *
     * @param orderId of the order.
     * @return the remaining quantity, 0 if the order is not resting.
     */
    public long remaining(final long orderId)
    {
        final Order order = orders.get(orderId);
        return null == order ? 0 : order.remaining;
    }

    /**
     * The ids of the resting orders at a price on a side, oldest first.
     *
     * @param buy   true for bids, false for asks.
     * @param price of the level.
     * @return the order ids in time priority, empty if no level.
     */
    public long[] orderIdsAt(final boolean buy, final long price)
    {
        final BookSide side = buy ? bids : asks;
        for (int i = 0; i < side.size(); i++)
        {
            final PriceLevel level = side.level(i);
            if (level.price == price)
            {
                final long[] ids = new long[level.orderCount];
                int n = 0;
                for (Order order = level.head; null != order; order = order.next)
                {
                    ids[n++] = order.orderId;
                }
                return ids;
            }
        }
        return new long[0];
    }

    /**
     * The number of resting orders whose funds are reserved on the traders' accounts.
     *
     * @return the count; either 0 or all resting orders.
     */
    public int fundedOrders()
    {
        return fundedOrders;
    }

    /**
     * Trades executed on this book.
     *
     * @return the count.
     */
    public long tradeCount()
    {
        return tradeCount;
    }

    /**
     * Quantity traded on this book.
     *
     * @return the volume.
     */
    public long tradedVolume()
    {
        return tradedVolume;
    }

    Order newOrder()
    {
        if (pooled > 0)
        {
            final Order order = pool[--pooled];
            pool[pooled] = null;
            return order;
        }
        return new Order();
    }

    void release(final Order order)
    {
        order.baseAccountId = 0;
        order.quoteAccountId = 0;
        order.level = null;
        order.prev = null;
        order.next = null;
        if (pooled == pool.length)
        {
            pool = Arrays.copyOf(pool, pooled * 2);
        }
        pool[pooled++] = order;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof BookState))
        {
            return false;
        }
        final BookState that = (BookState)o;
        return tradeCount == that.tradeCount && tradedVolume == that.tradedVolume &&
            lastTradePrice == that.lastTradePrice && orders.size() == that.orders.size() &&
            bids.sameAs(that.bids) && asks.sameAs(that.asks);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int hashCode()
    {
        int hash = Long.hashCode(tradeCount * 31 + tradedVolume);
        hash = hash * 31 + Long.hashCode(lastTradePrice);
        hash = hash * 31 + bids.contentHash();
        return hash * 31 + asks.contentHash();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        final StringBuilder builder = new StringBuilder("BookState{bids=");
        bids.appendTo(builder, 5);
        builder.append(", asks=");
        asks.appendTo(builder, 5);
        return builder.append(", resting=").append(orders.size()).append(", trades=").append(tradeCount)
            .append(", volume=").append(tradedVolume).append('}').toString();
    }
}
