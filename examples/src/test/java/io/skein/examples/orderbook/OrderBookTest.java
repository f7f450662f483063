package io.skein.examples.orderbook;

import io.skein.testkit.AggregateFixture;
import io.skein.examples.orderbook.codecs.*;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class OrderBookTest
{
    private static AggregateFixture<BookState> book()
    {
        return AggregateFixture.of(OrderBook::new).aggregateId(100);
    }

    private static AggregateFixture<BookState> resting(
        final AggregateFixture<BookState> fixture,
        final long orderId,
        final Side side,
        final long price,
        final long qty)
    {
        fixture.when(new PlaceLimitOrderEncoder(),
            (c) -> c.orderId(orderId).traderId(orderId * 10).side(side).price(price).quantity(qty))
            .expectAccepted()
            .expectEventTemplates(OrderAcceptedDecoder.TEMPLATE_ID, OrderRestedDecoder.TEMPLATE_ID);
        return fixture;
    }

    @Test
    void shouldRestLimitOrderThatDoesNotCross()
    {
        final AggregateFixture<BookState> fixture = resting(book(), 1, Side.BUY, 99, 10);
        resting(fixture, 2, Side.SELL, 101, 5);

        fixture.when(new BestPricesEncoder(), (q) -> q.unused(0))
            .expectNoEvents()
            .expectReply(new BookTopDecoder(), (r) ->
            {
                assertEquals(99, r.bestBid());
                assertEquals(10, r.bidQuantity());
                assertEquals(101, r.bestAsk());
                assertEquals(5, r.askQuantity());
                assertEquals(2, r.restingOrders());
            });
    }

    @Test
    void shouldMatchByPriceThenTimeAcrossPartialFills()
    {
        final AggregateFixture<BookState> fixture = book();
        resting(fixture, 1, Side.SELL, 101, 5);
        resting(fixture, 2, Side.SELL, 100, 3);
        resting(fixture, 3, Side.SELL, 100, 4);

        fixture.when(new PlaceLimitOrderEncoder(),
            (c) -> c.orderId(4).traderId(40).side(Side.BUY).price(101).quantity(9))
            .expectAccepted()
            .expectEventTemplates(OrderAcceptedDecoder.TEMPLATE_ID, TradeDecoder.TEMPLATE_ID,
                TradeDecoder.TEMPLATE_ID, TradeDecoder.TEMPLATE_ID)
            .expectEvent(1, new TradeDecoder(), (t) -> assertTrade(t, 2, 100, 3))
            .expectEvent(2, new TradeDecoder(), (t) -> assertTrade(t, 3, 100, 4))
            .expectEvent(3, new TradeDecoder(), (t) -> assertTrade(t, 1, 101, 2))
            .expectReply(new OrderResultDecoder(), (r) ->
            {
                assertEquals(9, r.filledQuantity());
                assertEquals(0, r.restingQuantity());
                assertEquals(3, r.tradeCount());
            })
            .expectState((s) ->
            {
                assertEquals(101, s.bestAsk());
                assertEquals(3, s.remaining(1));
                assertEquals(0, s.remaining(2));
                assertEquals(1, s.restingOrders());
                assertEquals(3, s.tradeCount());
                assertEquals(9, s.tradedVolume());
            });
    }

    @Test
    void shouldFillOlderOrderFirstThenPartiallyFillNewerAtSamePrice()
    {
        final AggregateFixture<BookState> fixture = book();
        resting(fixture, 1, Side.BUY, 50, 4);
        resting(fixture, 2, Side.BUY, 50, 4);

        fixture.when(new PlaceLimitOrderEncoder(),
            (c) -> c.orderId(3).traderId(30).side(Side.SELL).price(50).quantity(6))
            .expectAccepted()
            .expectEvent(1, new TradeDecoder(), (t) -> assertTrade(t, 1, 50, 4))
            .expectEvent(2, new TradeDecoder(), (t) -> assertTrade(t, 2, 50, 2))
            .expectState((s) ->
            {
                assertArrayEquals(new long[]{2}, s.orderIdsAt(true, 50));
                assertEquals(2, s.remaining(2));
            });
    }

    @Test
    void shouldRestRemainderOfLimitOrderAndMatchItLater()
    {
        final AggregateFixture<BookState> fixture = book();
        resting(fixture, 1, Side.SELL, 10, 2);

        fixture.when(new PlaceLimitOrderEncoder(),
            (c) -> c.orderId(2).traderId(20).side(Side.BUY).price(11).quantity(5))
            .expectAccepted()
            .expectEventTemplates(OrderAcceptedDecoder.TEMPLATE_ID, TradeDecoder.TEMPLATE_ID,
                OrderRestedDecoder.TEMPLATE_ID)
            .expectEvent(2, new OrderRestedDecoder(), (e) ->
            {
                assertEquals(11, e.price());
                assertEquals(3, e.quantity());
            })
            .expectState((s) -> assertEquals(11, s.bestBid()))
            .and()
            .when(new PlaceMarketOrderEncoder(), (c) -> c.orderId(3).traderId(30).side(Side.SELL).quantity(3))
            .expectAccepted()
            .expectEvent(1, new TradeDecoder(), (t) -> assertTrade(t, 2, 11, 3))
            .expectState((s) -> assertEquals(0, s.restingOrders()));
    }

    @Test
    void shouldCancelUnfilledRemainderOfMarketOrder()
    {
        final AggregateFixture<BookState> fixture = book();
        resting(fixture, 1, Side.SELL, 10, 2);

        fixture.when(new PlaceMarketOrderEncoder(), (c) -> c.orderId(2).traderId(20).side(Side.BUY).quantity(5))
            .expectAccepted()
            .expectEventTemplates(OrderAcceptedDecoder.TEMPLATE_ID, TradeDecoder.TEMPLATE_ID,
                OrderCancelledDecoder.TEMPLATE_ID)
            .expectEvent(2, new OrderCancelledDecoder(), (e) ->
            {
                assertEquals(3, e.remainingQuantity());
                assertEquals(CancelReason.NO_LIQUIDITY, e.reason());
            })
            .expectReply(new OrderResultDecoder(), (r) -> assertEquals(2, r.filledQuantity()))
            .expectState((s) -> assertEquals(0, s.restingOrders()));
    }

    @Test
    void shouldCancelRestingOrder()
    {
        final AggregateFixture<BookState> fixture = book();
        resting(fixture, 1, Side.BUY, 10, 2);
        resting(fixture, 2, Side.BUY, 10, 3);

        fixture.when(new CancelOrderEncoder(), (c) -> c.orderId(1))
            .expectAccepted()
            .expectEvent(0, new OrderCancelledDecoder(), (e) -> assertEquals(CancelReason.REQUESTED, e.reason()))
            .expectState((s) ->
            {
                assertArrayEquals(new long[]{2}, s.orderIdsAt(true, 10));
                assertEquals(1, s.restingOrders());
            });
    }

    @Test
    void shouldRejectBadOrders()
    {
        final AggregateFixture<BookState> fixture = book();
        resting(fixture, 1, Side.BUY, 10, 2);

        fixture.when(new PlaceLimitOrderEncoder(), (c) -> c.orderId(2).traderId(1).side(Side.BUY).price(0).quantity(1))
            .expectRejected(BookRejection.BAD_PRICE.value());
        fixture.when(new PlaceLimitOrderEncoder(), (c) -> c.orderId(2).traderId(1).side(Side.BUY).price(5).quantity(0))
            .expectRejected(BookRejection.BAD_QUANTITY.value());
        fixture.when(new PlaceMarketOrderEncoder(), (c) -> c.orderId(2).traderId(1).side(Side.SELL).quantity(-1))
            .expectRejected(BookRejection.BAD_QUANTITY.value());
        fixture.when(new PlaceLimitOrderEncoder(), (c) -> c.orderId(2).traderId(1).side(Side.NULL_VAL).price(5)
            .quantity(1))
            .expectRejected(BookRejection.BAD_SIDE.value());
        fixture.when(new PlaceLimitOrderEncoder(), (c) -> c.orderId(1).traderId(1).side(Side.SELL).price(50)
            .quantity(1))
            .expectRejected(BookRejection.DUPLICATE_ORDER_ID.value());
        fixture.when(new CancelOrderEncoder(), (c) -> c.orderId(99))
            .expectRejected(BookRejection.UNKNOWN_ORDER.value())
            .expectNoEvents()
            .expectState((s) -> assertEquals(1, s.restingOrders()));
    }

    @Test
    void shouldReplayTradesIntoTheSameBook()
    {
        final AggregateFixture<BookState> fixture = book();
        for (int i = 1; i <= 40; i++)
        {
            final long id = i;
            final Side side = (i % 2 == 0) ? Side.BUY : Side.SELL;
            final long price = 100 + (i % 7) - 3;
            fixture.when(new PlaceLimitOrderEncoder(),
                (c) -> c.orderId(id).traderId(id).side(side).price(price).quantity(1 + id % 5))
                .expectAccepted();
        }
        fixture.when(new PlaceMarketOrderEncoder(), (c) -> c.orderId(1000).traderId(1).side(Side.BUY).quantity(7))
            .expectAccepted();
    }

    private static void assertTrade(final TradeDecoder trade, final long maker, final long price, final long qty)
    {
        assertEquals(maker, trade.makerOrderId(), "maker");
        assertEquals(price, trade.price(), "price");
        assertEquals(qty, trade.quantity(), "quantity");
    }
}
