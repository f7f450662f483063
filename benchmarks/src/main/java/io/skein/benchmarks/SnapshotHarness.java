package io.skein.benchmarks;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.skein.codecs.Outcome;
import io.skein.engine.OfferResult;
import io.skein.engine.ReplyListener;
import io.skein.engine.SkeinEngine;
import io.skein.engine.SnapshotMode;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.journal.RecordingLog;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinProtocol;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Snapshots of many aggregates (bank accounts, journaled): how long an inline snapshot pauses the writer (seen as the
 * longest command latency of a probe sending one command at a time during it) against an off-writer snapshot; the
 * snapshot write and load rates (MB/s and aggregates/s); and restart time from the snapshot against a full replay of
 * the journal that built the same state.
 */
public final class SnapshotHarness
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(300);
    private static final ReplyListener IGNORE = SnapshotHarness::ignore;

    private final int aggregates;
    private final StringBuilder json = new StringBuilder();
    private final StringBuilder table = new StringBuilder();

    private SnapshotHarness(final int aggregates)
    {
        this.aggregates = aggregates;
    }

    /**
     * Run on its own.
     *
     * @param args {@code --smoke} for a quick check that it runs.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final boolean smoke = args.length > 0 && "--smoke".equals(args[0]);
        System.out.println(run(smoke, new File("benchmarks/target/results")));
    }

    /**
     * Run the snapshot measurements and write {@code snapshots.json}.
     *
     * @param smoke  10,000 aggregates instead of 1,000,000: checks it runs.
     * @param output directory for the results.
     * @return the Markdown table.
     * @throws Exception if a run fails.
     */
    public static String run(final boolean smoke, final File output) throws Exception
    {
        Files.createDirectories(output.toPath());
        final SnapshotHarness harness = new SnapshotHarness(smoke ? 10_000 : 1_000_000);
        harness.measure();
        Files.write(new File(output, "snapshots.json").toPath(),
            ("{" + harness.json + "}\n").getBytes(StandardCharsets.UTF_8));
        return harness.table.toString();
    }

    private void measure() throws Exception
    {
        final File dir = Files.createTempDirectory("skein-snapshots-").toFile();
        try
        {
            final long inlinePauseNs;
            final long inlineSnapshotNs;
            final long offWriterPauseNs;
            final long offWriterSnapshotNs;
            final long snapshotBytes;
            final long hash;
            try (EmbeddedArchive archive = launchArchive(dir); Journal journal = launchJournal(archive, dir))
            {
                try (SkeinEngine engine = SkeinEngine.launch(context(journal, SnapshotMode.INLINE)))
                {
                    System.out.printf("snapshots: opening %,d accounts%n", aggregates);
                    load(engine);
                    final long[] inline = snapshotUnderProbe(engine);
                    inlineSnapshotNs = inline[0];
                    inlinePauseNs = inline[1];
                    hash = engine.stateHash(TIMEOUT_NS);
                }
                final RecordingLog.Entry latest = journal.recordingLog().latest(RecordingLog.TYPE_SNAPSHOT);
                snapshotBytes = journal.recordingLength(latest.recordingId());
            }
            try (EmbeddedArchive archive = launchArchive(dir); Journal journal = launchJournal(archive, dir);
                SkeinEngine engine = SkeinEngine.launch(context(journal, SnapshotMode.OFF_WRITER)))
            {
                send(engine, aggregates, depositCommands());
                final long[] offWriter = snapshotUnderProbe(engine);
                offWriterSnapshotNs = offWriter[0];
                offWriterPauseNs = offWriter[1];
            }

            final long restartNs;
            final long replayNs;
            final long entries;
            try (EmbeddedArchive archive = launchArchive(dir); Journal journal = launchJournal(archive, dir))
            {
                final long startNs = System.nanoTime();
                try (SkeinEngine engine = SkeinEngine.launch(context(journal, SnapshotMode.INLINE)))
                {
                    restartNs = System.nanoTime() - startNs;
                    if (engine.startedFromSnapshotAt() < 0)
                    {
                        throw new IllegalStateException("the restart did not use the snapshot");
                    }
                }
            }
            try (EmbeddedArchive archive = launchArchive(dir); Journal journal = launchJournal(archive, dir))
            {
                final long startNs = System.nanoTime();
                try (SkeinEngine engine = SkeinEngine.launch(context(journal, SnapshotMode.INLINE)
                    .useSnapshots(false)))
                {
                    replayNs = System.nanoTime() - startNs;
                    entries = engine.recoveredEntries();
                }
            }

            final double megabytes = snapshotBytes / 1e6;
            json.append(String.format(Locale.ROOT, "\"aggregates\":%d,\"snapshotBytes\":%d," +
                "\"inlineSnapshotMs\":%.1f,\"inlineWriterPauseMs\":%.1f,\"offWriterSnapshotMs\":%.1f," +
                "\"offWriterWriterPauseMs\":%.1f,\"restartFromSnapshotMs\":%.1f,\"fullReplayMs\":%.1f," +
                "\"replayedEntries\":%d,\"stateHash\":\"%016x\"", aggregates, snapshotBytes, inlineSnapshotNs / 1e6,
                inlinePauseNs / 1e6, offWriterSnapshotNs / 1e6, offWriterPauseNs / 1e6, restartNs / 1e6,
                replayNs / 1e6, entries, hash));
            table.append(String.format(Locale.ROOT, "| snapshots of %,d accounts (%.1f MB) | measured | |%n" +
                "|---|---|---|%n", aggregates, megabytes));
            table.append(String.format(Locale.ROOT, "| inline snapshot: write | %.0f ms: %.0f MB/s, %.2f M " +
                "aggregates/s | writer paused: longest probe command %.1f ms |%n", inlineSnapshotNs / 1e6,
                megabytes / (inlineSnapshotNs / 1e9), aggregates / (inlineSnapshotNs / 1e9) / 1e6,
                inlinePauseNs / 1e6));
            table.append(String.format(Locale.ROOT, "| off-writer snapshot: build (replay from the previous " +
                "snapshot) and write | %.0f ms | writer: longest probe command %.1f ms |%n", offWriterSnapshotNs / 1e6,
                offWriterPauseNs / 1e6));
            table.append(String.format(Locale.ROOT, "| restart from the snapshot (load and start) | %.0f ms: %.0f " +
                "MB/s, %.2f M aggregates/s | full replay of the %,d-entry journal instead: %.0f ms (%.1fx) |%n",
                restartNs / 1e6, megabytes / (restartNs / 1e9), aggregates / (restartNs / 1e9) / 1e6, entries,
                replayNs / 1e6, (double)replayNs / restartNs));
            final double millions = aggregates / 1e6;
            final double restartMsPerMillion = restartNs / 1e6 / millions;
            final double loadMegabytesPerSecond = megabytes / (restartNs / 1e9);
            Targets.add("restart from a snapshot of 1 M accounts ≤ 300 ms (load ≥ 400 MB/s)", String.format(
                Locale.ROOT, "%.0f ms for %,d accounts (%.0f ms per million), %.0f MB/s", restartNs / 1e6, aggregates,
                restartMsPerMillion, loadMegabytesPerSecond), restartMsPerMillion <= 300 && loadMegabytesPerSecond >=
                400);
            final double pauseMsPerMillion = inlinePauseNs / 1e6 / millions;
            Targets.add("an inline snapshot pauses the writer ≤ 200 ms per million aggregates (or off-writer is the " +
                "default)", String.format(Locale.ROOT, "%.0f ms for %,d (%.0f ms per million); off-writer pauses it " +
                "%.1f ms but is not the default", inlinePauseNs / 1e6, aggregates, pauseMsPerMillion,
                offWriterPauseNs / 1e6), pauseMsPerMillion <= 200);
        }
        finally
        {
            IoUtil.delete(dir, true);
        }
    }

    private static void ignore(final Reply reply)
    {
    }

    private int depositCommands()
    {
        return Math.max(1_000, aggregates / 10);
    }

    /**
     * Take a snapshot while a probe thread sends one deposit at a time and records the longest wait for a reply.
     *
     * @return the snapshot's duration and the probe's longest command latency, in nanoseconds.
     */
    private long[] snapshotUnderProbe(final SkeinEngine engine) throws Exception
    {
        final AtomicLong longestNs = new AtomicLong();
        final CompletableFuture<Void> stop = new CompletableFuture<>();
        final Thread probe = new Thread(() ->
        {
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
            final CommandWriter writer = new CommandWriter();
            final DepositEncoder deposit = new DepositEncoder();
            long n = 0;
            while (!stop.isDone())
            {
                writer.wrap(buffer, 0).correlationId(n).aggregate(BankAccount.TYPE_ID, 1 + (n % aggregates));
                writer.body(deposit).amount(1);
                final long startNs = System.nanoTime();
                try
                {
                    engine.submit(buffer, 0, writer.length()).get(60, TimeUnit.SECONDS);
                }
                catch (final Exception ex)
                {
                    throw new IllegalStateException(ex);
                }
                longestNs.accumulateAndGet(System.nanoTime() - startNs, Math::max);
                n++;
            }
        }, "snapshot-probe");
        probe.start();
        Thread.sleep(200);
        longestNs.set(0);
        final long startNs = System.nanoTime();
        engine.takeSnapshot(TIMEOUT_NS);
        final long snapshotNs = System.nanoTime() - startNs;
        stop.complete(null);
        probe.join();
        return new long[] {snapshotNs, longestNs.get()};
    }

    private void load(final SkeinEngine engine) throws Exception
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        final OpenAccountEncoder open = new OpenAccountEncoder();
        final AtomicLong accepted = new AtomicLong();
        final ReplyListener listener = (reply) ->
        {
            if (reply.outcome() == Outcome.ACCEPTED)
            {
                accepted.incrementAndGet();
            }
        };
        for (int i = 1; i <= aggregates; i++)
        {
            writer.wrap(buffer, 0).correlationId(i).aggregate(BankAccount.TYPE_ID, i)
                .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
            writer.body(open).ownerId(i).initialDeposit(100);
            if (engine.offer(buffer, 0, writer.length(), listener, TIMEOUT_NS) != OfferResult.OFFERED)
            {
                throw new IllegalStateException("could not offer");
            }
        }
        send(engine, 0, depositCommands());
        final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
        while (accepted.get() < aggregates)
        {
            if (System.nanoTime() > deadlineNs)
            {
                throw new IllegalStateException("accounts opened: " + accepted.get());
            }
            Thread.sleep(1);
        }
    }

    private void send(final SkeinEngine engine, final long from, final int count) throws Exception
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        final DepositEncoder deposit = new DepositEncoder();
        for (long i = from; i < from + count; i++)
        {
            writer.wrap(buffer, 0).correlationId(i).aggregate(BankAccount.TYPE_ID, 1 + (i % aggregates))
                .idempotencyKey(0x5EED, i + 1);
            writer.body(deposit).amount(1);
            engine.offer(buffer, 0, writer.length(), IGNORE, TIMEOUT_NS);
        }
        writer.wrap(buffer, 0).correlationId(-1).aggregate(BankAccount.TYPE_ID, 1);
        writer.body(deposit).amount(1);
        engine.submit(buffer, 0, writer.length()).get(60, TimeUnit.SECONDS);
    }

    private static SkeinEngine.Context context(final Journal journal, final SnapshotMode mode)
    {
        return new SkeinEngine.Context()
            .name("snapshots")
            .aggregate(BankAccount::new)
            .ringSize(4096)
            .snapshotMode(mode)
            .snapshotOnClose(false)
            .snapshotRetention(0)
            .journal(journal);
    }

    private static EmbeddedArchive launchArchive(final File dir)
    {
        return EmbeddedArchive.launch(new EmbeddedArchive.Context().baseDir(dir).termLength(16 * 1024 * 1024));
    }

    private static Journal launchJournal(final EmbeddedArchive archive, final File dir)
    {
        return Journal.launch(new Journal.Context().embeddedArchive(archive).journalDir(new File(dir, "journal")));
    }
}
