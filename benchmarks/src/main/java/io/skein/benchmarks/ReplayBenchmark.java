package io.skein.benchmarks;

import java.io.File;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.Subscription;
import io.aeron.archive.client.AeronArchive;
import io.aeron.logbuffer.FragmentHandler;
import io.skein.engine.OfferResult;
import io.skein.engine.SkeinEngine;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.orderbook.OrderBook;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
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
 * Recovery: a journal of {@link #ENTRIES} deposit entries, replayed by a starting engine through its appliers
 * ({@link #skeinRecovery()}), against a raw archive replay of the same recording that only counts fragments
 * ({@link #rawReplay()}). Each is one shot over the whole journal.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED" })
@Warmup(iterations = 3)
@Measurement(iterations = 5)
public class ReplayBenchmark
{
    /**
     * Entries in the journal replayed.
     */
    public static final int ENTRIES = 2_000_000;

    private File dir;
    private EmbeddedArchive archive;
    private Journal journal;
    private Aeron aeron;
    private AeronArchive client;
    private long endPosition;
    private long fragments;

    /**
     * Write the journal through an engine, then reopen it so its end is the recovery target.
     *
     * @throws Exception if the directory cannot be made.
     */
    @Setup
    public void setup() throws Exception
    {
        dir = Files.createTempDirectory("skein-bench-replay").toFile();
        archive = EmbeddedArchive.launch(new EmbeddedArchive.Context().baseDir(dir).termLength(16 * 1024 * 1024)
            .segmentFileLength(256 * 1024 * 1024));
        final File journalDir = new File(dir, "journal");
        try (Journal writing = Journal.launch(new Journal.Context().embeddedArchive(archive).journalDir(journalDir));
            SkeinEngine engine = newEngine(writing))
        {
            writeDeposits(engine, ENTRIES);
        }
        journal = Journal.launch(new Journal.Context().embeddedArchive(archive).journalDir(journalDir));
        endPosition = journal.recoveredEndPosition();
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(archive.aeronDirectoryName()));
        client = AeronArchive.connect(new AeronArchive.Context().aeron(aeron).controlRequestChannel("aeron:ipc")
            .controlResponseChannel("aeron:ipc"));
    }

    /**
     * Stop everything and delete the directory.
     */
    @TearDown
    public void tearDown()
    {
        CloseHelper.closeAll(client, aeron, journal, archive);
        IoUtil.delete(dir, true);
    }

    /**
     * Start an engine on the journal: it replays every entry through the appliers.
     *
     * @return entries recovered.
     */
    @Benchmark
    public long skeinRecovery()
    {
        try (SkeinEngine engine = newEngine(journal))
        {
            if (engine.recoveredEntries() != ENTRIES)
            {
                throw new IllegalStateException("recovered " + engine.recoveredEntries() + " of " + ENTRIES);
            }
            return engine.recoveredEntries();
        }
    }

    /**
     * Replay the same recording raw, counting fragments.
     *
     * @return fragments received.
     */
    @Benchmark
    public long rawReplay()
    {
        fragments = 0;
        final long sessionId = client.startReplay(journal.recordingId(), 0, endPosition, "aeron:ipc", 9001);
        final FragmentHandler handler = (buffer, offset, length, header) -> fragments++;
        try (Subscription subscription = aeron.addSubscription(
            ChannelUri.addSessionId("aeron:ipc", (int)sessionId), 9001))
        {
            while (fragments < ENTRIES)
            {
                if (0 == subscription.poll(handler, 256))
                {
                    Thread.onSpinWait();
                }
            }
        }
        return fragments;
    }

    /**
     * Journal entries through an engine: the account openings, then deposits (one event each), every reply awaited,
     * so all of them are durable on return.
     *
     * @param engine  to send to, with bank accounts.
     * @param entries how many commands in all, more than {@link Workload#ACCOUNTS}.
     */
    static void writeDeposits(final SkeinEngine engine, final int entries)
    {
        final Workload commands = new Workload("account");
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
        final EngineBenchmark.Counter replies = new EngineBenchmark.Counter();
        for (int i = 0; i < entries; i++)
        {
            final int length = i < Workload.ACCOUNTS ? commands.encodeOpen(buffer, i) : commands.encodeNext(buffer);
            while (engine.tryOffer(buffer, 0, length, replies) != OfferResult.OFFERED)
            {
                Thread.onSpinWait();
            }
        }
        while (replies.count < entries)
        {
            Thread.onSpinWait();
        }
    }

    private static SkeinEngine newEngine(final Journal journal)
    {
        return SkeinEngine.launch(new SkeinEngine.Context().name("bench-replay").aggregate(BankAccount::new)
            .aggregate(OrderBook::new).ringSize(4096).idempotencyWindowCapacity(1024).journal(journal));
    }
}
