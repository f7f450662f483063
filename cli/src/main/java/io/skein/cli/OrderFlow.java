package io.skein.cli;

import java.util.Random;

import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.orderbook.OrderBook;
import io.skein.examples.orderbook.codecs.CancelOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceMarketOrderEncoder;
import io.skein.examples.orderbook.codecs.Side;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinProtocol;
import org.agrona.MutableDirectBuffer;

/**
 * Writes the load commands of the sample domains, allocation-free: a trading mix into order books (75% limit orders
 * around a mid price, 15% market orders, 10% cancels of recent orders), or deposits into bank accounts. Every command
 * carries an idempotency key made of the run's id and its number, so a resend is safe and another run is not a
 * duplicate.
 */
final class OrderFlow
{
    /**
     * Which sample domain the load goes to.
     */
    enum Workload
    {
        /**
         * Order books, one per instrument.
         */
        ORDERBOOK,

        /**
         * Bank accounts: opened first, then deposits.
         */
        BANK
    }

    private final Workload workload;
    private final int aggregates;
    private final long runId;
    private final int stride;
    private final Random random;
    private final CommandWriter writer = new CommandWriter();
    private final PlaceLimitOrderEncoder limit = new PlaceLimitOrderEncoder();
    private final PlaceMarketOrderEncoder market = new PlaceMarketOrderEncoder();
    private final CancelOrderEncoder cancel = new CancelOrderEncoder();
    private final OpenAccountEncoder open = new OpenAccountEncoder();
    private final DepositEncoder deposit = new DepositEncoder();
    private long lastAmount;

    OrderFlow(
        final Workload workload,
        final int aggregates,
        final long seed,
        final long runId,
        final int stream,
        final int stride)
    {
        this.workload = workload;
        this.aggregates = aggregates;
        this.runId = runId;
        this.stride = stride;
        this.random = new Random(seed * 31 + stream);
    }

    /**
     * Commands needed before the load: opening the accounts of the bank workload.
     *
     * @return the number of setup commands.
     */
    int setupCommands()
    {
        return workload == Workload.BANK ? aggregates : 0;
    }

    int setup(final MutableDirectBuffer buffer, final long correlationId, final int index)
    {
        writer.wrap(buffer, 0).correlationId(correlationId).aggregate(BankAccount.TYPE_ID, index + 1)
            .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
        writer.body(open).ownerId(index + 1).initialDeposit(0);
        return writer.length();
    }

    /**
     * Write command number {@code n} of this stream.
     *
     * @param buffer        to write into at offset 0.
     * @param correlationId for the command.
     * @param n             the command's number, unique across streams.
     * @return the command's length.
     */
    int write(final MutableDirectBuffer buffer, final long correlationId, final long n)
    {
        final long aggregate = 1 + (n % aggregates);
        if (workload == Workload.BANK)
        {
            writer.wrap(buffer, 0).correlationId(correlationId).aggregate(BankAccount.TYPE_ID, aggregate)
                .idempotencyKey(runId, n + 1);
            lastAmount = 1 + random.nextInt(100);
            writer.body(deposit).amount(lastAmount);
            return writer.length();
        }
        writer.wrap(buffer, 0).correlationId(correlationId).aggregate(OrderBook.TYPE_ID, aggregate)
            .idempotencyKey(runId, n + 1);
        final int kind = random.nextInt(100);
        final Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
        if (kind < 75)
        {
            final long price = 1_000 + random.nextInt(21) - 10 + (side == Side.BUY ? -3 : 3);
            writer.body(limit).orderId(n + 1).traderId(n % 64).side(side).price(price)
                .quantity(1 + random.nextInt(100));
        }
        else if (kind < 90)
        {
            writer.body(market).orderId(n + 1).traderId(n % 64).side(side).quantity(1 + random.nextInt(50));
        }
        else
        {
            writer.body(cancel).orderId(Math.max(1, n + 1 - (long)stride * (1 + random.nextInt(64))));
        }
        return writer.length();
    }

    /**
     * The amount of the deposit {@link #write} wrote last, for the bank workload.
     *
     * @return the amount, 1 to 100.
     */
    long lastAmount()
    {
        return lastAmount;
    }
}
