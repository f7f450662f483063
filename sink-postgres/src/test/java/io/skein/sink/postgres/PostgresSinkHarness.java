package io.skein.sink.postgres;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.skein.engine.SkeinEngine;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.journal.TestArchive;
import io.skein.projection.EventSource;
import io.skein.projection.ProjectionRunner;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The PostgreSQL sink's load harness: rows per second into a real server, against raw JDBC writing the same rows in
 * the same transactions in the same run, and the projection's lag at a fixed command rate.
 * <ol>
 *     <li>catch-up: {@code deposits} journaled deposits over 1,000 accounts (with their owners' rows) projected by
 *     {@link BalancesByOwnerTable} exactly once, batches of 500 entries; one deposit is one row update;</li>
 *     <li>baseline: the same updates (same statement, same transaction size) from a plain JDBC loop;</li>
 *     <li>lag: deposits at {@code rate} per second for {@code seconds}, sampling the projection's lag (the engine's
 *     time of the entry just committed against the clock) after each batch.</li>
 * </ol>
 * Run with {@code mvn -B -pl sink-postgres surefire:test -Dtest=PostgresSinkHarnessTest
 * -Dskein.harness="200000 2000 10"} (surefire gives the JVM its --add-opens flags).
 */
public final class PostgresSinkHarness
{
    private static final int ACCOUNTS = 1_000;
    private static final int BATCH = 500;

