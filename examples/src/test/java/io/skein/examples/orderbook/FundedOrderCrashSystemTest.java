package io.skein.examples.orderbook;

import java.io.File;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.codecs.Outcome;
import io.skein.engine.SkeinEngine;
import io.skein.engine.TimeTravel;
import io.skein.examples.CrashLoad;
import io.skein.examples.bank.AccountState;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.BalanceDecoder;
import io.skein.examples.bank.codecs.GetBalanceEncoder;
import io.skein.examples.orderbook.codecs.TradeDecoder;
import io.skein.journal.Journal;
import io.skein.journal.JournalReader;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.JournalEvents;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Funded orders are all or nothing across a crash: a real engine process trading on a book whose orders reserve and
 * settle on bank accounts is killed with SIGKILL under load. After recovery, and at a dozen points in time inside
 * the run, each asset's total across the accounts is the initial total, and each account's reservation is exactly
 * what the book's resting orders still hold on it: an order's reservation, its trades and their settlement are
 * never split by the crash. Every acknowledged command is in the journal exactly once.
 */
class FundedOrderCrashSystemTest
{
    private static final List<Supplier<? extends Aggregate<?>>> AGGREGATES =
        List.of(BankAccount::new, OrderBook::new);

    @TempDir
    File tempDir;

    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    @Test
    void reservationsAndSettlementsSurviveAKillTogether() throws Exception
    {
        for (final int killPoint : new int[] {20, 1_500, 5_000})
        {
            killAndCheck(new File(tempDir, "kill-" + killPoint), killPoint);
        }
        assertEquals(List.of(), errors, "the recovered engines reported no errors");
    }

