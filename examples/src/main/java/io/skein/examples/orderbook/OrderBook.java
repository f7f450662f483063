package io.skein.examples.orderbook;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.CommandContext;
import io.skein.aggregate.QueryContext;
import io.skein.aggregate.StateCodec;
import io.skein.examples.orderbook.codecs.*;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A limit order book per instrument with price-time priority matching. The handlers walk the book read-only to
 * decide the fills and emit them as events; the appliers are the only code that changes the book, so replaying the
 * journal rebuilds exactly the same book.
 */
public final class OrderBook implements Aggregate<BookState>, OrderBookHandlers<BookState>
{
    /**
     * The aggregate type id commands use to address books; the aggregate id is the instrument id.
     */
    public static final int TYPE_ID = 2;

    private static final short BUY = Side.BUY.value();
    private static final short SELL = Side.SELL.value();

    private final OrderAcceptedEncoder accepted = new OrderAcceptedEncoder();
    private final TradeEncoder trade = new TradeEncoder();
    private final OrderRestedEncoder rested = new OrderRestedEncoder();
    private final OrderCancelledEncoder cancelled = new OrderCancelledEncoder();
    private final OrderResultEncoder result = new OrderResultEncoder();
    private final BookTopEncoder top = new BookTopEncoder();

    /**
     * {@inheritDoc}
     */
    @Override
    public void define(final AggregateDefinition<BookState> definition)
    {
        definition.typeId(TYPE_ID).name("order-book").state(BookState::new)
            .schema("io/skein/examples/orderbook/orderbook-schema.xml")
            .snapshot(new BookCodec());
        // OrderBookHandlers is generated from the schema's roles: every command, query and event, bound to this.
        OrderBookHandlers.bind(definition, this);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onPlaceLimitOrder(final PlaceLimitOrderDecoder command, final BookState book, final CommandContext ctx)
    {
        final short side = command.sideRaw();
        final long orderId = command.orderId();
        final long price = command.price();
        final long quantity = command.quantity();
        if (checkOrder(book, ctx, orderId, side, quantity))
        {
            if (price <= 0)
            {
                reject(ctx, BookRejection.BAD_PRICE, "limit price must be positive");
                return;
            }
            final Side takerSide = BUY == side ? Side.BUY : Side.SELL;
            ctx.emit(accepted).orderId(orderId).traderId(command.traderId()).side(takerSide)
                .orderType(OrderType.LIMIT).price(price).quantity(quantity);
            final long remaining = match(book, ctx, orderId, takerSide, price, quantity, true);
            if (remaining > 0)
            {
                ctx.emit(rested).orderId(orderId).traderId(command.traderId()).side(takerSide).price(price)
                    .quantity(remaining);
            }
            ctx.reply(result).orderId(orderId).filledQuantity(quantity - remaining).restingQuantity(remaining)
                .tradeCount(ctx.eventCount() - (remaining > 0 ? 2 : 1));
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onPlaceMarketOrder(
        final PlaceMarketOrderDecoder command, final BookState book, final CommandContext ctx)
    {
        final short side = command.sideRaw();
        final long orderId = command.orderId();
        final long quantity = command.quantity();
        if (checkOrder(book, ctx, orderId, side, quantity))
        {
            final Side takerSide = BUY == side ? Side.BUY : Side.SELL;
            ctx.emit(accepted).orderId(orderId).traderId(command.traderId()).side(takerSide)
                .orderType(OrderType.MARKET).price(0).quantity(quantity);
            final long remaining = match(book, ctx, orderId, takerSide, 0, quantity, false);
            final int trades = ctx.eventCount() - 1;
            if (remaining > 0)
            {
                ctx.emit(cancelled).orderId(orderId).remainingQuantity(remaining).reason(CancelReason.NO_LIQUIDITY);
            }
            ctx.reply(result).orderId(orderId).filledQuantity(quantity - remaining).restingQuantity(0)
                .tradeCount(trades);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onCancelOrder(final CancelOrderDecoder command, final BookState book, final CommandContext ctx)
    {
        final Order order = book.orders.get(command.orderId());
        if (null == order)
        {
            reject(ctx, BookRejection.UNKNOWN_ORDER, "no resting order with this id");
            return;
        }
        ctx.emit(cancelled).orderId(order.orderId).remainingQuantity(order.remaining).reason(CancelReason.REQUESTED);
        ctx.reply(result).orderId(order.orderId).filledQuantity(0).restingQuantity(0).tradeCount(0);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onBestPrices(final BestPricesDecoder query, final BookState book, final QueryContext ctx)
    {
        final PriceLevel bid = book.bids.best();
        final PriceLevel ask = book.asks.best();
        ctx.reply(top)
            .bestBid(null == bid ? 0 : bid.price)
            .bidQuantity(null == bid ? 0 : bid.totalQuantity)
            .bestAsk(null == ask ? 0 : ask.price)
            .askQuantity(null == ask ? 0 : ask.totalQuantity)
            .restingOrders(book.orders.size())
            .tradeCount(book.tradeCount)
            .tradedVolume(book.tradedVolume);
    }

    /**
     * Walk the opposite side best price first, oldest order first, emitting a trade per fill, without changing the
     * book.
     *
     * @return the quantity left unfilled.
     */
    private long match(
        final BookState book,
        final CommandContext ctx,
        final long orderId,
        final Side takerSide,
        final long limitPrice,
        final long quantity,
        final boolean hasLimit)
    {
        final BookSide opposite = takerSide == Side.BUY ? book.asks : book.bids;
        long remaining = quantity;
        for (int rank = 0; rank < opposite.size() && remaining > 0; rank++)
        {
            final PriceLevel level = opposite.level(rank);
            if (hasLimit && !opposite.crosses(level.price, limitPrice))
            {
                break;
            }
            for (Order maker = level.head; null != maker && remaining > 0; maker = maker.next)
            {
                final long fill = Math.min(remaining, maker.remaining);
                ctx.emit(trade).takerOrderId(orderId).makerOrderId(maker.orderId).takerSide(takerSide)
                    .price(level.price).quantity(fill);
                remaining -= fill;
            }
        }
        return remaining;
    }

    private static boolean checkOrder(
        final BookState book, final CommandContext ctx, final long orderId, final short side, final long quantity)
    {
        if (BUY != side && SELL != side)
        {
            reject(ctx, BookRejection.BAD_SIDE, "side must be BUY or SELL");
            return false;
        }
        if (quantity <= 0)
        {
            reject(ctx, BookRejection.BAD_QUANTITY, "quantity must be positive");
            return false;
        }
        if (book.orders.containsKey(orderId))
        {
            reject(ctx, BookRejection.DUPLICATE_ORDER_ID, "an order with this id is already resting");
            return false;
        }
        return true;
    }

    private static void reject(final CommandContext ctx, final BookRejection rejection, final String message)
    {
        ctx.reject(rejection.value(), message);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyOrderAccepted(final OrderAcceptedDecoder event, final BookState book)
    {
        // An accepted order changes the book only through the trades, rest or cancel that follow it.
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyTrade(final TradeDecoder event, final BookState book)
    {
        final Order maker = book.orders.get(event.makerOrderId());
        final BookSide side = maker.isBuy ? book.bids : book.asks;
        final long quantity = event.quantity();
        if (maker.remaining == quantity)
        {
            side.remove(maker);
            book.orders.remove(maker.orderId);
            book.release(maker);
        }
        else
        {
            maker.remaining -= quantity;
            maker.level.totalQuantity -= quantity;
        }
        book.tradeCount++;
        book.tradedVolume += quantity;
        book.lastTradePrice = event.price();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyOrderRested(final OrderRestedDecoder event, final BookState book)
    {
        final Order order = book.newOrder();
        order.orderId = event.orderId();
        order.traderId = event.traderId();
        order.price = event.price();
        order.remaining = event.quantity();
        order.isBuy = event.side() == Side.BUY;
        (order.isBuy ? book.bids : book.asks).add(order);
        book.orders.put(order.orderId, order);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyOrderCancelled(final OrderCancelledDecoder event, final BookState book)
    {
        final Order order = book.orders.remove(event.orderId());
        if (null != order)
        {
            (order.isBuy ? book.bids : book.asks).remove(order);
            book.release(order);
        }
    }

    /**
     * A book's state as a {@code BookSnapshot} message: resting orders in priority order, so decoding appends them
     * back into identical FIFO levels. A book with more resting orders than a group holds (65,535) cannot be
     * snapshotted.
     */
    static final class BookCodec implements StateCodec<BookState>
    {
        private final BookSnapshotEncoder encoder = new BookSnapshotEncoder();
        private final BookSnapshotDecoder decoder = new BookSnapshotDecoder();

        @Override
        public int encode(final BookState book, final MutableDirectBuffer buffer, final int offset)
        {
            final int count = book.orders.size();
            if (count > BookSnapshotEncoder.OrdersEncoder.countMaxValue())
            {
                throw new IllegalStateException("book has " + count + " resting orders, more than a snapshot holds");
            }
            encoder.wrap(buffer, offset).tradeCount(book.tradeCount).tradedVolume(book.tradedVolume)
                .lastTradePrice(book.lastTradePrice);
            final BookSnapshotEncoder.OrdersEncoder orders = encoder.ordersCount(count);
            encodeSide(book.bids, orders);
            encodeSide(book.asks, orders);
            return encoder.encodedLength();
        }

        @Override
        public void decode(final DirectBuffer buffer, final int offset, final int length, final BookState book)
        {
            decoder.wrap(buffer, offset, BookSnapshotDecoder.BLOCK_LENGTH, BookSnapshotDecoder.SCHEMA_VERSION);
            book.tradeCount = decoder.tradeCount();
            book.tradedVolume = decoder.tradedVolume();
            book.lastTradePrice = decoder.lastTradePrice();
            for (final BookSnapshotDecoder.OrdersDecoder entry : decoder.orders())
            {
                final Order order = book.newOrder();
                order.orderId = entry.orderId();
                order.traderId = entry.traderId();
                order.price = entry.price();
                order.remaining = entry.remaining();
                order.isBuy = entry.side() == Side.BUY;
                (order.isBuy ? book.bids : book.asks).add(order);
                book.orders.put(order.orderId, order);
            }
        }

        private static void encodeSide(final BookSide side, final BookSnapshotEncoder.OrdersEncoder orders)
        {
            for (int rank = 0; rank < side.size(); rank++)
            {
                for (Order order = side.level(rank).head; null != order; order = order.next)
                {
                    orders.next().orderId(order.orderId).traderId(order.traderId)
                        .side(order.isBuy ? Side.BUY : Side.SELL).price(order.price).remaining(order.remaining);
                }
            }
        }
    }
}
