package io.skein.examples.orderbook;

import io.skein.examples.orderbook.codecs.CancelOrderDecoder;
import io.skein.examples.orderbook.codecs.PlaceLimitOrderDecoder;
import io.skein.examples.orderbook.codecs.PlaceMarketOrderDecoder;
import io.skein.examples.orderbook.codecs.Side;

/**
 * The order book's business logic written by hand, the way a raw single-threaded Disruptor handler would: match and
 * mutate the book in place, no events, no framework. The benchmark baseline for the order-book workload; it uses the
 * same book structures as {@link OrderBook} so the difference is the framework, not the data structure. It lives
 * here, beside the book it shares package-private structures with, rather than in a split package of the
 * benchmarks module.
 */
public final class DirectMatcher
{
    private long trades;

    /**
     * A new, empty book.
     *
     * @return the book.
     */
    public BookState newBook()
    {
        return new BookState();
    }

    /**
     * Trades executed so far, so the work cannot be optimised away.
     *
     * @return the count.
     */
    public long trades()
    {
        return trades;
    }

    /**
     * Place a limit order: match against the opposite side, rest the remainder.
     *
     * @param book    of the instrument.
     * @param command decoded.
     */
    public void placeLimit(final BookState book, final PlaceLimitOrderDecoder command)
    {
        final short side = command.sideRaw();
        if ((side != 1 && side != 2) || command.quantity() <= 0 || command.price() <= 0 ||
            book.orders.containsKey(command.orderId()))
        {
            return;
        }
        final boolean isBuy = side == Side.BUY.value();
        final long remaining = match(book, isBuy, command.price(), command.quantity(), true);
        if (remaining > 0)
        {
            final Order order = book.newOrder();
            order.orderId = command.orderId();
            order.traderId = command.traderId();
            order.price = command.price();
            order.remaining = remaining;
            order.isBuy = isBuy;
            (isBuy ? book.bids : book.asks).add(order);
            book.orders.put(order.orderId, order);
        }
    }

    /**
     * Place a market order: match, drop the remainder.
     *
     * @param book    of the instrument.
     * @param command decoded.
     */
    public void placeMarket(final BookState book, final PlaceMarketOrderDecoder command)
    {
        final short side = command.sideRaw();
        if ((side != 1 && side != 2) || command.quantity() <= 0 || book.orders.containsKey(command.orderId()))
        {
            return;
        }
        match(book, side == Side.BUY.value(), 0, command.quantity(), false);
    }

    /**
     * Cancel a resting order if it is there.
     *
     * @param book    of the instrument.
     * @param command decoded.
     */
    public void cancel(final BookState book, final CancelOrderDecoder command)
    {
        final Order order = book.orders.remove(command.orderId());
        if (null != order)
        {
            (order.isBuy ? book.bids : book.asks).remove(order);
            book.release(order);
        }
    }

    private long match(
        final BookState book, final boolean isBuy, final long limit, final long quantity, final boolean hasLimit)
    {
        final BookSide opposite = isBuy ? book.asks : book.bids;
        long remaining = quantity;
        while (remaining > 0 && opposite.size() > 0)
        {
            final PriceLevel level = opposite.level(0);
            if (hasLimit && !opposite.crosses(level.price, limit))
            {
                break;
            }
            final Order maker = level.head;
            final long fill = Math.min(remaining, maker.remaining);
            remaining -= fill;
            trades++;
            book.tradeCount++;
            book.tradedVolume += fill;
            book.lastTradePrice = level.price;
            if (fill == maker.remaining)
            {
                opposite.remove(maker);
                book.orders.remove(maker.orderId);
                book.release(maker);
            }
            else
            {
                maker.remaining -= fill;
                level.totalQuantity -= fill;
            }
        }
        return remaining;
    }
}
