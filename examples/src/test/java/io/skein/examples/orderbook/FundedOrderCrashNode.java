package io.skein.examples.orderbook;

import java.io.File;
import java.util.List;

import io.skein.engine.SkeinEngine;
import io.skein.examples.CrashLoad;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.orderbook.codecs.CancelOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceFundedLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.Side;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The process the funded order crash test kills: an engine holding bank accounts and an order book, on an embedded
 * archive, opens a base and a quote account for each of {@link #TRADERS} traders, then sends funded limit orders
 * around a price of 100 and cancels, command i a function of i alone, through {@link CrashLoad}.
 */
public final class FundedOrderCrashNode
{
    static final int TRADERS = 4;
    static final long INITIAL_BASE = 100_000;
    static final long INITIAL_QUOTE = 10_000_000;
    static final long BOOK = 1;
    static final long KEY_HI = 0x0B0C;

    private FundedOrderCrashNode()
    {
    }

    static long baseAccount(final long trader)
    {
        return trader * 10 + 1;
    }

    static long quoteAccount(final long trader)
    {
        return trader * 10 + 2;
    }

    static boolean isCancel(final long i)
    {
        return i % 5 == 4;
    }

    static int command(final CommandWriter writer, final UnsafeBuffer buffer, final long i)
    {
        writer.wrap(buffer, 0).correlationId(i).aggregate(OrderBook.TYPE_ID, BOOK).idempotencyKey(KEY_HI, i + 1);
        if (isCancel(i))
        {
            writer.body(new CancelOrderEncoder()).orderId(i - 2);
        }
        else
        {
            final long trader = 1 + (i * 7) % TRADERS;
            writer.body(new PlaceFundedLimitOrderEncoder()).orderId(i + 1).traderId(trader)
                .side((i * 13) % 2 == 0 ? Side.BUY : Side.SELL).price(95 + (i * 7919) % 11)
                .quantity(1 + (i * 31) % 20).baseAccountId(baseAccount(trader)).quoteAccountId(quoteAccount(trader));
        }
        return writer.length();
    }

    /**
     * @param args the directory of the archive and journal.
     * @throws Exception if the engine cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        final File dir = new File(args[0]);
        final SkeinEngine engine = CrashLoad.launchEngine(dir, "funded-orders",
            List.of(BankAccount::new, OrderBook::new));

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        for (long trader = 1; trader <= TRADERS; trader++)
        {
            for (final long account : new long[] {baseAccount(trader), quoteAccount(trader)})
            {
                writer.wrap(buffer, 0).correlationId(-account).aggregate(BankAccount.TYPE_ID, account)
                    .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
                writer.body(new OpenAccountEncoder()).ownerId(trader)
                    .initialDeposit(account == baseAccount(trader) ? INITIAL_BASE : INITIAL_QUOTE);
                CrashLoad.require(engine, buffer, writer.length(), "open account " + account);
            }
        }
        CrashLoad.offerForever(engine, FundedOrderCrashNode::command);
    }
}
