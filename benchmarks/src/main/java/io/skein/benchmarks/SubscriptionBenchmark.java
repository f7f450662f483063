package io.skein.benchmarks;

import java.io.File;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.Subscription;
import io.aeron.archive.client.AeronArchive;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.skein.engine.SkeinEngine;
import io.skein.examples.bank.BankAccount;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.projection.EventSource;
import io.skein.projection.EventSubscription;
import io.skein.protocol.EventFilter;
import io.skein.protocol.EventHandler;
import io.skein.protocol.JournalEvents;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.IoUtil;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The read side catching up: a journal of {@link #ENTRIES} deposit entries (one event each) written through an
 * embedded engine, which stays up; one op is one full catch-up from position 0 to the journal's end.
 * {@link #subscription} opens an {@link EventSubscription} from the start and polls it on the benchmark thread until
 * it has handed over every event (entries reassembled, each checked, sequences checked, handed to a handler that
 * counts); {@link #rawReplay} is the baseline in the same run, a raw archive replay of the same recording over the
 * same range, with a fragment handler that only counts. Both start their replay, and the subscription also stops its
 * own (it follows live, so it never ends by itself), inside the op.
 * <p>
 * Events per second = ops/s × {@link #ENTRIES}; JMH also reports it directly as the {@code events} counter (a rate,
 * summed over the iteration). It includes each catch-up's start: a replay takes tens of milliseconds to deliver its
 * first fragment (about 45 to 70 ms on a shared 2-core machine, for the raw replay as for the subscription), so it
 * understates the rate once streaming; comparing {@code -p entries=50000} with 200,000 separates the two. With
 * {@code -prof gc}, {@code gc.alloc.rate.norm} is bytes per catch-up: opening and closing a replay costs a fixed
 * amount, so a steady state that allocates nothing per event shows as the same figure for 50,000 entries as for
 * 200,000 (a run with no warm-up is no guide: the cold code allocates).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED" })
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SubscriptionBenchmark
{
    /**
     * Entries (and events) in the journal by default.
     */
    public static final int ENTRIES = 200_000;

    private static final int FRAGMENT_LIMIT = 256;
    private static final int REPLAY_STREAM_ID = 9002;

    @Param({ "200000" })
    int entries;

    private final EventHandler countEvent = this::onEvent;
    private final FragmentHandler countFragment = this::onFragment;
    private final ErrorHandler keepError = this::onError;
    private File dir;
    private EmbeddedArchive archive;
    private Journal journal;
    private SkeinEngine engine;
    private EventSource source;
    private Aeron aeron;
    private AeronArchive client;
    private long endPosition;
    private long counted;
    private Throwable error;

    /**
     * Events handed over in an iteration: JMH reports it as a rate, events per second.
     */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Events
    {
        /**
         * Events (or, for the raw replay, fragments: one per entry) counted.
         */
        public long events;

        /**
         * Start each iteration from zero.
         */
        @Setup(Level.Iteration)
        public void reset()
        {
            events = 0;
        }
    }

    /**
     * Write the journal through an engine that stays up, and connect the raw baseline's archive client.
     *
     * @throws Exception if the directory cannot be made.
     */
    @Setup(Level.Trial)
    public void setup() throws Exception
    {
        dir = Files.createTempDirectory("skein-bench-subscription").toFile();
        archive = EmbeddedArchive.launch(new EmbeddedArchive.Context().baseDir(dir).termLength(16 * 1024 * 1024)
            .segmentFileLength(256 * 1024 * 1024));
        journal = Journal.launch(new Journal.Context().embeddedArchive(archive).journalDir(new File(dir, "journal")));
        engine = SkeinEngine.launch(new SkeinEngine.Context().name("bench-subscription").aggregate(BankAccount::new)
            .ringSize(4096).idempotencyWindowCapacity(1024).snapshotOnClose(false).journal(journal));
        ReplayBenchmark.writeDeposits(engine, entries);
        source = EventSource.of(engine);
        endPosition = source.durablePosition();
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(archive.aeronDirectoryName()));
        client = AeronArchive.connect(new AeronArchive.Context().aeron(aeron).controlRequestChannel("aeron:ipc")
            .controlResponseChannel("aeron:ipc"));
        System.out.printf("%nsubscription benchmark: %,d entries, journal end position %,d (%.1f MB)%n", entries,
            endPosition, endPosition / 1e6);
    }

    /**
     * Stop everything and delete the directory.
     */
    @TearDown(Level.Trial)
    public void tearDown()
    {
        CloseHelper.closeAll(client, aeron, engine, journal, archive);
        IoUtil.delete(dir, true);
    }

    /**
     * Catch up from position 0 to the end with an event subscription polled on this thread.
     *
     * @param events counter of events handed over.
     * @return events handed over.
     */
    @Benchmark
    public long subscription(final Events events)
    {
        counted = 0;
        try (EventSubscription subscription = EventSubscription.open(
            source, EventSubscription.FROM_START, EventFilter.ALL, countEvent, keepError))
        {
            while (subscription.position() < endPosition)
            {
                if (0 == subscription.poll(FRAGMENT_LIMIT))
                {
                    if (EventSubscription.State.FAILED == subscription.state() || null != error)
                    {
                        throw new IllegalStateException("subscription failed at " + subscription.position(), error);
                    }
                    Thread.onSpinWait();
                }
            }
        }
        if (counted != entries)
        {
            throw new IllegalStateException("handed over " + counted + " events of " + entries);
        }
        events.events += counted;
        return counted;
    }

    /**
     * Replay the same recording raw over the same range, counting fragments.
     *
     * @param events counter of fragments received.
     * @return fragments received.
     */
    @Benchmark
    public long rawReplay(final Events events)
    {
        counted = 0;
        final long sessionId = client.startReplay(
            journal.recordingId(), 0, endPosition, "aeron:ipc", REPLAY_STREAM_ID);
        try (Subscription subscription = aeron.addSubscription(
            ChannelUri.addSessionId("aeron:ipc", (int)sessionId), REPLAY_STREAM_ID))
        {
            while (counted < entries)
            {
                if (0 == subscription.poll(countFragment, FRAGMENT_LIMIT))
                {
                    Thread.onSpinWait();
                }
            }
        }
        events.events += counted;
        return counted;
    }

    private void onEvent(final JournalEvents event)
    {
        counted++;
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        counted++;
    }

    private void onError(final Throwable ex)
    {
        error = ex;
    }
}
