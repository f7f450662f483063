package io.skein.examples;

import java.io.File;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.engine.RecordedEvent;
import io.skein.engine.SkeinEngine;
import io.skein.examples.bank.BalancesByOwner;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.CloseAccountEncoder;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.bank.codecs.WithdrawEncoder;
import io.skein.examples.orderbook.OrderBook;
import io.skein.examples.orderbook.TradeTape;
import io.skein.examples.orderbook.codecs.PlaceLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.Side;
import io.skein.examples.orderbook.codecs.TradeDecoder;
import io.skein.journal.TestArchive;
import io.skein.projection.Checkpoint;
import io.skein.projection.EventPage;
import io.skein.projection.EventReader;
import io.skein.projection.EventSource;
import io.skein.projection.FileCheckpointStore;
import io.skein.projection.Projection;
import io.skein.projection.ProjectionRunner;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.EventFilter;
import io.skein.testsupport.Await;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sample domains' projections, run by a projection runner on a real engine and journal, against what the
 * commands' replies say happened.
 */
class SampleProjectionsSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int OWNERS = 7;

    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private long correlation;

    @AfterEach
    void noErrors()
    {
        assertEquals(List.of(), errors);
    }

    @Test
    void shouldKeepEachOwnersBalanceAndStayTheSameWhenEventsComeAgain() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            final Random random = new Random(42);
            final Map<Long, Long> expected = new HashMap<>();
            final Map<Long, Long> balanceOfAccount = new HashMap<>();
            final long[] openOf = new long[OWNERS];
            for (long account = 1; account <= 40; account++)
            {
                final long owner = account % OWNERS;
                final long initial = random.nextInt(100);
                accept(engine, BankAccount.TYPE_ID, account, (w) ->
                    w.body(new OpenAccountEncoder()).ownerId(owner).initialDeposit(initial));
                expected.merge(owner, initial, Long::sum);
                balanceOfAccount.put(account, initial);
                openOf[(int)owner]++;
            }
            for (int i = 0; i < 2_000; i++)
            {
                final long account = 1 + random.nextInt(40);
                final long owner = account % OWNERS;
                final long amount = 1 + random.nextInt(60);
                if (random.nextBoolean())
                {
                    accept(engine, BankAccount.TYPE_ID, account, (w) -> w.body(new DepositEncoder()).amount(amount));
                    expected.merge(owner, amount, Long::sum);
                    balanceOfAccount.merge(account, amount, Long::sum);
                }
                else if (submit(engine, BankAccount.TYPE_ID, account, (w) -> w.body(new WithdrawEncoder())
                    .amount(amount)).outcome() == Outcome.ACCEPTED)
                {
                    expected.merge(owner, -amount, Long::sum);
                    balanceOfAccount.merge(account, -amount, Long::sum);
                }
            }
            for (long account = 1; account <= 40; account += 5)
            {
                final long balance = balanceOfAccount.get(account);
                if (balance > 0)
                {
                    accept(engine, BankAccount.TYPE_ID, account, (w) -> w.body(new WithdrawEncoder())
                        .amount(balance));
                    expected.merge(account % OWNERS, -balance, Long::sum);
                }
                accept(engine, BankAccount.TYPE_ID, account, (w) -> w.body(new CloseAccountEncoder()).reasonCode(1));
                openOf[(int)(account % OWNERS)]--;
            }

            final BalancesByOwner balances = new BalancesByOwner();
            final File checkpoints = new File(dir, "checkpoints");
            final long end = engine.durablePosition();
            runToEnd(engine, "balances-by-owner", BalancesByOwner.FILTER, balances, checkpoints, end);
            for (long owner = 0; owner < OWNERS; owner++)
            {
                assertEquals(expected.get(owner), balances.balanceOf(owner), "balance of owner " + owner);
                assertEquals(openOf[(int)owner], balances.openAccountsOf(owner), "open accounts of " + owner);
            }

            // At least once: the same events again (as after a crash before the checkpoint) change nothing.
            new FileCheckpointStore(checkpoints).store("balances-by-owner", Checkpoint.NONE);
            runToEnd(engine, "balances-by-owner", BalancesByOwner.FILTER, balances, checkpoints, end);
            for (long owner = 0; owner < OWNERS; owner++)
            {
                assertEquals(expected.get(owner), balances.balanceOf(owner), "owner " + owner + " after a repeat");
            }
        }
    }

    @Test
    void shouldPrintEveryTradeOnTheTapeInJournalOrder() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            final Random random = new Random(7);
            for (long order = 1; order <= 1_500; order++)
            {
                final long id = order;
                final long book = 1 + order % 3;
                final Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
                final long price = 95 + random.nextInt(11);
                final long quantity = 1 + random.nextInt(20);
                submit(engine, OrderBook.TYPE_ID, book, (w) -> w.body(new PlaceLimitOrderEncoder()).orderId(id)
                    .traderId(id % 13).side(side).price(price).quantity(quantity));
            }
            final TradeTape tape = new TradeTape();
            final long end = engine.durablePosition();
            runToEnd(engine, "trade-tape", TradeTape.FILTER, tape, new File(dir, "checkpoints"), end);

            final List<RecordedEvent> trades = new ArrayList<>();
            final EventReader reader = new EventReader(EventSource.of(engine));
            long position = 0;
            EventPage page;
            do
            {
                page = reader.read(position, 1_000, TradeTape.FILTER);
                trades.addAll(page.events());
                position = page.nextPosition();
            }
            while (page.hasMore());
            assertTrue(trades.size() > 300, "crossing orders trade: " + trades.size());
            assertEquals(trades.size(), tape.prints().size());
            final TradeDecoder decoder = new TradeDecoder();
            long volume = 0;
            for (int i = 0; i < trades.size(); i++)
            {
                final TradeTape.Print print = tape.prints().get(i);
                final TradeDecoder trade = trades.get(i).decode(decoder);
                assertEquals(trades.get(i).sequence(), print.sequence());
                assertEquals(trades.get(i).aggregateId(), print.bookId());
                assertEquals(trade.price(), print.price());
                assertEquals(trade.quantity(), print.quantity());
                assertEquals(trade.makerOrderId(), print.makerOrderId());
                volume += trade.quantity();
            }
            assertEquals(volume, tape.volume());
        }
    }

    private void runToEnd(
        final SkeinEngine engine,
        final String name,
        final EventFilter filter,
        final Projection projection,
        final File checkpoints,
        final long end)
    {
        try (ProjectionRunner runner = ProjectionRunner.launch(new ProjectionRunner.Context()
            .name(name)
            .source(EventSource.of(engine))
            .filter(filter)
            .projection(projection)
            .checkpointDir(checkpoints)
            .errorHandler(errors::add)))
        {
            Await.until(() -> null != runner.checkpoint() && runner.checkpoint().position() == end, TIMEOUT_NS,
                () -> name + " reaches " + end + ": " + runner.checkpoint());
        }
    }

    private interface Body
    {
        void write(CommandWriter writer);
    }

    private void accept(final SkeinEngine engine, final int type, final long id, final Body body) throws Exception
    {
        final CommandResult result = submit(engine, type, id, body);
        assertEquals(Outcome.ACCEPTED, result.outcome(), result.toString());
    }

    private CommandResult submit(final SkeinEngine engine, final int type, final long id, final Body body)
        throws Exception
    {
        writer.wrap(buffer, 0).correlationId(++correlation).aggregate(type, id);
        body.write(writer);
        return engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
    }

    private SkeinEngine launch(final TestArchive archive)
    {
        return SkeinEngine.launch(new SkeinEngine.Context()
            .name("samples")
            .aggregate(BankAccount::new)
            .aggregate(OrderBook::new)
            .errorHandler(errors::add)
            .journal(archive.journal()));
    }
}
