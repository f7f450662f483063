package io.skein.benchmarks;

import java.io.File;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.skein.engine.OfferResult;
import io.skein.engine.SkeinEngine;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.orderbook.OrderBook;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.projection.EventSource;
import io.skein.projection.EventSubscription;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Engine with the journal in RECORDED durability on the embedded archive: commands per second where each batch's
 * replies are awaited, so every counted command was recorded. Compare with {@link RawArchiveBenchmark}, the archive
 * recording entries of the same size with no engine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED" })
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class JournaledBenchmark
{
    @Param({ "account" })
    String workload;

    /**
     * {@code none}, or {@code behind}: a subscriber reads the journal from its start, far behind and slowly (it
     * parks 50 µs every 64 events), for as long as the writer runs. The suite runs {@code none}; compare with
     * {@code -p subscriber=none,behind}.
     */
    @Param({ "none" })
    String subscriber;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
    private final EngineBenchmark.Counter replies = new EngineBenchmark.Counter();
    private File dir;
    private EmbeddedArchive archive;
    private Journal journal;
    private SkeinEngine engine;
    private Workload commands;
    private long sent;
    private EventSubscription behind;
    private long seen;

    /**
     * Start the embedded archive, journal and engine in a temporary directory.
     *
     * @throws Exception if the directory cannot be made.
     */
    @Setup
    public void setup() throws Exception
    {
        dir = Files.createTempDirectory("skein-bench-journal").toFile();
        archive = EmbeddedArchive.launch(new EmbeddedArchive.Context().baseDir(dir).termLength(16 * 1024 * 1024)
            .segmentFileLength(256 * 1024 * 1024));
        journal = Journal.launch(new Journal.Context().embeddedArchive(archive).journalDir(new File(dir, "journal")));
        engine = SkeinEngine.launch(new SkeinEngine.Context().name("bench-journaled").aggregate(BankAccount::new)
            .aggregate(OrderBook::new).ringSize(4096).journal(journal));
        commands = new Workload(workload);
        if (!commands.isOrderBook())
        {
            for (int i = 0; i < Workload.ACCOUNTS; i++)
            {
                send(commands.encodeOpen(buffer, i));
            }
            await();
        }
        if ("behind".equals(subscriber))
        {
            // History to be far behind in: 200,000 entries before the subscriber starts.
            for (int i = 0; i < 200_000; i++)
            {
                send(commands.encodeNext(buffer));
            }
            await();
            behind = EventSubscription.start("behind", EventSource.of(engine), EventSubscription.FROM_START, null,
                (event) ->
                {
                    if ((++seen & 63) == 0)
                    {
                        LockSupport.parkNanos(50_000);
                    }
                }, Throwable::printStackTrace);
        }
    }

    /**
     * Stop everything and delete the directory.
     */
    @TearDown
    public void tearDown()
    {
        if (null != behind)
        {
            System.out.printf("%nsubscriber behind: %,d events read, %,d entries behind at the end%n",
                behind.delivered(), engine.counters().journalEntries().get() - behind.entrySequence());
        }
        CloseHelper.closeAll(behind, engine, journal, archive);
        IoUtil.delete(dir, true);
    }

    /**
     * Send a batch and wait for every (durable) reply.
     *
     * @return replies so far.
     */
    @Benchmark
    @OperationsPerInvocation(EngineBenchmark.BATCH)
    public long commands()
    {
        for (int i = 0; i < EngineBenchmark.BATCH; i++)
        {
            send(commands.encodeNext(buffer));
        }
        return await();
    }

    private void send(final int length)
    {
        // Back off like the raw Disruptor's next() does when the ring is full: park, do not spin.
        while (engine.tryOffer(buffer, 0, length, replies) != OfferResult.OFFERED)
        {
            LockSupport.parkNanos(1);
        }
        sent++;
    }

    private long await()
    {
        long count;
        while ((count = replies.count) < sent)
        {
            Thread.yield();
        }
        return count;
    }
}
