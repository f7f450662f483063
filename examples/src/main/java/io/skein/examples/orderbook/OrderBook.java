package io.skein.examples.orderbook;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.CommandContext;
import io.skein.aggregate.QueryContext;
import io.skein.aggregate.StateCodec;
import io.skein.examples.bank.AccountState;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.AccountStatus;
import io.skein.examples.bank.codecs.FundsReleasedEncoder;
import io.skein.examples.bank.codecs.FundsReservedEncoder;
import io.skein.examples.bank.codecs.ReservedFundsPaidEncoder;
import io.skein.examples.bank.codecs.SettlementReceivedEncoder;
import io.skein.examples.orderbook.codecs.*;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A limit order book per instrument with price-time priority matching. The handlers walk the book read-only to
 * decide the fills and emit them as events; the appliers are the only code that changes the book, so replaying the
 * journal rebuilds exactly the same book.
 * <p>
 * Funded orders ({@code PlaceFundedLimitOrder}, schema version 2) carry risk across aggregate types: the command
 * reads the trader's bank accounts, reserves the order's funds on one of them, and settles every fill on both
 * sides' accounts, all in the order's one journal entry. The bank sample must be registered in the same engine.
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
    private final CapacityEncoder capacity = new CapacityEncoder();
    private final FundsReservedEncoder reserved = new FundsReservedEncoder();
    private final FundsReleasedEncoder released = new FundsReleasedEncoder();
    private final ReservedFundsPaidEncoder paid = new ReservedFundsPaidEncoder();
    private final SettlementReceivedEncoder settled = new SettlementReceivedEncoder();
    private int tradeCount;

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
        if (checkOrder(book, ctx, orderId, side, quantity) && checkUnfunded(book, ctx))
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
                    .quantity(remaining).baseAccountId(0).quoteAccountId(0);
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
        if (checkOrder(book, ctx, orderId, side, quantity) && checkUnfunded(book, ctx))
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
        cancel(ctx, order, CancelReason.REQUESTED);
        ctx.reply(result).orderId(order.orderId).filledQuantity(0).restingQuantity(0).tradeCount(0);
    }

    /**
     * A limit order with risk: checked against the trader's accounts, its funds reserved, matched, and every fill
     * settled on both sides' accounts, in one journal entry.
     */
    @Override
    public void onPlaceFundedLimitOrder(
        final PlaceFundedLimitOrderDecoder command, final BookState book, final CommandContext ctx)
    {
        final short side = command.sideRaw();
        final long orderId = command.orderId();
        final long traderId = command.traderId();
        final long price = command.price();
        final long quantity = command.quantity();
        final long baseId = command.baseAccountId();
        final long quoteId = command.quoteAccountId();
        if (!checkOrder(book, ctx, orderId, side, quantity))
        {
            return;
        }
        if (price <= 0)
        {
            reject(ctx, BookRejection.BAD_PRICE, "limit price must be positive");
            return;
        }
        if (book.fundedOrders != book.orders.size())
        {
            reject(ctx, BookRejection.FUNDING_MISMATCH, "this book holds unfunded orders");
            return;
        }
        if (0 == baseId || 0 == quoteId || baseId == quoteId)
        {
            reject(ctx, BookRejection.BAD_ACCOUNTS, "base and quote accounts must be two different non-zero ids");
            return;
        }
        final boolean buy = BUY == side;
        final long notional = notional(price, quantity);
        if (buy && notional < 0)
        {
            reject(ctx, BookRejection.NOTIONAL_TOO_LARGE, "price x quantity does not fit in 64 bits");
            return;
        }
        if (!checkAccount(ctx, ctx.stateOf(BankAccount.TYPE_ID, baseId), traderId) ||
            !checkAccount(ctx, ctx.stateOf(BankAccount.TYPE_ID, quoteId), traderId))
        {
            return;
        }
        final long payingId = buy ? quoteId : baseId;
        final long required = buy ? notional : quantity;
        final AccountState paying = ctx.stateOf(BankAccount.TYPE_ID, payingId);
        if (required > paying.available())
        {
            reject(ctx, BookRejection.INSUFFICIENT_FUNDS, buy ?
                "the quote account's available balance does not cover price x quantity" :
                "the base account's available balance does not cover the quantity");
            return;
        }

        final Side takerSide = buy ? Side.BUY : Side.SELL;
        ctx.emit(accepted).orderId(orderId).traderId(traderId).side(takerSide)
            .orderType(OrderType.LIMIT).price(price).quantity(quantity);
        ctx.emitTo(BankAccount.TYPE_ID, payingId, reserved).reference(orderId).amount(required);
        final long remaining = matchFunded(book, ctx, orderId, takerSide, price, quantity, baseId, quoteId);
        if (remaining > 0)
        {
            ctx.emit(rested).orderId(orderId).traderId(traderId).side(takerSide).price(price).quantity(remaining)
                .baseAccountId(baseId).quoteAccountId(quoteId);
        }
        ctx.reply(result).orderId(orderId).filledQuantity(quantity - remaining).restingQuantity(remaining)
            .tradeCount(tradeCount);
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
     * A query that reads the bank accounts from the book: the available balance of the account a funded order at
     * this price would reserve on, and the largest quantity it covers. Accounts that are not open cover nothing.
     */
    @Override
    public void onOrderCapacity(final OrderCapacityDecoder query, final BookState book, final QueryContext ctx)
    {
        if (query.sideRaw() != BUY && query.sideRaw() != SELL)
        {
            reject(ctx, BookRejection.BAD_SIDE, "side must be BUY or SELL");
            return;
        }
        final boolean buy = query.sideRaw() == BUY;
        final long price = query.price();
        final AccountState paying = ctx.stateOf(BankAccount.TYPE_ID,
            buy ? query.quoteAccountId() : query.baseAccountId());
        if (buy && price <= 0)
        {
            reject(ctx, BookRejection.BAD_PRICE, "limit price must be positive");
            return;
        }
        final long available = paying.status() == AccountStatus.OPEN ? paying.available() : 0;
        ctx.reply(capacity).available(available).maxQuantity(buy ? available / price : available);
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

    /**
     * Match a funded order as {@link #match} does, settling each fill: the buyer's quote account pays price x fill
     * to the seller's, the seller's base account pays the fill to the buyer's, both out of their reservations. A
     * maker whose receiving account has been closed is cancelled instead (its reservation released) and skipped. A
     * buy filled below its limit releases the difference. Counts the trades in {@link #tradeCount}.
     *
     * @return the quantity left unfilled.
     */
    private long matchFunded(
        final BookState book,
        final CommandContext ctx,
        final long orderId,
        final Side takerSide,
        final long limitPrice,
        final long quantity,
        final long baseId,
        final long quoteId)
    {
        final boolean takerBuys = takerSide == Side.BUY;
        final BookSide opposite = takerBuys ? book.asks : book.bids;
        long remaining = quantity;
        long improvement = 0;
        tradeCount = 0;
        for (int rank = 0; rank < opposite.size() && remaining > 0; rank++)
        {
            final PriceLevel level = opposite.level(rank);
            if (!opposite.crosses(level.price, limitPrice))
            {
                break;
            }
            for (Order maker = level.head; null != maker && remaining > 0; maker = maker.next)
            {
                final AccountState makerReceives = ctx.stateOf(BankAccount.TYPE_ID, maker.receivingAccountId());
                if (makerReceives.status() != AccountStatus.OPEN)
                {
                    cancel(ctx, maker, CancelReason.ACCOUNT_CLOSED);
                    continue;
                }
                final long fill = Math.min(remaining, maker.remaining);
                final long price = level.price;
                ctx.emit(trade).takerOrderId(orderId).makerOrderId(maker.orderId).takerSide(takerSide)
                    .price(price).quantity(fill);
                tradeCount++;
                if (takerBuys)
                {
                    settle(ctx, orderId, quoteId, baseId, maker.orderId, maker.quoteAccountId, maker.baseAccountId,
                        price, fill);
                    improvement += (limitPrice - price) * fill;
                }
                else
                {
                    settle(ctx, maker.orderId, maker.quoteAccountId, maker.baseAccountId, orderId, quoteId, baseId,
                        price, fill);
                }
                remaining -= fill;
            }
        }
        if (improvement > 0)
        {
            ctx.emitTo(BankAccount.TYPE_ID, quoteId, released).reference(orderId).amount(improvement);
        }
        return remaining;
    }

    private void settle(
        final CommandContext ctx,
        final long buyOrderId,
        final long buyerQuoteId,
        final long buyerBaseId,
        final long sellOrderId,
        final long sellerQuoteId,
        final long sellerBaseId,
        final long price,
        final long fill)
    {
        final long cash = price * fill;
        ctx.emitTo(BankAccount.TYPE_ID, buyerQuoteId, paid).reference(buyOrderId).toAccountId(sellerQuoteId)
            .amount(cash);
        ctx.emitTo(BankAccount.TYPE_ID, sellerQuoteId, settled).reference(sellOrderId).fromAccountId(buyerQuoteId)
            .amount(cash);
        ctx.emitTo(BankAccount.TYPE_ID, sellerBaseId, paid).reference(sellOrderId).toAccountId(buyerBaseId)
            .amount(fill);
        ctx.emitTo(BankAccount.TYPE_ID, buyerBaseId, settled).reference(buyOrderId).fromAccountId(sellerBaseId)
            .amount(fill);
    }

    /**
     * Cancel a resting order, releasing what a funded order still holds reserved.
     */
    private void cancel(final CommandContext ctx, final Order order, final CancelReason reason)
    {
        ctx.emit(cancelled).orderId(order.orderId).remainingQuantity(order.remaining).reason(reason);
        if (order.isFunded())
        {
            ctx.emitTo(BankAccount.TYPE_ID, order.payingAccountId(), released).reference(order.orderId)
                .amount(order.reservedAmount());
        }
    }

    /**
     * Price x quantity, or -1 if it does not fit in a long (both are positive).
     */
    private static long notional(final long price, final long quantity)
    {
        return Math.multiplyHigh(price, quantity) != 0 || price * quantity < 0 ? -1 : price * quantity;
    }

    private static boolean checkAccount(final CommandContext ctx, final AccountState account, final long traderId)
    {
        if (account.status() != AccountStatus.OPEN)
        {
            reject(ctx, BookRejection.ACCOUNT_NOT_OPEN, "both of the trader's accounts must be open");
            return false;
        }
        if (account.ownerId() != traderId)
        {
            reject(ctx, BookRejection.ACCOUNT_NOT_OWNED, "the trader does not own both accounts");
            return false;
        }
        return true;
    }

    private static boolean checkUnfunded(final BookState book, final CommandContext ctx)
    {
        if (book.fundedOrders > 0)
        {
            reject(ctx, BookRejection.FUNDING_MISMATCH, "this book holds funded orders: use PlaceFundedLimitOrder");
            return false;
        }
        return true;
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

    private static void reject(final QueryContext ctx, final BookRejection rejection, final String message)
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
            if (maker.isFunded())
            {
                book.fundedOrders--;
            }
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
        if (event.actingVersion() >= OrderRestedDecoder.quoteAccountIdSinceVersion())
        {
            order.baseAccountId = event.baseAccountId();
            order.quoteAccountId = event.quoteAccountId();
        }
        rest(book, order);
    }

    private static void rest(final BookState book, final Order order)
    {
        (order.isBuy ? book.bids : book.asks).add(order);
        book.orders.put(order.orderId, order);
        if (order.isFunded())
        {
            book.fundedOrders++;
        }
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
            if (order.isFunded())
            {
                book.fundedOrders--;
            }
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
            decode(buffer, offset, length, BookSnapshotDecoder.SCHEMA_VERSION, book);
        }

        /**
         * A book written by an older version of the schema: version 1's orders had no accounts (they are unfunded),
         * and the orders group's own header gives the block length each order was written with.
         */
        @Override
        public void decode(
            final DirectBuffer buffer, final int offset, final int length, final int schemaVersion,
            final BookState book)
        {
            decoder.wrap(buffer, offset, BookSnapshotDecoder.BLOCK_LENGTH, schemaVersion);
            final boolean hasAccounts =
                schemaVersion >= BookSnapshotDecoder.OrdersDecoder.quoteAccountIdSinceVersion();
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
                if (hasAccounts)
                {
                    order.baseAccountId = entry.baseAccountId();
                    order.quoteAccountId = entry.quoteAccountId();
                }
                rest(book, order);
            }
        }

        private static void encodeSide(final BookSide side, final BookSnapshotEncoder.OrdersEncoder orders)
        {
            for (int rank = 0; rank < side.size(); rank++)
            {
                for (Order order = side.level(rank).head; null != order; order = order.next)
                {
                    orders.next().orderId(order.orderId).traderId(order.traderId)
                        .side(order.isBuy ? Side.BUY : Side.SELL).price(order.price).remaining(order.remaining)
                        .baseAccountId(order.baseAccountId).quoteAccountId(order.quoteAccountId);
                }
            }
        }
    }
}
