package io.skein.benchmarks;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import com.lmax.disruptor.SleepingWaitStrategy;
import io.skein.client.SkeinClient;
import io.skein.codecs.Outcome;
import io.skein.engine.SkeinEngine;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.node.SkeinNode;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * CPU at rest and the first command after a rest: an embedded engine with its journal, a node, and a node with a
 * REPLICATED follower (both in this process), each sent one command, then left alone while every thread's CPU time
 * is read (the JVM's own threads included: this is what a deployment pays for an idle Skein). After the rest one
 * command is sent and timed from send to reply, then a few more after shorter rests; the slowest is reported.
 */
public final class IdleHarness
{
    private static final int AFTER_REST_SAMPLES = 5;

    private final boolean smoke;
    private final boolean sleeping = "sleeping".equals(System.getProperty("skein.idle.wait"));
    private final long restNs;
    private final StringBuilder table = new StringBuilder();
    private final StringBuilder json = new StringBuilder();
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private long correlationId = 1;

    private IdleHarness(final boolean smoke)
    {
        this.smoke = smoke;
        this.restNs = TimeUnit.SECONDS.toNanos(smoke ? 2 : 30);
    }

    /**
     * Run the idle measurements on their own.
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
     * Measure every deployment at rest and write {@code idle.json}.
     *
     * @param smoke  short rests, for a check that it runs.
     * @param output directory for the JSON.
     * @return a Markdown table of the figures.
     * @throws Exception if a run fails.
     */
    public static String run(final boolean smoke, final File output) throws Exception
    {
        final IdleHarness harness = new IdleHarness(smoke);
        harness.table.append("Wait strategy: ").append(harness.sleeping ? "Disruptor's SleepingWaitStrategy" :
            "the engine's default").append("\n\n");
        harness.table.append("| at rest (").append(harness.restNs / 1_000_000_000L)
            .append(" s) | CPU, % of one core (all threads) | busiest threads (% of one core) | first command " +
            "after the rest, slowest of ").append(AFTER_REST_SAMPLES + 1).append(" (µs) | target |\n")
            .append("|---|---|---|---|---|\n");
        harness.json.append("[\n");
        harness.rawHandOff();
        harness.inMemoryEngine();
        harness.embeddedEngine();
        harness.node();
        harness.nodeWithFollower();
        harness.json.setLength(harness.json.length() - 2);
        harness.json.append("\n]\n");
        Files.createDirectories(output.toPath());
        Files.write(new File(output, "idle.json").toPath(), harness.json.toString().getBytes(StandardCharsets.UTF_8));
        return harness.table.toString();
    }

    /**
     * The baseline for the first command after a rest: a request handed to a sleeping thread and the answer handed
     * back (two wake-ups), which is what the machine's scheduler costs with nothing of Skein's in the way.
     */
    private void rawHandOff() throws Exception
    {
        final SynchronousQueue<Long> requests = new SynchronousQueue<>();
        final SynchronousQueue<Long> answers = new SynchronousQueue<>();
        final Thread echo = new Thread(() ->
        {
            try
            {
                while (true)
                {
                    answers.put(requests.take());
                }
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
        }, "raw-echo");
        echo.setDaemon(true);
        echo.start();
        try
        {
            measure("raw baseline: a hand-off to a sleeping thread and back", () -> timed(() ->
            {
                try
                {
                    requests.put(1L);
                    answers.take();
                }
                catch (final InterruptedException ex)
                {
                    throw new IllegalStateException(ex);
                }
            }));
        }
        finally
        {
            echo.interrupt();
            echo.join(1_000);
        }
    }

    private void inMemoryEngine() throws Exception
    {
        try (SkeinEngine engine = SkeinEngine.launch(waitStrategy(new SkeinEngine.Context()
            .name("idle-memory").aggregate(BankAccount::new))))
        {
            engine.submit(buffer, 0, open()).join();
            measure("engine in memory, no journal", () -> timed(() -> engine.submit(buffer, 0, deposit()).join()));
        }
    }

    private void embeddedEngine() throws Exception
    {
        final File dir = Files.createTempDirectory("skein-idle-engine-").toFile();
        try (EmbeddedArchive archive = EmbeddedArchive.launch(new EmbeddedArchive.Context().baseDir(dir));
            Journal journal = Journal.launch(new Journal.Context().embeddedArchive(archive)
                .journalDir(new File(dir, "journal")));
            SkeinEngine engine = SkeinEngine.launch(waitStrategy(new SkeinEngine.Context().name("idle-engine")
                .aggregate(BankAccount::new).journal(journal).snapshotOnClose(false))))
        {
            final LongSupplier command = () -> timed(() -> engine.submit(buffer, 0, deposit()).join());
            engine.submit(buffer, 0, open()).join();
            measure("embedded engine with its journal (RECORDED)", command);
        }
        finally
        {
            IoUtil.delete(dir, true);
        }
    }

    private void node() throws Exception
    {
        final File dir = Files.createTempDirectory("skein-idle-node-").toFile();
        final SkeinNode.Context ctx = new SkeinNode.Context().dir(dir).name("idle-node")
            .ingressChannel("aeron:udp?endpoint=localhost:" + freePort()).errorHandler(Throwable::printStackTrace);
        waitStrategy(ctx.engineContext().snapshotOnClose(false));
        try (SkeinNode node = SkeinNode.launch(ctx);
            SkeinClient client = client(node, ctx.ingressChannel()))
        {
            client.send(buffer, 0, open(), TimeUnit.SECONDS.toNanos(10));
            measure("node, one client connected (UDP)", () -> timed(() -> send(client)), client::poll);
        }
        finally
        {
            IoUtil.delete(dir, true);
        }
    }

    private void nodeWithFollower() throws Exception
    {
        final File leaderDir = Files.createTempDirectory("skein-idle-leader-").toFile();
        final File followerDir = Files.createTempDirectory("skein-idle-follower-").toFile();
        final String ingress = "aeron:udp?endpoint=localhost:" + freePort();
        final String archiveControl = "aeron:udp?endpoint=localhost:" + freePort();
        final String status = "aeron:udp?endpoint=localhost:" + freePort();
        final SkeinNode.Context leaderCtx = new SkeinNode.Context().dir(leaderDir).name("idle-leader")
            .ingressChannel(ingress).replicationStatusChannel(status).replicatedFollowers(1)
            .errorHandler(Throwable::printStackTrace);
        leaderCtx.archiveContext().controlChannel(archiveControl);
        waitStrategy(leaderCtx.engineContext().snapshotOnClose(false));
        final SkeinNode.Context followerCtx = new SkeinNode.Context().dir(followerDir).name("idle-follower")
            .ingressChannel("aeron:udp?endpoint=localhost:" + freePort()).leaderArchiveControlChannel(archiveControl)
            .replicationStatusChannel(status).followerId(1).errorHandler(IdleHarness::ignoreWarnings);
        waitStrategy(followerCtx.engineContext());
        SkeinNode leader = null;
        SkeinNode follower = null;
        SkeinClient client = null;
        try
        {
            leader = SkeinNode.launch(leaderCtx);
            follower = SkeinNode.launch(followerCtx);
            final SkeinClient connected = client(leader, ingress);
            client = connected;
            connected.send(buffer, 0, open(), TimeUnit.SECONDS.toNanos(10));
            measure("node and a REPLICATED follower, one client (UDP; two nodes in this process)",
                () -> timed(() -> send(connected)), connected::poll);
        }
        finally
        {
            CloseHelper.quietCloseAll(client, follower, leader);
            IoUtil.delete(leaderDir, true);
            IoUtil.delete(followerDir, true);
        }
    }

    /**
     * The engine's default wait strategy, or with {@code -Dskein.idle.wait=sleeping} Disruptor's sleeping one (the
     * default before {@code RestingWaitStrategy}), to compare the two in one build.
     */
    private SkeinEngine.Context waitStrategy(final SkeinEngine.Context ctx)
    {
        return sleeping ? ctx.waitStrategy(new SleepingWaitStrategy()) : ctx;
    }

    private static SkeinClient client(final SkeinNode node, final String ingress)
    {
        // The client owns its Aeron client, so closing it first leaves nothing attached to the node's driver.
        return SkeinClient.connect(new SkeinClient.Context().aeronDirectoryName(node.archive().aeronDirectoryName())
            .ingressChannel(ingress).responseChannel("aeron:udp?endpoint=localhost:0"));
    }

    private void send(final SkeinClient client)
    {
        final CommandResult result = client.send(buffer, 0, deposit(), TimeUnit.SECONDS.toNanos(10));
        if (result.outcome() != Outcome.ACCEPTED)
        {
            throw new SkeinException(SkeinException.Code.GENERIC, "deposit not accepted: " + result);
        }
    }

    private void measure(final String name, final LongSupplier timedCommand) throws Exception
    {
        measure(name, timedCommand, IdleHarness::nothing);
    }

    /**
     * Measure one deployment at rest.
     *
     * @param name         of the deployment.
     * @param timedCommand sends one command and returns the nanoseconds to its reply.
     * @param keepAlive    run every 500 ms of the rest (a connected client's keep-alive, as an idle client's
     *                     polling sends it).
     */
    private void measure(final String name, final LongSupplier timedCommand, final Runnable keepAlive)
        throws Exception
    {
        // Warm the command path up (class loading and the JIT would otherwise be timed), then let start-up work
        // settle before the rest is measured.
        for (int i = 0; i < (smoke ? 2_000 : 20_000); i++)
        {
            timedCommand.getAsLong();
        }
        Thread.sleep(smoke ? 500 : 3_000);
        final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean)ManagementFactory.getOperatingSystemMXBean();
        final Map<Long, Long> before = ThreadCpu.sample(threads);
        final long processBefore = os.getProcessCpuTime();
        final long startNs = System.nanoTime();
        while (System.nanoTime() - startNs < restNs)
        {
            Thread.sleep(Math.min(500, Math.max(1, TimeUnit.NANOSECONDS.toMillis(restNs - (System.nanoTime() -
                startNs)))));
            keepAlive.run();
        }
        final long elapsedNs = System.nanoTime() - startNs;
        final long processCpuNs = os.getProcessCpuTime() - processBefore;
        final Map<Long, Long> after = ThreadCpu.sample(threads);

        final Map<String, Long> byName = new HashMap<>();
        for (final Map.Entry<Long, Long> entry : after.entrySet())
        {
            final Long was = before.get(entry.getKey());
            final ThreadInfo info = threads.getThreadInfo(entry.getKey());
            if (null != was && null != info)
            {
                byName.merge(info.getThreadName(), entry.getValue() - was, Long::sum);
            }
        }
        final List<Map.Entry<String, Long>> busiest = new ArrayList<>(byName.entrySet());
        busiest.sort((a, b) -> Long.compare(b.getValue(), a.getValue()));

        long slowestNs = timedCommand.getAsLong();
        final StringBuilder samples = new StringBuilder(String.format("%.0f", slowestNs / 1e3));
        final long firstNs = slowestNs;
        for (int i = 0; i < AFTER_REST_SAMPLES; i++)
        {
            Thread.sleep(smoke ? 100 : 2_000);
            final long sampleNs = timedCommand.getAsLong();
            samples.append(String.format(" %.0f", sampleNs / 1e3));
            slowestNs = Math.max(slowestNs, sampleNs);
        }

        final double percent = 100.0 * processCpuNs / elapsedNs;
        final StringBuilder top = new StringBuilder();
        final StringBuilder topJson = new StringBuilder();
        for (int i = 0; i < Math.min(4, busiest.size()); i++)
        {
            final Map.Entry<String, Long> thread = busiest.get(i);
            final double threadPercent = 100.0 * thread.getValue() / elapsedNs;
            top.append(i > 0 ? ", " : "").append(thread.getKey()).append(String.format(" %.2f", threadPercent));
            topJson.append(i > 0 ? ", " : "").append(String.format("{\"thread\": \"%s\", \"percent\": %.3f}",
                thread.getKey(), threadPercent));
        }
        if (!name.startsWith("raw"))
        {
            // Two nodes share the process in the follower row: the target is per node.
            final int nodes = name.contains("follower") ? 2 : 1;
            Targets.add("at rest < 2% of one core each: " + name, String.format(Locale.ROOT, "%.2f%%%s", percent,
                nodes > 1 ? " for both (" + String.format(Locale.ROOT, "%.2f", percent / nodes) + "% each)" : ""),
                percent / nodes < 2.0);
            Targets.add("first command after a long rest ≤ 1 ms: " + name, String.format(Locale.ROOT,
                "%.0f µs slowest of %d (first %.0f µs)", slowestNs / 1e3, AFTER_REST_SAMPLES + 1, firstNs / 1e3),
                slowestNs <= 1_000_000);
        }
        table.append("| ").append(name).append(" | ").append(String.format("%.2f", percent)).append(" | ")
            .append(top).append(" | ").append(String.format("%.0f (first %.0f)", slowestNs / 1e3, firstNs / 1e3))
            .append(" | < 2% each; ≤ 1,000 µs |\n");
        json.append(String.format("  {\"deployment\": \"%s\", \"restSeconds\": %.1f, \"cpuPercentOfOneCore\": %.3f, " +
            "\"firstCommandAfterRestMicros\": %.1f, \"slowestAfterRestMicros\": %.1f, \"busiest\": [%s]},%n", name,
            elapsedNs / 1e9, percent, firstNs / 1e3, slowestNs / 1e3, topJson));
        System.out.printf("idle: %s: %.2f%% of one core over %.0f s (%s); first command after the rest %.0f µs, " +
            "slowest %.0f µs (each: %s)%n", name, percent, elapsedNs / 1e9, top, firstNs / 1e3, slowestNs / 1e3,
            samples);
    }

    private static void nothing()
    {
        // No client to keep alive.
    }

    private static long timed(final Runnable command)
    {
        final long startNs = System.nanoTime();
        command.run();
        return System.nanoTime() - startNs;
    }

    private int open()
    {
        writer.wrap(buffer, 0).correlationId(correlationId++).aggregate(BankAccount.TYPE_ID, 1)
            .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
        writer.body(new OpenAccountEncoder()).ownerId(1).initialDeposit(0);
        return writer.length();
    }

    private int deposit()
    {
        writer.wrap(buffer, 0).correlationId(correlationId++).aggregate(BankAccount.TYPE_ID, 1);
        writer.body(new DepositEncoder()).amount(1);
        return writer.length();
    }

    private static int freePort() throws Exception
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }

    private static void ignoreWarnings(final Throwable ex)
    {
        if (!(ex instanceof SkeinException) || ((SkeinException)ex).category() != SkeinException.Category.WARNING)
        {
            ex.printStackTrace();
        }
    }
}
