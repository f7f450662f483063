package io.skein.sink.postgres;

import java.io.File;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.engine.SkeinEngine;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.CloseAccountEncoder;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.bank.codecs.TransferEncoder;
import io.skein.examples.bank.codecs.WithdrawEncoder;
import io.skein.journal.TestArchive;
import io.skein.projection.Checkpoint;
import io.skein.projection.EventSource;
import io.skein.projection.ProjectionRunner;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinException;
import io.skein.testsupport.Await;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bank's balances by owner projected into a real PostgreSQL server, exactly once: checked against the commands'
 * replies, with a second runner fenced by the advisory lock, and across a server outage.
 */
class PostgresProjectionSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final int OWNERS = 5;
    private static PostgresServer server;

    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<Throwable> warnings = new CopyOnWriteArrayList<>();
    private final Map<Long, Long> expected = new HashMap<>();
    private final Map<Long, Long> accountBalance = new HashMap<>();
    private final Map<Long, Long> openAccounts = new HashMap<>();
    private final Random random = new Random(11);
    private long correlation;
    private int transfers;

    @BeforeAll
    static void startServer() throws Exception
    {
        server = PostgresServer.launch();
    }

    @AfterAll
    static void stopServer() throws Exception
    {
        server.close();
    }

    @AfterEach
    void noErrors()
    {
        assertEquals(List.of(), errors, "errors from the engine or the runner");
    }

    @Test
    void shouldProjectEveryEventOnceWithTheCheckpointInTheSameTransaction() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive);
            PostgresProjection sink = sink("exact"))
        {
            openAccounts(engine, 30);
            randomOperations(engine, 1_500, 30);
            closeSome(engine, 30);
            final long end = engine.durablePosition();
            try (ProjectionRunner runner = ProjectionRunner.launch(context(engine, "exact", sink)))
            {
                Await.until(() -> reached(runner, end), TIMEOUT_NS, () -> "caught up: " + runner.checkpoint());
                assertTrue(sink.isWriter());
            }
            assertTable("exact");
            assertTrue(transfers > 100, transfers + " transfers, most between accounts of different owners");
            assertEquals(new Checkpoint(end, entries(engine)), storedCheckpoint("exact"),
                "the checkpoint row is where the runner got to");
        }
    }

    @Test
    void shouldFenceASecondRunnerUntilTheFirstLetsGo() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive);
            PostgresProjection first = sink("fenced"); PostgresProjection second = sink("fenced"))
        {
            openAccounts(engine, 10);
            final ProjectionRunner one = ProjectionRunner.launch(context(engine, "fenced", first));
            final long early = engine.durablePosition();
            Await.until(() -> reached(one, early), TIMEOUT_NS, "the first runner writes");
            try (ProjectionRunner two = ProjectionRunner.launch(context(engine, "fenced", second)))
            {
                Await.until(() -> two.state() == ProjectionRunner.State.RETRYING && !warnings.isEmpty(), TIMEOUT_NS,
                    "the second runner is fenced");
                assertTrue(warnings.get(0).getMessage().contains("holds its lock"), warnings.get(0).getMessage());
                assertFalse(second.isWriter());
                randomOperations(engine, 500, 10);
                final long middle = engine.durablePosition();
                Await.until(() -> reached(one, middle), TIMEOUT_NS, "the first runner goes on alone");
                assertEquals(1, lockHolders("fenced"), "one session holds the projection's lock");
                assertTrue(null == two.checkpoint() || two.checkpoint().position() < middle || !second.isWriter());

                one.close();
                first.close();
                randomOperations(engine, 500, 10);
                final long end = engine.durablePosition();
                Await.until(() -> reached(two, end), TIMEOUT_NS, () -> "the second runner takes over: " +
                    two.checkpoint());
                assertTrue(second.isWriter());
            }
            assertTable("fenced");
        }
    }

    @Test
    void shouldPauseThroughAServerOutageAndResumeWithNothingLostOrTwice() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive);
            PostgresProjection sink = sink("outage"))
        {
            openAccounts(engine, 20);
            try (ProjectionRunner runner = ProjectionRunner.launch(context(engine, "outage", sink)
                .maxRetryDelayNs(TimeUnit.MILLISECONDS.toNanos(200))))
            {
                final long before = engine.durablePosition();
                Await.until(() -> reached(runner, before), TIMEOUT_NS, "caught up before the outage");
                server.stop();
                randomOperations(engine, 800, 20);
                Await.until(() -> runner.errors() > 0, TIMEOUT_NS, "the runner notices the outage");
                final Checkpoint during = runner.checkpoint();
                assertTrue(during.position() < engine.durablePosition(), "paused during the outage");
                server.start();
                randomOperations(engine, 200, 20);
                final long end = engine.durablePosition();
                Await.until(() -> reached(runner, end), TIMEOUT_NS, () -> "resumed: " + runner.checkpoint());
            }
            assertTable("outage");
        }
    }

    private boolean reached(final ProjectionRunner runner, final long position)
    {
        return null != runner.checkpoint() && runner.checkpoint().position() >= position;
    }

    private void assertTable(final String prefix) throws SQLException
    {
        final Map<Long, Long> balances = new HashMap<>();
        final Map<Long, Long> open = new HashMap<>();
        try (Connection connection = server.connect(); Statement select = connection.createStatement();
            ResultSet rows = select.executeQuery("SELECT owner_id, balance, open_accounts FROM " + prefix + "_owner"))
        {
            while (rows.next())
            {
                balances.put(rows.getLong(1), rows.getLong(2));
                open.put(rows.getLong(1), rows.getLong(3));
            }
        }
        assertEquals(expected, balances, "each owner's balance, from the replies");
        assertEquals(openAccounts, open, "each owner's open accounts");
    }

    private Checkpoint storedCheckpoint(final String name) throws SQLException
    {
        try (Connection connection = server.connect(); Statement select = connection.createStatement();
            ResultSet row = select.executeQuery("SELECT position, entry_sequence FROM skein_checkpoints " +
                "WHERE projection = '" + name + "'"))
        {
            assertTrue(row.next());
            return new Checkpoint(row.getLong(1), row.getLong(2));
        }
    }

    private static int lockHolders(final String name) throws SQLException
    {
        final long key = PostgresProjection.lockKey(name);
        try (Connection connection = server.connect(); Statement select = connection.createStatement();
            ResultSet row = select.executeQuery("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND " +
                "granted AND ((classid::bigint << 32) | objid::bigint) = " + key))
        {
            row.next();
            return row.getInt(1);
        }
    }

    private static long entries(final SkeinEngine engine)
    {
        return engine.counters().journalEntries().get();
    }

    private PostgresProjection sink(final String prefix)
    {
        return new PostgresProjection(server.url(), server.properties(), prefix, new BalancesByOwnerTable(prefix));
    }

    private ProjectionRunner.Context context(final SkeinEngine engine, final String name, final PostgresProjection p)
    {
        return new ProjectionRunner.Context()
            .name(name)
            .source(EventSource.of(engine))
            .projection(p)
            .delivery(ProjectionRunner.Delivery.EXACTLY_ONCE)
            .batchSize(50)
            .errorHandler((ex) ->
            {
                if (ex instanceof SkeinException && ((SkeinException)ex).category() ==
                    SkeinException.Category.WARNING)
                {
                    warnings.add(ex);
                }
                else
                {
                    errors.add(ex);
                }
            });
    }

    private void openAccounts(final SkeinEngine engine, final int accounts) throws Exception
    {
        for (long account = 1; account <= accounts; account++)
        {
            final long owner = account % OWNERS;
            final long initial = random.nextInt(100);
            accept(submit(engine, account, (w) -> w.body(new OpenAccountEncoder()).ownerId(owner)
                .initialDeposit(initial)));
            expected.merge(owner, initial, Long::sum);
            accountBalance.put(account, initial);
            openAccounts.merge(owner, 1L, Long::sum);
        }
    }

    private void randomOperations(final SkeinEngine engine, final int count, final int accounts) throws Exception
    {
        for (int i = 0; i < count; i++)
        {
            final long account = 1 + random.nextInt(accounts);
            final long amount = 1 + random.nextInt(50);
            final int kind = random.nextInt(3);
            if (kind == 2)
            {
                // A transfer: one entry addressed to the payer, changing the payee's owner's balance too.
                final long payee = 1 + (account + random.nextInt(accounts - 1)) % accounts;
                final CommandResult result = submit(engine, account, (w) -> w.body(new TransferEncoder())
                    .toAccountId(payee).amount(amount).toExpectedVersion(-1));
                if (result.outcome() == Outcome.ACCEPTED)
                {
                    transfers++;
                    expected.merge(account % OWNERS, -amount, Long::sum);
                    accountBalance.merge(account, -amount, Long::sum);
                    expected.merge(payee % OWNERS, amount, Long::sum);
                    accountBalance.merge(payee, amount, Long::sum);
                }
                continue;
            }
            final boolean deposit = kind == 0;
            final CommandResult result = submit(engine, account, deposit ?
                (w) -> w.body(new DepositEncoder()).amount(amount) :
                (w) -> w.body(new WithdrawEncoder()).amount(amount));
            if (result.outcome() == Outcome.ACCEPTED)
            {
                final long delta = deposit ? amount : -amount;
                expected.merge(account % OWNERS, delta, Long::sum);
                accountBalance.merge(account, delta, Long::sum);
            }
        }
    }

    private void closeSome(final SkeinEngine engine, final int accounts) throws Exception
    {
        for (long account = 1; account <= accounts; account += 4)
        {
            final long balance = accountBalance.get(account);
            if (balance > 0)
            {
                accept(submit(engine, account, (w) -> w.body(new WithdrawEncoder()).amount(balance)));
                expected.merge(account % OWNERS, -balance, Long::sum);
            }
            accept(submit(engine, account, (w) -> w.body(new CloseAccountEncoder()).reasonCode(1)));
            openAccounts.merge(account % OWNERS, -1L, Long::sum);
        }
    }

    private interface Body
    {
        void write(CommandWriter writer);
    }

    private static void accept(final CommandResult result)
    {
        assertEquals(Outcome.ACCEPTED, result.outcome(), result.toString());
    }

    private CommandResult submit(final SkeinEngine engine, final long account, final Body body) throws Exception
    {
        writer.wrap(buffer, 0).correlationId(++correlation).aggregate(BankAccount.TYPE_ID, account);
        body.write(writer);
        return engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
    }

    private SkeinEngine launch(final TestArchive archive)
    {
        return SkeinEngine.launch(new SkeinEngine.Context()
            .name("bank")
            .aggregate(BankAccount::new)
            .errorHandler(errors::add)
            .journal(archive.journal()));
    }
}
