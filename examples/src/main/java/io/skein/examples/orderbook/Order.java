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
    /** The trader's account in the instrument's base asset; 0 for an unfunded order. */
    long baseAccountId;
    /** The trader's account in the quote asset; 0 for an unfunded order. */
    long quoteAccountId;
    PriceLevel level;
    Order prev;
    Order next;

    boolean isFunded()
    {
        return 0 != quoteAccountId;
    }

    /**
     * What this order still holds reserved: price x remaining on the quote account for a buy, the remaining quantity
     * on the base account for a sell.
     */
    long reservedAmount()
    {
        return isBuy ? price * remaining : remaining;
    }

    /**
     * The account its reservation is on.
     */
    long payingAccountId()
    {
        return isBuy ? quoteAccountId : baseAccountId;
    }

    /**
     * The account a fill pays it into: the base account for a buy, the quote account for a sell.
     */
    long receivingAccountId()
    {
        return isBuy ? baseAccountId : quoteAccountId;
    }
}
