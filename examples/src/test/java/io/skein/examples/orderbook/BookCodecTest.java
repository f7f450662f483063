package io.skein.examples.orderbook;

import java.nio.ByteOrder;

import io.skein.testkit.AggregateFixture;
import io.skein.examples.orderbook.codecs.PlaceLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceMarketOrderEncoder;
import io.skein.examples.orderbook.codecs.Side;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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

    /**
     * A book snapshotted by order book schema version 1, laid out byte by byte as that version did (33-byte orders
     * without accounts), loads its orders unfunded and in priority order.
     */
    @Test
    void aBookOfVersionOneLoadsItsOrdersUnfunded()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        buffer.setMemory(0, 256, (byte)0x7F);
        buffer.putLong(0, 3, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(8, 30, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(16, 101, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(24, (short)33, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(26, (short)3, ByteOrder.LITTLE_ENDIAN);
        int offset = 28;
        final long[][] orders = {{1, 10, 1, 99, 5}, {2, 20, 1, 99, 7}, {3, 30, 2, 103, 4}};
        for (final long[] order : orders)
        {
            buffer.putLong(offset, order[0], ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(offset + 8, order[1], ByteOrder.LITTLE_ENDIAN);
            buffer.putByte(offset + 16, (byte)order[2]);
            buffer.putLong(offset + 17, order[3], ByteOrder.LITTLE_ENDIAN);
            buffer.putLong(offset + 25, order[4], ByteOrder.LITTLE_ENDIAN);
            offset += 33;
        }
        final BookState book = new BookState();
        new OrderBook.BookCodec().decode(buffer, 0, offset, 1, book);
        assertEquals(3, book.restingOrders());
        assertEquals(0, book.fundedOrders());
        assertEquals(99, book.bestBid());
        assertEquals(103, book.bestAsk());
        assertArrayEquals(new long[] {1, 2}, book.orderIdsAt(true, 99));
        assertEquals(7, book.remaining(2));
        assertEquals(4, book.remaining(3));
        assertEquals(3, book.tradeCount());
        assertFalse(book.orders.get(3L).isFunded());
    }
}
