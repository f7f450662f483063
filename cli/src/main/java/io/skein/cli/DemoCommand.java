package io.skein.cli;

import java.io.PrintStream;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.engine.OfferResult;
import io.skein.engine.ReplyListener;
import io.skein.engine.SkeinEngine;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.orderbook.OrderBook;
import io.skein.examples.orderbook.codecs.*;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import org.HdrHistogram.Histogram;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skein demo}: runs the order-book domain on the embedded default (an in-process archiving media driver and
 * the journal, replies released once recorded), drives it from producer threads with a progress bar, prints
 * throughput, latency percentiles, outcomes and the resulting books, then stops, restarts from the journal and shows
 * that the recovered state matches.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run the order-book demo on the embedded archive: load, report, restart, recover, compare.")
public final class DemoCommand implements Callable<Integer>
{
    @Option(names = "--orders", defaultValue = "300000", description = "Commands to send (default: ${DEFAULT-VALUE}).")
    private int orders;

    @Option(names = "--producers", defaultValue = "2", description = "Producer threads (default: ${DEFAULT-VALUE}).")
    private int producers;

    @Option(names = "--instruments", defaultValue = "8",
        description = "Order books, one per instrument (default: ${DEFAULT-VALUE}).")
    private int instruments;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--dir", description = "Directory for the archive and journal (default: a temporary directory, " +
        "deleted afterwards). An existing journal there is recovered first.")
    private File dir;

    @Option(names = "--sync-level", defaultValue = "0",
        description = "Archive file sync level: 0 survives a process crash, 1-2 also a machine crash " +
        "(default: ${DEFAULT-VALUE}).")
    private int syncLevel;

    private final AtomicLong replies = new AtomicLong();
    private final AtomicLongArray outcomes = new AtomicLongArray(Outcome.values().length);
    private final AtomicLongArray reasons = new AtomicLongArray(RejectReason.values().length);

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call() throws Exception
    {
        if (orders < 1 || producers < 1 || instruments < 1)
        {
            throw new IllegalArgumentException("--orders, --producers and --instruments must be positive");
        }
        final PrintStream out = System.out;
        out.printf("Skein demo: %,d order commands from %d producer threads into %d order books%n",
            orders, producers, instruments);

        final boolean temporary = null == dir;
        final File base = temporary ? Files.createTempDirectory("skein-demo-").toFile() : dir;
        out.printf("Embedded default: archiving media driver and journal in %s, archive file sync level %d,%n" +
            "replies released once the archive has recorded each command's journal entry.%n", base, syncLevel);
        try
        {
            final long hash;
            final long aggregates;
            try (EmbeddedArchive archive = launchArchive(base);
                Journal journal = launchJournal(archive, base);
                SkeinEngine engine = launchEngine(journal))
            {
                if (engine.recoveredEntries() > 0)
                {
                    out.printf("Recovered %,d journal entries from an earlier run.%n", engine.recoveredEntries());
                }
                runLoad(out, engine);
                final long snapshotStartNs = System.nanoTime();
                final long snapshotPosition = engine.takeSnapshot(TimeUnit.SECONDS.toNanos(30));
                out.printf("Snapshot at journal position %,d took %.1f ms (the writer pauses while it is written).%n",
                    snapshotPosition, (System.nanoTime() - snapshotStartNs) / 1e6);
                hash = engine.stateHash(TimeUnit.SECONDS.toNanos(10));
                aggregates = engine.aggregateCount(TimeUnit.SECONDS.toNanos(10));
                out.printf("Journal: %,d bytes recorded (recording %d)%n", journal.durablePosition(),
                    journal.recordingId());
            }
            out.println();
            out.println("Stopped the engine, journal and archive. Restarting from the journal...");
            final long startNs = System.nanoTime();
            try (EmbeddedArchive archive = launchArchive(base);
                Journal journal = launchJournal(archive, base);
                SkeinEngine engine = launchEngine(journal))
            {
                final double ms = (System.nanoTime() - startNs) / 1e6;
                final long recoveredHash = engine.stateHash(TimeUnit.SECONDS.toNanos(10));
                out.printf("Started from the snapshot at journal position %,d, then replayed %,d journal entries " +
                    "through the appliers, in %.0f ms.%n", engine.startedFromSnapshotAt(), engine.recoveredEntries(),
                    ms);
                out.printf("State hash after recovery: %016x over %,d aggregates: %s%n", recoveredHash,
                    engine.aggregateCount(TimeUnit.SECONDS.toNanos(10)),
                    recoveredHash == hash && aggregates > 0 ? "MATCHES the state before the restart" :
                    "DIFFERS from the state before the restart");
                return recoveredHash == hash ? 0 : 2;
            }
        }
        finally
        {
            if (temporary)
            {
                delete(base.toPath());
            }
        }
    }

