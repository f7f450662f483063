package io.skein.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.skein.client.SkeinClient;
import io.skein.codecs.AdminAction;
import io.skein.examples.orderbook.OrderBook;
import io.skein.examples.orderbook.codecs.BestPricesEncoder;
import io.skein.examples.orderbook.codecs.BookTopDecoder;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import org.agrona.concurrent.UnsafeBuffer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skein demo}: the whole idea in one run. Starts a node with the order-book domain in its own process on the
 * embedded default, drives it from a client in this process over Aeron (UDP loopback) with a progress bar, prints
 * throughput and latency, takes a snapshot, kills the node with SIGKILL, restarts it, and shows that the recovered
 * state matches. With {@code --cluster}, a failover instead: see {@link ClusterDemo}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = "Run a node with the order-book domain, load it over Aeron, kill it hard, restart, recover, " +
    "compare. With --cluster: run three cluster members in their own processes, load the leader with bank " +
    "deposits, kill it mid-load, time the election, and check the state after the failover.")
public final class DemoCommand implements Callable<Integer>
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final long RATE_DEFAULT = 20_000;
    private static final long CLUSTER_RATE_DEFAULT = 1_000;

    @Option(names = "--orders", defaultValue = "200000",
        description = "Commands for the throughput run (default: ${DEFAULT-VALUE}).")
    private long orders;

    @Option(names = "--rate", description = "Commands per second for the latency run (default: " + RATE_DEFAULT +
        "); with --cluster, deposits per second (default: " + CLUSTER_RATE_DEFAULT + ").")
    private Long rate;

    @Option(names = "--seconds", defaultValue = "5",
        description = "Length of the latency run in seconds; with --cluster, of the load (default: " +
        "${DEFAULT-VALUE}).")
    private long seconds;

    @Option(names = "--instruments", defaultValue = "8",
        description = "Order books, one per instrument (default: ${DEFAULT-VALUE}).")
    private int instruments;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default: ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--dir", description = "Node directory (default: a temporary directory, deleted afterwards). " +
        "An existing journal there is recovered first. With --cluster, the members' directories go under it.")
    private File dir;

    @Option(names = "--cluster", description = "Demonstrate a cluster failover instead of a node's recovery.")
    private boolean cluster;

    @Option(names = "--base-port", defaultValue = "9400", description = "With --cluster: member 0's base port on " +
        "localhost; members 1 and 2 are 100 and 200 above, and each takes the 5 ports above its own " +
        "(default: ${DEFAULT-VALUE}).")
    private int basePort;

    @Option(names = "--accounts", defaultValue = "8", description = "With --cluster: bank accounts the deposits " +
        "spread over (default: ${DEFAULT-VALUE}).")
    private int accounts;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call() throws Exception
    {
        final long rate = null != this.rate ? this.rate : cluster ? CLUSTER_RATE_DEFAULT : RATE_DEFAULT;
        if (orders < 1 || rate < 1 || seconds < 1 || instruments < 1 || accounts < 1)
        {
            throw new IllegalArgumentException("--orders, --rate, --seconds, --instruments and --accounts must be " +
                "positive");
        }
        if (cluster)
        {
            if (basePort < 1 || basePort + 200 + 5 > 65535)
            {
                throw new IllegalArgumentException("--base-port must be between 1 and " + (65535 - 205) + ": " +
                    basePort);
            }
            return new ClusterDemo(System.out, dir, basePort, accounts, rate, rate * seconds, seed).run();
        }
        final PrintStream out = System.out;
        final boolean temporary = null == dir;
        final File base = temporary ? Files.createTempDirectory("skein-demo-").toFile() : dir;
        final String ingress = "aeron:udp?endpoint=localhost:" + freeUdpPort();
        final ClientOptions options = new ClientOptions();
        options.ingressChannel = ingress;
        options.ingressStreamId = SkeinClient.Context.INGRESS_STREAM_ID_DEFAULT;
        options.responseChannel = SkeinClient.Context.RESPONSE_CHANNEL_DEFAULT;
        options.connectTimeoutSeconds = 60;
        // The demo's client takes snapshots and asks for state hashes: admin actions, for operators only.
        final String operatorSecret = UUID.randomUUID().toString();
        options.secret = operatorSecret;

        out.println("Skein demo: an order-book service on a Skein node in its own process, driven over Aeron " +
            "(UDP loopback) by a client in this one.");
        out.printf("The node runs on the embedded default: an in-process archiving media driver journaling to %s;%n" +
            "each reply is released once the archive has recorded the command's events.%n%n", base);
        NodeProcess node = NodeProcess.start(base, ingress, operatorSecret, out);
        try (ClientOptions.Connection connection = options.new Connection())
        {
            out.printf("%nWarm-up: 20,000 commands (not reported).%n");
            new LoadRun(connection, 1, 0, 20_000, 1024, OrderFlow.Workload.ORDERBOOK, instruments, seed + 1)
                .run(null, "cmd");

            out.printf("%nThroughput: %,d order commands (limit, market, cancel) into %d books, as fast as replies " +
                "come back (1,024 in flight):%n", orders, instruments);
            LoadReport.print(out, new LoadRun(connection, 1, 0, orders, 1024, OrderFlow.Workload.ORDERBOOK,
                instruments, seed).run(out, "cmd"));

            out.printf("%nLatency at a steady %,d commands/s for %d s (open loop; a late send counts from when it " +
                "was due):%n", rate, seconds);
            LoadReport.print(out, new LoadRun(connection, 1, rate, rate * seconds, 1024, OrderFlow.Workload.ORDERBOOK,
                instruments, seed + 2).run(out, "cmd"));

            final long hash;
            final long aggregates;
            try (SkeinClient client = connection.connect())
            {
                final long snapshotStartNs = System.nanoTime();
                final long position = client.admin(AdminAction.TAKE_SNAPSHOT, TIMEOUT_NS);
                out.printf("%nSnapshot taken at journal position %,d in %.0f ms; 10,000 more commands follow it, so " +
                    "a restart needs the snapshot plus a journal tail.%n", position,
                    (System.nanoTime() - snapshotStartNs) / 1e6);
                new LoadRun(connection, 1, 0, 10_000, 1024, OrderFlow.Workload.ORDERBOOK, instruments, seed + 3)
                    .run(null, "cmd");
                printBooks(out, client);
                hash = client.admin(AdminAction.STATE_HASH, TIMEOUT_NS);
                aggregates = client.admin(AdminAction.AGGREGATE_COUNT, TIMEOUT_NS);
                out.printf("State hash %016x over %,d aggregates.%n", hash, aggregates);
            }

            out.printf("%nKilling the node with SIGKILL (no shutdown, no final snapshot)...%n");
            node.kill();
            out.println("Restarting it on the same directory:");
            node = NodeProcess.start(base, ingress, operatorSecret, out);
            try (SkeinClient client = connection.connect())
            {
                final long recovered = client.admin(AdminAction.STATE_HASH, TIMEOUT_NS);
                final long recoveredAggregates = client.admin(AdminAction.AGGREGATE_COUNT, TIMEOUT_NS);
                final boolean matches = recovered == hash && recoveredAggregates == aggregates;
                out.printf("State hash after recovery %016x over %,d aggregates: %s%n", recovered, recoveredAggregates,
                    matches ? "MATCHES the state before the kill" : "DIFFERS from the state before the kill");
                return matches ? 0 : 2;
            }
        }
        finally
        {
            node.stop();
            if (temporary)
            {
                delete(base.toPath());
            }
        }
    }

    private void printBooks(final PrintStream out, final SkeinClient client)
    {
        out.println("Books, queried over Aeron:");
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        final CommandWriter writer = new CommandWriter();
        final BookTopDecoder top = new BookTopDecoder();
        for (long instrument = 1; instrument <= instruments; instrument++)
        {
            writer.wrap(buffer, 0).correlationId(instrument).aggregate(OrderBook.TYPE_ID, instrument);
            writer.body(new BestPricesEncoder()).unused(0);
            final CommandResult result = client.send(buffer, 0, writer.length(), TIMEOUT_NS);
            if (result.payloadLength() == 0)
            {
                out.printf("  instrument %d: %s%n", instrument, result);
                continue;
            }
            result.reply(top);
            out.printf("  instrument %d: bid %,d x %d  ask %,d x %d  resting %,d  trades %,d  volume %,d  (v%d)%n",
                instrument, top.bestBid(), top.bidQuantity(), top.bestAsk(), top.askQuantity(), top.restingOrders(),
                top.tradeCount(), top.tradedVolume(), result.version());
        }
    }

    private static int freeUdpPort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
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

    /**
     * A node in a child JVM, its output echoed with a prefix.
     */
    static final class NodeProcess
    {
        private final Process process;

        private NodeProcess(final Process process)
        {
            this.process = process;
        }

        static NodeProcess start(final File dir, final String ingress, final String operatorSecret,
            final PrintStream out) throws Exception
        {
            final String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
            final ProcessBuilder builder = new ProcessBuilder(java,
                "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED",
                "--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "-XX:+UseParallelGC",
                "-cp", System.getProperty("java.class.path"),
                SkeinCli.class.getName(), "node", "--dir", dir.getAbsolutePath(), "--ingress", ingress,
                "--term-length", Integer.toString(8 * 1024 * 1024));
            builder.environment().put("SKEIN_OPERATOR_SECRET", operatorSecret);
            builder.redirectErrorStream(true);
            final Process process = builder.start();
            final CompletableFuture<Boolean> ready = new CompletableFuture<>();
            final Thread echo = new Thread(() ->
            {
                try (BufferedReader reader = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
                {
                    String line;
                    while (null != (line = reader.readLine()))
                    {
                        out.println("  node | " + line);
                        if (line.startsWith(NodeCommand.READY))
                        {
                            ready.complete(true);
                        }
                    }
                }
                catch (final IOException ignore)
                {
                    // The node was killed; its output ends here.
                }
                ready.complete(false);
            }, "skein-demo-node-output");
            echo.setDaemon(true);
            echo.start();
            if (!ready.get(120, TimeUnit.SECONDS))
            {
                throw new IllegalStateException("the node exited before it was ready (exit code " +
                    process.waitFor() + ")");
            }
            Thread.sleep(200);
            return new NodeProcess(process);
        }

        void kill() throws InterruptedException
        {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        void stop() throws InterruptedException
        {
            if (process.isAlive())
            {
                process.destroy();
                if (!process.waitFor(60, TimeUnit.SECONDS))
                {
                    kill();
                }
            }
        }
    }
}
