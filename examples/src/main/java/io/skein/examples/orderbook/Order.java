package io.skein.examples.orderbook;

/**
 * A resting order, pooled and linked into its price level.
 */
final class Order
{
    long orderId;
    long traderId;
    long price;
    long remaining;
    boolean isBuy;
    PriceLevel level;
    Order prev;
    Order next;
}