    private PostgresSinkHarness()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int deposits = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        final int rate = args.length > 1 ? Integer.parseInt(args[1]) : 2_000;
        final int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        System.out.println(run(deposits, rate, seconds));
    }

    static String run(final int deposits, final int rate, final int seconds) throws Exception
    {
        final Path dir = Files.createTempDirectory("skein-pg-harness-");
        final StringBuilder report = new StringBuilder();
        try (PostgresServer server = PostgresServer.launch(); TestArchive archive = TestArchive.launch(dir.toFile());
            SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context().name("bank")
                .aggregate(BankAccount::new).journal(archive.journal()));
            PostgresProjection sink = new PostgresProjection(server.url(), server.properties(), "harness",
                new BalancesByOwnerTable("harness")))
        {
            final Commands commands = new Commands(engine);
            for (long account = 1; account <= ACCOUNTS; account++)
            {
                commands.open(account).get(10, TimeUnit.SECONDS);
            }
            CompletableFuture<CommandResult> last = null;
            for (int i = 0; i < deposits; i++)
            {
                last = commands.deposit(1 + i % ACCOUNTS, 1);
            }
            last.get(60, TimeUnit.SECONDS);
            final long end = engine.durablePosition();

            final long startNs = System.nanoTime();
            final ProjectionRunner runner = ProjectionRunner.launch(new ProjectionRunner.Context().name("harness")
                .source(EventSource.of(engine)).projection(sink).delivery(ProjectionRunner.Delivery.EXACTLY_ONCE)
                .batchSize(BATCH).errorHandler(Throwable::printStackTrace));
            while (null == runner.checkpoint() || runner.checkpoint().position() < end)
            {
                Thread.sleep(1);
            }
            final double skeinSeconds = (System.nanoTime() - startNs) / 1e9;
            final double skeinRate = (deposits + ACCOUNTS) / skeinSeconds;

            final double rawRate = rawJdbc(server, deposits);
            report.append(String.format("| rows into PostgreSQL, %,d deposits (one row update each) in batches of %d "
                + "| Skein %,.0f rows/s (%.2f s) | raw JDBC, same statements and transactions, %,.0f rows/s | %.2f |%n",
                deposits, BATCH, skeinRate, skeinSeconds, rawRate, skeinRate / rawRate));

            final long[] lagUs = new long[seconds * 2000];
            final long[] sentNs = new long[rate * seconds + 1];
            int samples = 0;
            final long intervalNs = TimeUnit.SECONDS.toNanos(1) / rate;
            final long base = runner.checkpoint().entrySequence();
            final long runStartNs = System.nanoTime();
            long next = runStartNs;
            int sent = 0;
            long lastSequence = base;
            while (sent < sentNs.length - 1)
            {
                final long now = System.nanoTime();
                while (next <= now && sent < sentNs.length - 1)
                {
                    sentNs[sent] = System.nanoTime();
                    last = commands.deposit(1 + sent % ACCOUNTS, 1);
                    sent++;
                    next += intervalNs;
                }
                final long committed = runner.checkpoint().entrySequence();
                if (committed != lastSequence && samples < lagUs.length)
                {
                    // Every deposit is accepted, one entry each, in order: entry base + i + 1 is deposit i.
                    lastSequence = committed;
                    lagUs[samples++] = (System.nanoTime() - sentNs[(int)(committed - base - 1)]) / 1000;
                }
                LockSupport.parkNanos(50_000);
            }
            last.get(10, TimeUnit.SECONDS);
            runner.close();
            final long[] sorted = Arrays.copyOf(lagUs, samples);
            Arrays.sort(sorted);
            report.append(String.format("| projection lag at %,d deposits/s for %d s (from submitting a deposit to "
                + "its batch committed in PostgreSQL, seen by the sender), %d batches | p50 %,d µs, p99 %,d µs, "
                + "max %,d µs | | |%n", rate, seconds, samples, percentile(sorted, 0.5), percentile(sorted, 0.99),
                samples == 0 ? 0 : sorted[samples - 1]));
        }
        finally
        {
            try (var paths = Files.walk(dir))
            {
                paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
        return report.toString();
    }

    private static long percentile(final long[] sorted, final double p)
    {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int)(sorted.length * p))];
    }

    private static double rawJdbc(final PostgresServer server, final int deposits) throws SQLException
    {
        try (Connection connection = server.connect())
        {
            try (Statement create = connection.createStatement())
            {
                create.execute("CREATE TABLE raw_account (account_id bigint PRIMARY KEY, owner_id bigint NOT NULL)");
                create.execute("CREATE TABLE raw_owner (owner_id bigint PRIMARY KEY, balance bigint NOT NULL, " +
                    "open_accounts int NOT NULL)");
                create.execute("INSERT INTO raw_account SELECT g, g FROM generate_series(1, " + ACCOUNTS + ") g");
                create.execute("INSERT INTO raw_owner SELECT g, 0, 1 FROM generate_series(1, " + ACCOUNTS + ") g");
            }
            connection.setAutoCommit(false);
            final long startNs = System.nanoTime();
            try (PreparedStatement update = connection.prepareStatement("UPDATE raw_owner SET balance = balance + ? " +
                "WHERE owner_id = (SELECT owner_id FROM raw_account WHERE account_id = ?)"))
            {
                for (int i = 0; i < deposits; i++)
                {
                    update.setLong(1, 1);
                    update.setLong(2, 1 + i % ACCOUNTS);
                    update.executeUpdate();
                    if ((i + 1) % BATCH == 0)
                    {
                        connection.commit();
                    }
                }
            }
            connection.commit();
            return deposits / ((System.nanoTime() - startNs) / 1e9);
        }
    }

    /**
     * Bank commands written into one buffer: the engine copies each command into its ring before submit returns.
     */
    private static final class Commands
    {
        private final SkeinEngine engine;
        private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        private final CommandWriter writer = new CommandWriter();
        private final OpenAccountEncoder open = new OpenAccountEncoder();
        private final DepositEncoder deposit = new DepositEncoder();
        private long correlation;

        Commands(final SkeinEngine engine)
        {
            this.engine = engine;
        }

        CompletableFuture<CommandResult> open(final long account)
        {
            writer.wrap(buffer, 0).correlationId(++correlation).aggregate(BankAccount.TYPE_ID, account);
            writer.body(open).ownerId(account).initialDeposit(0);
            return engine.submit(buffer, 0, writer.length());
        }

        CompletableFuture<CommandResult> deposit(final long account, final long amount)
        {
            writer.wrap(buffer, 0).correlationId(++correlation).aggregate(BankAccount.TYPE_ID, account);
            writer.body(deposit).amount(amount);
            return engine.submit(buffer, 0, writer.length());
        }
    }
}