    private void killAndCheck(final File dir, final int killAfterAcks) throws Exception
    {
        assertTrue(dir.mkdirs());
        final BitSet acked = CrashLoad.runAndKill(dir, FundedOrderCrashNode.class, killAfterAcks);

        try (TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("recovered").aggregate(BankAccount::new).aggregate(OrderBook::new).journal(archive.journal())
                .errorHandler(errors::add)))
        {
            final BitSet journaled = new BitSet();
            final List<Long> positions = new ArrayList<>();
            final int[] trades = new int[1];
            scan(engine.context().journal(), journaled, positions, trades);
            final BitSet lost = (BitSet)acked.clone();
            lost.andNot(journaled);
            assertTrue(lost.isEmpty(), "acknowledged commands missing after recovery: " + lost);

            final TimeTravel travel = new TimeTravel(engine.context().journal(), AGGREGATES,
                Throwable::printStackTrace);
            final TimeTravel.PointInTime end = travel.atPosition(positions.get(positions.size() - 1));
            checkInvariants(end, "after recovery");
            for (long trader = 1; trader <= FundedOrderCrashNode.TRADERS; trader++)
            {
                for (final long account : accounts(trader))
                {
                    final AccountState then = end.state(BankAccount.TYPE_ID, account);
                    final BalanceDecoder now = balance(engine, account);
                    assertEquals(then.balance(), now.balance(), "the recovered engine's balance of " + account);
                    assertEquals(then.reserved(), now.reserved(), "the recovered engine's reservation of " + account);
                }
            }
            assertEquals(end.stateHash(), engine.stateHash(TimeUnit.SECONDS.toNanos(10)),
                "the recovered engine holds what the journal makes");

            final int opened = 2 * FundedOrderCrashNode.TRADERS;
            final int step = Math.max(1, (positions.size() - opened) / 12);
            int points = 0;
            for (int index = opened - 1; index < positions.size(); index += step)
            {
                checkInvariants(travel.atPosition(positions.get(index)), "at position " + positions.get(index));
                points++;
            }
            final BookState book = end.state(OrderBook.TYPE_ID, FundedOrderCrashNode.BOOK);
            System.out.printf("kill after %d acknowledgements: %d acknowledged, %d journaled, %d trades, %d " +
                "resting orders, %d points in time checked%n", killAfterAcks, acked.cardinality(),
                journaled.cardinality(), trades[0], null == book ? 0 : book.restingOrders(), points);
            assertTrue(points >= Math.min(12, positions.size() - opened), points + " points in time checked");
            assertTrue(killAfterAcks < 1_000 || trades[0] > 100, trades[0] + " trades");
        }
    }

    private static long[] accounts(final long trader)
    {
        return new long[] {FundedOrderCrashNode.baseAccount(trader), FundedOrderCrashNode.quoteAccount(trader)};
    }

    private static void checkInvariants(final TimeTravel.PointInTime point, final String where)
    {
        final BookState book = point.state(OrderBook.TYPE_ID, FundedOrderCrashNode.BOOK);
        final Map<Long, Long> held = new HashMap<>();
        for (final Order order : null == book ? List.<Order>of() : book.orders.values())
        {
            assertTrue(order.isFunded(), "only funded orders rest " + where);
            held.merge(order.payingAccountId(), order.reservedAmount(), Long::sum);
        }
        long base = 0;
        long quote = 0;
        for (long trader = 1; trader <= FundedOrderCrashNode.TRADERS; trader++)
        {
            for (final long id : accounts(trader))
            {
                final AccountState account = point.state(BankAccount.TYPE_ID, id);
                assertTrue(account.reserved() >= 0 && account.reserved() <= account.balance(), where + ": " + account);
                assertEquals((long)held.getOrDefault(id, 0L), account.reserved(),
                    "account " + id + " holds in reserve what its resting orders hold, " + where);
            }
            base += point.<AccountState>state(BankAccount.TYPE_ID, FundedOrderCrashNode.baseAccount(trader)).balance();
            quote += point.<AccountState>state(BankAccount.TYPE_ID, FundedOrderCrashNode.quoteAccount(trader))
                .balance();
        }
        assertEquals(FundedOrderCrashNode.TRADERS * FundedOrderCrashNode.INITIAL_BASE, base, "base total " + where);
        assertEquals(FundedOrderCrashNode.TRADERS * FundedOrderCrashNode.INITIAL_QUOTE, quote,
            "quote total " + where);
    }

    /**
     * Read the journal: each command is there at most once, as one entry addressed to the book.
     */
    private static void scan(
        final Journal journal, final BitSet journaled, final List<Long> positions, final int[] trades)
    {
        final JournalEvents events = new JournalEvents();
        try (JournalReader reader = journal.reader())
        {
            reader.readUntil(journal.startPosition(), journal.durablePosition(), (buffer, offset, length, position) ->
            {
                positions.add(position);
                events.wrap(buffer, offset, length);
                if (events.idempotencyKeyHi() != FundedOrderCrashNode.KEY_HI)
                {
                    return true;
                }
                final int i = (int)(events.idempotencyKeyLo() - 1);
                assertFalse(journaled.get(i), "command " + i + " is in the journal twice");
                journaled.set(i);
                assertEquals(OrderBook.TYPE_ID, events.entryAggregateTypeId());
                while (events.next())
                {
                    trades[0] += events.templateId() == TradeDecoder.TEMPLATE_ID ? 1 : 0;
                }
                assertTrue(FundedOrderCrashNode.isCancel(i) || events.changesSeveral(),
                    "placing order " + i + " reserves on an account in the same entry");
                return true;
            });
        }
    }

    private static BalanceDecoder balance(final SkeinEngine engine, final long account) throws Exception
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        final CommandWriter writer = new CommandWriter();
        writer.wrap(buffer, 0).correlationId(-1).aggregate(BankAccount.TYPE_ID, account);
        writer.body(new GetBalanceEncoder()).unused(0);
        final CommandResult result = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
        assertEquals(Outcome.ACCEPTED, result.outcome());
        return result.reply(new BalanceDecoder());
    }
}
