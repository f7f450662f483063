package io.skein.benchmarks;

import java.io.File;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.engine.SkeinEngine;
import io.skein.engine.SyncCaller;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.bank.codecs.TransferEncoder;
import io.skein.examples.bank.codecs.WithdrawEncoder;
import io.skein.examples.orderbook.OrderBook;
import io.skein.examples.orderbook.codecs.PlaceFundedLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.Side;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinProtocol;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A transfer between two accounts, one caller waiting for each durable reply, on a journaled engine: what a service
 * moving money gets. Three ways, in the same run:
 * <ul>
 *     <li>{@code deposit}: the baseline, one command changing one account;</li>
 *     <li>{@code transfer}: one {@code Transfer} command changing both accounts, one journal entry;</li>
 *     <li>{@code saga}: the same transfer as two commands, a {@code Withdraw} from the payer and then, once it is
 *     durable, a {@code Deposit} to the payee: the least a saga does (no compensation, no process state).</li>
 * </ul>
 * And the same across aggregate types, an order book with risk against one without, alternating a buy that rests
 * and a sell that fills it at one price, so the book stays at most one order deep:
 * <ul>
 *     <li>{@code unfundedOrder}: {@code PlaceLimitOrder}, the book alone;</li>
 *     <li>{@code fundedOrder}: {@code PlaceFundedLimitOrder}, which also reads both traders' accounts, reserves the
 *     order's funds and, for the sell, settles the trade on four accounts, all in the order's one entry.</li>
 * </ul>
 * Each reply is waited for, so the figures are operations per second of one synchronous caller; allocation is
 * measured with {@code -prof gc}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
    "-Xms1g", "-Xmx1g" })
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TransferBenchmark
{
    private static final int ACCOUNTS = 1_000;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final long FUNDED_BOOK = 1;
    private static final long UNFUNDED_BOOK = 2;
    private static final long BUYER = 1_000_000;
    private static final long SELLER = 1_000_001;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
    private final CommandWriter writer = new CommandWriter();
    private final DepositEncoder deposit = new DepositEncoder();
    private final WithdrawEncoder withdraw = new WithdrawEncoder();
    private final TransferEncoder transfer = new TransferEncoder();
    private final PlaceFundedLimitOrderEncoder fundedOrder = new PlaceFundedLimitOrderEncoder();
    private final PlaceLimitOrderEncoder unfundedOrder = new PlaceLimitOrderEncoder();
    private File dir;
    private EmbeddedArchive archive;
    private Journal journal;
    private SkeinEngine engine;
    private SyncCaller caller;
    private long n;

    /**
     * Start a journaled engine with the accounts open, each with enough money for the whole run.
     */
    @Setup
    public void setup() throws Exception
    {
        dir = Files.createTempDirectory("skein-bench-transfer").toFile();
        archive = EmbeddedArchive.launch(new EmbeddedArchive.Context().baseDir(dir).termLength(16 * 1024 * 1024)
            .segmentFileLength(256 * 1024 * 1024));
        journal = Journal.launch(new Journal.Context().embeddedArchive(archive).journalDir(new File(dir, "journal")));
        engine = SkeinEngine.launch(new SkeinEngine.Context().name("bench-transfer").aggregate(BankAccount::new)
            .aggregate(OrderBook::new).ringSize(4096).journal(journal));
        caller = engine.newSyncCaller();
        final OpenAccountEncoder open = new OpenAccountEncoder();
        for (int account = 0; account < ACCOUNTS; account++)
        {
            writer.wrap(buffer, 0).correlationId(-1 - account).aggregate(BankAccount.TYPE_ID, account)
                .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
            writer.body(open).ownerId(account).initialDeposit(Long.MAX_VALUE / 4);
            check(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
        }
        for (final long trader : new long[] {BUYER, SELLER})
        {
            for (final long account : new long[] {baseAccount(trader), quoteAccount(trader)})
            {
                writer.wrap(buffer, 0).correlationId(-account).aggregate(BankAccount.TYPE_ID, account)
                    .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
                writer.body(open).ownerId(trader).initialDeposit(Long.MAX_VALUE / 4);
                check(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
            }
        }
    }

    /**
     * Stop the engine and delete its journal.
     */
    @TearDown
    public void tearDown()
    {
        CloseHelper.closeAll(engine, journal, archive);
        IoUtil.delete(dir, true);
    }

    /**
     * One deposit.
     *
     * @return the account's new version.
     */
    @Benchmark
    public long deposit()
    {
        final long i = n++;
        writer.wrap(buffer, 0).correlationId(i).aggregate(BankAccount.TYPE_ID, payer(i));
        writer.body(deposit).amount(1);
        return check(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
    }

    /**
     * One transfer command: both accounts in one entry.
     *
     * @return the payer's new version.
     */
    @Benchmark
    public long transfer()
    {
        final long i = n++;
        writer.wrap(buffer, 0).correlationId(i).aggregate(BankAccount.TYPE_ID, payer(i));
        writer.body(transfer).toAccountId(payee(i)).amount(1).toExpectedVersion(SkeinProtocol.ANY_VERSION);
        return check(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
    }

    /**
     * The same transfer as two commands, the second sent once the first is durable.
     *
     * @return the payee's new version.
     */
    @Benchmark
    public long saga()
    {
        final long i = n++;
        writer.wrap(buffer, 0).correlationId(2 * i).aggregate(BankAccount.TYPE_ID, payer(i));
        writer.body(withdraw).amount(1);
        check(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
        writer.wrap(buffer, 0).correlationId(2 * i + 1).aggregate(BankAccount.TYPE_ID, payee(i));
        writer.body(deposit).amount(1);
        return check(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
    }

    /**
     * A funded limit order: a buy that rests, reserving its funds, or a sell that fills it, settling the trade on
     * both traders' accounts.
     *
     * @return the book's new version.
     */
    @Benchmark
    public long fundedOrder()
    {
        final long i = n++;
        final boolean buy = (i & 1) == 0;
        final long trader = buy ? BUYER : SELLER;
        writer.wrap(buffer, 0).correlationId(i).aggregate(OrderBook.TYPE_ID, FUNDED_BOOK);
        writer.body(fundedOrder).orderId(i + 1).traderId(trader).side(buy ? Side.BUY : Side.SELL).price(100)
            .quantity(1).baseAccountId(baseAccount(trader)).quoteAccountId(quoteAccount(trader));
        return check(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
    }

    /**
     * The same order flow on a book without risk.
     *
     * @return the book's new version.
     */
    @Benchmark
    public long unfundedOrder()
    {
        final long i = n++;
        final boolean buy = (i & 1) == 0;
        writer.wrap(buffer, 0).correlationId(i).aggregate(OrderBook.TYPE_ID, UNFUNDED_BOOK);
        writer.body(unfundedOrder).orderId(i + 1).traderId(buy ? BUYER : SELLER).side(buy ? Side.BUY : Side.SELL)
            .price(100).quantity(1);
        return check(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
    }

    private static long baseAccount(final long trader)
    {
        return 2 * trader;
    }

    private static long quoteAccount(final long trader)
    {
        return 2 * trader + 1;
    }

    private static long payer(final long i)
    {
        return (i * 7) % ACCOUNTS;
    }

    private static long payee(final long i)
    {
        return (i * 7 + 1 + i % (ACCOUNTS - 1)) % ACCOUNTS;
    }

    private static long check(final Reply reply)
    {
        if (reply.outcome() != Outcome.ACCEPTED)
        {
            throw new IllegalStateException("not accepted: " + reply.outcome() + " " + reply.reason());
        }
        return reply.version();
    }
}
