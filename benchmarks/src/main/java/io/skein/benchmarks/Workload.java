package io.skein.benchmarks;

import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.orderbook.OrderBook;
import io.skein.examples.orderbook.codecs.CancelOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceMarketOrderEncoder;
import io.skein.examples.orderbook.codecs.Side;
import io.skein.protocol.CommandWriter;
import org.agrona.MutableDirectBuffer;

/**
 * A deterministic stream of commands, encoded on demand without allocation: deposits to accounts (the trivial
 * aggregate), or an order flow over several books (limits near the touch, some market orders, and cancels of recent
 * orders so the books reach a steady size).
 */
public final class Workload
{
    /**
     * Aggregates (accounts or instruments) the commands spread over.
     */
    public static final int ACCOUNTS = 1_000;

    /**
     * Books the order flow spreads over.
     */
    public static final int INSTRUMENTS = 8;

    private final boolean orderBook;
    private final CommandWriter writer = new CommandWriter();
    private final DepositEncoder deposit = new DepositEncoder();
    private final PlaceLimitOrderEncoder limit = new PlaceLimitOrderEncoder();
    private final PlaceMarketOrderEncoder market = new PlaceMarketOrderEncoder();
    private final CancelOrderEncoder cancel = new CancelOrderEncoder();
    private long seed = 0x9E3779B97F4A7C15L;
    private long count;

    /**
     * A workload.
     *
     * @param name "account" or "orderbook".
     */
    public Workload(final String name)
    {
        switch (name)
        {
            case "account":
                orderBook = false;
                break;
            case "orderbook":
                orderBook = true;
                break;
            default:
                throw new IllegalArgumentException("unknown workload: " + name);
        }
    }

    /**
     * Whether this is the order-book workload.
     *
     * @return true for the order book.
     */
    public boolean isOrderBook()
    {
        return orderBook;
    }

    /**
     * Encode the commands that open every account (nothing for the order book).
     *
     * @param buffer to encode into.
     * @param index  of the account.
     * @return the command's length.
     */
    public int encodeOpen(final MutableDirectBuffer buffer, final int index)
    {
        writer.wrap(buffer, 0).correlationId(-1 - index).aggregate(BankAccount.TYPE_ID, index);
        writer.body(new OpenAccountEncoder()).ownerId(index).initialDeposit(0);
        return writer.length();
    }

    /**
     * Encode the next command.
     *
     * @param buffer to encode into, at offset 0.
     * @return the command's length.
     */
    public int encodeNext(final MutableDirectBuffer buffer)
    {
        final long n = count++;
        final long random = next();
        if (!orderBook)
        {
            writer.wrap(buffer, 0).correlationId(n).aggregate(BankAccount.TYPE_ID, (random >>> 8) % ACCOUNTS);
            writer.body(deposit).amount(1 + (random & 0xFF));
            return writer.length();
        }

        writer.wrap(buffer, 0).correlationId(n).aggregate(OrderBook.TYPE_ID, 1 + n % INSTRUMENTS);
        final int kind = (int)((random >>> 4) % 100);
        final Side side = (random & 1) == 0 ? Side.BUY : Side.SELL;
        if (kind < 45)
        {
            final long price = 1_000 + (random >>> 16) % 21 - 10 + (side == Side.BUY ? -3 : 3);
            writer.body(limit).orderId(n + 1).traderId(1).side(side).price(price).quantity(1 + (random >>> 40) % 100);
        }
        else if (kind < 55)
        {
            writer.body(market).orderId(n + 1).traderId(1).side(side).quantity(1 + (random >>> 40) % 50);
        }
        else
        {
            writer.body(cancel).orderId(Math.max(1, n + 1 - INSTRUMENTS * (1 + (random >>> 24) % 32)));
        }
        return writer.length();
    }

    private long next()
    {
        seed ^= seed << 13;
        seed ^= seed >>> 7;
        seed ^= seed << 17;
        return seed & Long.MAX_VALUE;
    }
}