    private EmbeddedArchive launchArchive(final File base)
    {
        return EmbeddedArchive.launch(new EmbeddedArchive.Context()
            .baseDir(base)
            .termLength(8 * 1024 * 1024)
            .fileSyncLevel(syncLevel));
    }

    private static Journal launchJournal(final EmbeddedArchive archive, final File base)
    {
        return Journal.launch(new Journal.Context().embeddedArchive(archive).journalDir(new File(base, "journal")));
    }

    private static SkeinEngine launchEngine(final Journal journal)
    {
        return SkeinEngine.launch(new SkeinEngine.Context()
            .name("demo")
            .aggregate(OrderBook::new)
            .aggregate(BankAccount::new)
            .ringSize(4096)
            .journal(journal));
    }

    private void runLoad(final PrintStream out, final SkeinEngine engine) throws Exception
    {
        final Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
        final long[] sentAtNs = new long[orders];
        final ReplyListener listener = (reply) ->
        {
            final long now = System.nanoTime();
            latency.recordValue(Math.max(0, now - sentAtNs[(int)reply.correlationId()]));
            outcomes.incrementAndGet(reply.outcome().ordinal());
            if (reply.outcome() == Outcome.REJECTED)
            {
                reasons.incrementAndGet(reply.reason().ordinal());
            }
            replies.incrementAndGet();
        };

        final Thread[] threads = new Thread[producers];
        final long startNs = System.nanoTime();
        for (int p = 0; p < producers; p++)
        {
            final int producer = p;
            threads[p] = new Thread(() -> produce(engine, producer, sentAtNs, listener), "demo-producer-" + p);
            threads[p].start();
        }
        final ProgressBar progress = new ProgressBar(out, orders);
        while (replies.get() < orders)
        {
            progress.update(replies.get(), System.nanoTime() - startNs);
            Thread.sleep(100);
        }
        final long elapsedNs = System.nanoTime() - startNs;
        progress.finish(orders, elapsedNs);
        for (final Thread thread : threads)
        {
            thread.join();
        }
        report(out, engine, latency, elapsedNs);
    }

