package io.skein.examples.orderbook;

import io.skein.testkit.AggregateFixture;
import io.skein.examples.orderbook.codecs.PlaceLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceMarketOrderEncoder;
import io.skein.examples.orderbook.codecs.Side;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BookCodecTest
{
    @Test
    void shouldRoundTripBookWithPriceTimePriorityIntact()
    {
        final AggregateFixture<BookState> fixture = AggregateFixture.of(OrderBook::new);
        for (int i = 1; i <= 60; i++)
        {
            final long id = i;
            final Side side = i % 2 == 0 ? Side.BUY : Side.SELL;
            final long price = side == Side.BUY ? 90 + i % 5 : 110 - i % 5;
            fixture.when(new PlaceLimitOrderEncoder(),
                (c) -> c.orderId(id).traderId(id * 3).side(side).price(price).quantity(1 + id % 7)).expectAccepted();
        }
        fixture.when(new PlaceMarketOrderEncoder(), (c) -> c.orderId(999).traderId(1).side(Side.BUY).quantity(9))
            .expectAccepted();
        final BookState original = fixture.state();
        assertTrue(original.tradeCount() > 0);

        final OrderBook.BookCodec codec = new OrderBook.BookCodec();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(64);
        final int length = codec.encode(original, buffer, 16);
        final BookState decoded = new BookState();
        codec.decode(buffer, 16, length, decoded);

        assertEquals(original, decoded);
        assertEquals(original.hashCode(), decoded.hashCode());
        assertEquals(original.restingOrders(), decoded.restingOrders());
        for (long price = 90; price <= 110; price++)
        {
            assertArrayEquals(original.orderIdsAt(true, price), decoded.orderIdsAt(true, price), "bids at " + price);
            assertArrayEquals(original.orderIdsAt(false, price), decoded.orderIdsAt(false, price), "asks at " + price);
        }
    }
}
