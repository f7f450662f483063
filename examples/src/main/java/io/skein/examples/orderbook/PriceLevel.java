package io.skein.examples.orderbook;

/**
 * The resting orders at one price, oldest first, as an intrusive doubly linked list.
 */
final class PriceLevel
{
    long price;
    long totalQuantity;
    int orderCount;
    Order head;
    Order tail;

    void append(final Order order)
    {
        order.level = this;
        order.prev = tail;
        order.next = null;
        if (null == tail)
        {
            head = order;
        }
        else
        {
            tail.next = order;
        }
        tail = order;
        totalQuantity += order.remaining;
        orderCount++;
    }

    void unlink(final Order order)
    {
        if (null == order.prev)
        {
            head = order.next;
        }
        else
        {
            order.prev.next = order.next;
        }
        if (null == order.next)
        {
            tail = order.prev;
        }
        else
        {
            order.next.prev = order.prev;
        }
        totalQuantity -= order.remaining;
        orderCount--;
        order.prev = null;
        order.next = null;
        order.level = null;
    }

    boolean isEmpty()
    {
        return 0 == orderCount;
    }

    void clear()
    {
        price = 0;
        totalQuantity = 0;
        orderCount = 0;
        head = null;
        tail = null;
    }

    boolean sameAs(final PriceLevel other)
    {
        if (price != other.price || totalQuantity != other.totalQuantity || orderCount != other.orderCount)
        {
            return false;
        }
        Order a = head;
        Order b = other.head;
        while (null != a && null != b)
        {
            if (a.orderId != b.orderId || a.traderId != b.traderId || a.remaining != b.remaining ||
                a.baseAccountId != b.baseAccountId || a.quoteAccountId != b.quoteAccountId)
            {
                return false;
            }
            a = a.next;
            b = b.next;
        }
        return null == a && null == b;
    }

    int contentHash()
    {
        int hash = Long.hashCode(price);
        for (Order order = head; null != order; order = order.next)
        {
            hash = hash * 31 + Long.hashCode(order.orderId * 31 + order.remaining);
            if (order.isFunded())
            {
                // Only funded orders (schema version 2) add to the hash, so unfunded books keep the hash they had.
                hash = hash * 31 + Long.hashCode(order.baseAccountId * 31 + order.quoteAccountId);
            }
        }
        return hash;
    }
}