    private static void delete(final Path path)
    {
        try (Stream<Path> paths = Files.walk(path))
        {
            paths.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    private void produce(
        final SkeinEngine engine, final int producer, final long[] sentAtNs, final ReplyListener listener)
    {
        final Random random = new Random(seed + producer);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        final PlaceLimitOrderEncoder limit = new PlaceLimitOrderEncoder();
        final PlaceMarketOrderEncoder market = new PlaceMarketOrderEncoder();
        final CancelOrderEncoder cancel = new CancelOrderEncoder();
        for (int n = producer; n < orders; n += producers)
        {
            final long instrument = 1 + (n % instruments);
            writer.wrap(buffer, 0).correlationId(n).aggregate(OrderBook.TYPE_ID, instrument)
                .idempotencyKey(seed, n + 1L);
            final int kind = random.nextInt(100);
            final Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
            if (kind < 75)
            {
                final long price = 1_000 + random.nextInt(21) - 10 + (side == Side.BUY ? -3 : 3);
                writer.body(limit).orderId(n + 1L).traderId(producer).side(side).price(price)
                    .quantity(1 + random.nextInt(100));
            }
            else if (kind < 90)
            {
                writer.body(market).orderId(n + 1L).traderId(producer).side(side).quantity(1 + random.nextInt(50));
            }
            else
            {
                writer.body(cancel).orderId(Math.max(1, n + 1L - producers * (1 + random.nextInt(64))));
            }
            final int length = writer.length();
            sentAtNs[n] = System.nanoTime();
            while (engine.tryOffer(buffer, 0, length, listener) == OfferResult.BACK_PRESSURED)
            {
                Thread.yield();
            }
        }
    }

    private void report(final PrintStream out, final SkeinEngine engine, final Histogram latency, final long elapsedNs)
        throws Exception
    {
        final double seconds = elapsedNs / 1e9;
        out.println();
        out.printf("Throughput: %,.0f commands/s (%,d commands in %.2f s)%n", orders / seconds, orders, seconds);
        out.println("Latency, offer to durable reply, producers flooding the ring (mostly queueing), microseconds:");
        out.printf("  p50 %.1f  p90 %.1f  p99 %.1f  p99.9 %.1f  p99.99 %.1f  max %.1f%n",
            latency.getValueAtPercentile(50) / 1e3, latency.getValueAtPercentile(90) / 1e3,
            latency.getValueAtPercentile(99) / 1e3, latency.getValueAtPercentile(99.9) / 1e3,
            latency.getValueAtPercentile(99.99) / 1e3, latency.getMaxValue() / 1e3);
        out.printf("Outcomes: accepted %,d  rejected %,d  conflicts %,d  duplicates %,d  errors %,d%n",
            outcomes.get(Outcome.ACCEPTED.ordinal()), outcomes.get(Outcome.REJECTED.ordinal()),
            outcomes.get(Outcome.CONFLICT.ordinal()), outcomes.get(Outcome.DUPLICATE.ordinal()),
            outcomes.get(Outcome.ERROR.ordinal()));
        final StringBuilder rejected = new StringBuilder();
        for (final RejectReason reason : RejectReason.values())
        {
            if (reasons.get(reason.ordinal()) > 0)
            {
                rejected.append(rejected.length() > 0 ? ", " : "").append(reason).append(' ')
                    .append(reasons.get(reason.ordinal()));
            }
        }
        if (rejected.length() > 0)
        {
            out.println("Rejections by reason: " + rejected + " (unknown orders are cancels of filled orders)");
        }

        out.println("Books:");
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        final CommandWriter writer = new CommandWriter();
        final BookTopDecoder top = new BookTopDecoder();
        for (long instrument = 1; instrument <= instruments; instrument++)
        {
            writer.wrap(buffer, 0).correlationId(0).aggregate(OrderBook.TYPE_ID, instrument);
            writer.body(new BestPricesEncoder()).unused(0);
            final CommandResult result = engine.submit(buffer, 0, writer.length()).get(5, TimeUnit.SECONDS);
            top.wrap(result.payload(), 8, BookTopDecoder.BLOCK_LENGTH, BookTopDecoder.SCHEMA_VERSION);
            out.printf("  instrument %d: bid %,d x %d  ask %,d x %d  resting %,d  trades %,d  volume %,d  (v%d)%n",
                instrument, top.bestBid(), top.bidQuantity(), top.bestAsk(), top.askQuantity(), top.restingOrders(),
                top.tradeCount(), top.tradedVolume(), result.version());
        }
        out.printf("State hash: %016x over %,d aggregates%n",
            engine.stateHash(TimeUnit.SECONDS.toNanos(5)), engine.aggregateCount(TimeUnit.SECONDS.toNanos(5)));
        out.println("Counters: " + engine.counters());
    }

    private static final class ProgressBar
    {
        private static final int WIDTH = 40;
        private final PrintStream out;
        private final long total;

        ProgressBar(final PrintStream out, final long total)
        {
            this.out = out;
            this.total = total;
        }

        void update(final long done, final long elapsedNs)
        {
            final int filled = (int)(WIDTH * done / total);
            final double rate = elapsedNs > 0 ? done / (elapsedNs / 1e9) : 0;
            out.printf("\r[%s%s] %3d%%  %,d/%,d  %,.0f cmd/s ", "#".repeat(filled), ".".repeat(WIDTH - filled),
                100 * done / total, done, total, rate);
            out.flush();
        }

        void finish(final long done, final long elapsedNs)
        {
            update(done, elapsedNs);
            out.println();
        }
    }
}
