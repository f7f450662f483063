package io.skein.examples.bank;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.engine.SkeinEngine;
import io.skein.engine.SyncCaller;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.bank.codecs.TransferEncoder;
import io.skein.examples.orderbook.OrderBook;
import io.skein.examples.orderbook.codecs.PlaceFundedLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.Side;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A transfer decided, built, applied to two accounts and answered allocates nothing on the engine's threads once
 * warm (HotSpot's per-thread allocation counters over 100,000 transfers); nor does a funded order, which reads the
 * traders' accounts, reserves on one and, when it fills, settles on four.
 */
class TransferAllocationTest
{
    private static final int ACCOUNTS = 1_000;
    private static final int WARM_UP = 100_000;
    private static final int MEASURED = 100_000;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final TransferEncoder transfer = new TransferEncoder();

    @Test
    void fundedOrdersAllocateNothingOnTheWriterOrTheReplyStage()
    {
        final PlaceFundedLimitOrderEncoder order = new PlaceFundedLimitOrderEncoder();
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        try (SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context().name("funded-alloc")
            .aggregate(BankAccount::new).aggregate(OrderBook::new).idempotencyWindowCapacity(1024).ringSize(1024)))
        {
            final SyncCaller caller = engine.newSyncCaller();
            final OpenAccountEncoder open = new OpenAccountEncoder();
            for (int account = 0; account < 4; account++)
            {
                writer.wrap(buffer, 0).correlationId(-1 - account).aggregate(BankAccount.TYPE_ID, 100 + account);
                writer.body(open).ownerId(account / 2).initialDeposit(1_000_000_000_000L);
                assertEquals(Outcome.ACCEPTED, caller.call(buffer, 0, writer.length(), TIMEOUT_NS).outcome());
            }
            final Sender orders = (from, count) ->
            {
                for (long i = from; i < from + count; i++)
                {
                    // Trader 0 buys 1 at 100 and rests; trader 1 sells 1 at 100 and fills it.
                    final long trader = i & 1;
                    writer.wrap(buffer, 0).correlationId(i).aggregate(OrderBook.TYPE_ID, 1).idempotencyKey(2, i + 1);
                    writer.body(order).orderId(i + 1).traderId(trader).side(trader == 0 ? Side.BUY : Side.SELL)
                        .price(100).quantity(1).baseAccountId(100 + 2 * trader).quoteAccountId(101 + 2 * trader);
                    accept(caller.call(buffer, 0, writer.length(), TIMEOUT_NS), i);
                }
            };
            measure(threads, "skein-funded-alloc", "funded orders", orders);
        }
    }

    @Test
    void transfersAllocateNothingOnTheWriterOrTheReplyStage()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        try (SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context().name("transfer-alloc")
            .aggregate(BankAccount::new).idempotencyWindowCapacity(1024).ringSize(1024)))
        {
            final SyncCaller caller = engine.newSyncCaller();
            final OpenAccountEncoder open = new OpenAccountEncoder();
            for (int account = 0; account < ACCOUNTS; account++)
            {
                writer.wrap(buffer, 0).correlationId(-1 - account).aggregate(BankAccount.TYPE_ID, account);
                writer.body(open).ownerId(account).initialDeposit(1_000_000_000L);
                assertEquals(Outcome.ACCEPTED, caller.call(buffer, 0, writer.length(), TIMEOUT_NS).outcome());
            }
            measure(threads, "skein-transfer-alloc", "transfers", (from, count) -> send(caller, from, count));
        }
    }

    @FunctionalInterface
    private interface Sender
    {
        void send(long from, int count);
    }

    private static void measure(
        final com.sun.management.ThreadMXBean threads, final String prefix, final String what, final Sender sender)
    {
        sender.send(0, WARM_UP);
        final Thread writerThread = thread(prefix + "-writer");
        final Thread replierThread = thread(prefix + "-replier");
        final long writerBefore = threads.getThreadAllocatedBytes(writerThread.getId());
        final long replierBefore = threads.getThreadAllocatedBytes(replierThread.getId());

        sender.send(WARM_UP, MEASURED);

        final long writerBytes = threads.getThreadAllocatedBytes(writerThread.getId()) - writerBefore;
        final long replierBytes = threads.getThreadAllocatedBytes(replierThread.getId()) - replierBefore;
        System.out.println(what + ": writer bytes=" + writerBytes + " replier bytes=" + replierBytes +
            " over " + MEASURED);
        assertTrue(writerBytes < 4096, "writer allocated " + writerBytes + " bytes over " + MEASURED);
        assertTrue(replierBytes < 4096, "reply stage allocated " + replierBytes + " bytes over " + MEASURED);
    }

    private static void accept(final Reply reply, final long i)
    {
        if (reply.outcome() != Outcome.ACCEPTED)
        {
            throw new AssertionError("command " + i + ": " + reply.outcome() + " " + reply.reason());
        }
    }

    private void send(final SyncCaller caller, final long from, final int count)
    {
        for (long i = from; i < from + count; i++)
        {
            final long payer = (i * 7) % ACCOUNTS;
            final long payee = (payer + 1 + i % (ACCOUNTS - 1)) % ACCOUNTS;
            writer.wrap(buffer, 0).correlationId(i).aggregate(BankAccount.TYPE_ID, payer).idempotencyKey(1, i + 1);
            writer.body(transfer).toAccountId(payee).amount(1).toExpectedVersion(SkeinProtocol.ANY_VERSION);
            accept(caller.call(buffer, 0, writer.length(), TIMEOUT_NS), i);
        }
    }

    private static Thread thread(final String prefix)
    {
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().startsWith(prefix))
            {
                return thread;
            }
        }
        throw new AssertionError("no thread named " + prefix + "*");
    }
}
