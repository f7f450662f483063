package io.skein.benchmarks;

import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import io.aeron.Aeron;
import io.aeron.exceptions.AeronException;
import io.skein.codecs.CommandReplyEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.node.SkeinNode;
import org.agrona.IoUtil;

/**
 * End-to-end over Aeron: a client sends bank deposits to a Skein node (each journaled and recorded before its reply
 * is released) over IPC and over UDP loopback, against a raw Aeron echo of the same request and reply sizes on the
 * same media driver. For each channel it measures the maximum sustainable throughput (a window of requests in
 * flight) and latency at fixed offered rates (open loop, corrected for coordinated omission), writes
 * {@code end-to-end.json} and charts, and returns a Markdown table of the figures and their ratios.
 */
public final class EndToEndHarness
{
    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};

    private final boolean smoke;
    private final File output;
    private final List<Measurement> measurements = new ArrayList<>();
    private final List<Measurement> replicated = new ArrayList<>();

    /**
     * One figure for Skein and the raw baseline under the same load.
     */
    static final class Measurement
    {
        final String channel;
        final long rate;
        final OpenLoop.Result skein;
        final OpenLoop.Result raw;
        String skeinThreads = "";
        String rawThreads = "";

        Measurement(final String channel, final long rate, final OpenLoop.Result skein, final OpenLoop.Result raw)
        {
            this.channel = channel;
            this.rate = rate;
            this.skein = skein;
            this.raw = raw;
        }
    }

    EndToEndHarness(final boolean smoke, final File output)
    {
        this.smoke = smoke;
        this.output = output;
    }

    /**
     * Run the end-to-end measurements on their own.
     *
     * @param args {@code --smoke} for a quick check that it runs.
     * @throws Exception if a run fails.
     */
    public static void main(final String[] args) throws Exception
    {
        final boolean smoke = args.length > 0 && "--smoke".equals(args[0]);
        final File output = new File("benchmarks/target/results");
        System.out.println(run(smoke, output));
    }

    /**
     * Run every end-to-end measurement and write the JSON and charts.
     *
     * @param smoke  tiny runs that only check the harness works.
     * @param output directory for the results.
     * @return the Markdown table.
     * @throws Exception if a run fails.
     */
    public static String run(final boolean smoke, final File output) throws Exception
    {
        Files.createDirectories(output.toPath());
        final EndToEndHarness harness = new EndToEndHarness(smoke, output);
        harness.measure("ipc", "aeron:ipc", "aeron:ipc", "aeron:ipc", "aeron:ipc");
        harness.measure("udp", "aeron:udp?endpoint=localhost:" + freePort(), "aeron:udp?endpoint=localhost:0",
            "aeron:udp?endpoint=localhost:" + freePort(), "aeron:udp?endpoint=localhost:" + freePort());
        harness.measureReplicated();
        Files.write(new File(output, "end-to-end.json").toPath(),
            harness.json().getBytes(StandardCharsets.UTF_8));
        Charts.render(harness.measurements, output);
        harness.targets();
        return harness.table();
    }

    List<Measurement> measurements()
    {
        return measurements;
    }

    private void measure(
        final String name,
        final String ingress,
        final String response,
        final String rawRequests,
        final String rawReplies) throws Exception
    {
        final File dir = Files.createTempDirectory("skein-e2e-").toFile();
        final SkeinNode.Context ctx = new SkeinNode.Context()
            .dir(dir)
            .name("e2e-" + name)
            .ingressChannel(ingress)
            .errorHandler(Throwable::printStackTrace);
        ctx.archiveContext().termLength(8 * 1024 * 1024);
        ctx.engineContext().snapshotOnClose(false);
        final long warmup = smoke ? 1_000 : 100_000;
        final long maxCount = smoke ? 2_000 : 300_000;
        final long[] rates = smoke ? new long[] {1_000} : new long[] {10_000, 50_000};
        final long seconds = smoke ? 1 : 5;
        final int replyLength = MessageHeaderEncoder.ENCODED_LENGTH + CommandReplyEncoder.BLOCK_LENGTH + 4 + 4;
        try (SkeinNode node = SkeinNode.launch(ctx);
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(node.archive().aeronDirectoryName()));
            SkeinRoundTrip skein = new SkeinRoundTrip(aeron, ingress, response);
            RawEchoRoundTrip raw = new RawEchoRoundTrip(aeron, rawRequests, rawReplies, skein.requestLength(),
                replyLength))
        {
            long base = 1L << 32;
            System.out.printf("end-to-end %s: warming up (%,d requests each)%n", name, warmup);
            OpenLoop.run(skein, 0, warmup, 1024, base);
            OpenLoop.run(raw, 0, warmup, 1024, base);
            base += 1L << 32;
            final ThreadCpu skeinCpu = ThreadCpu.start();
            final OpenLoop.Result skeinMax = OpenLoop.run(skein, 0, maxCount, 1024, base);
            final String skeinThreads = skeinCpu.busiest(5);
            final ThreadCpu rawCpu = ThreadCpu.start();
            final OpenLoop.Result rawMax = OpenLoop.run(raw, 0, maxCount, 1024, base);
            final String rawThreads = rawCpu.busiest(4);
            System.out.printf("end-to-end %s: max throughput Skein %,.0f/s (%s), raw %,.0f/s (%s)%n", name,
                skeinMax.throughput(), skeinThreads, rawMax.throughput(), rawThreads);
            final Measurement max = new Measurement(name, 0, skeinMax, rawMax);
            max.skeinThreads = skeinThreads;
            max.rawThreads = rawThreads;
            measurements.add(max);
            for (final long rate : rates)
            {
                base += 1L << 32;
                final OpenLoop.Result skeinAtRate = OpenLoop.run(skein, rate, rate * seconds, 1 << 16, base);
                final OpenLoop.Result rawAtRate = OpenLoop.run(raw, rate, rate * seconds, 1 << 16, base);
                System.out.printf("end-to-end %s at %,d/s: p99 Skein %.1f us, raw %.1f us%n", name, rate,
                    skeinAtRate.micros(99), rawAtRate.micros(99));
                measurements.add(new Measurement(name, rate, skeinAtRate, rawAtRate));
            }
        }
        finally
        {
            IoUtil.delete(dir, true);
        }
    }

    /**
     * Skein over UDP with REPLICATED acknowledgements (a leader and one follower, each with its own driver and
     * archive, on this machine) against the same single node with local (RECORDED) acknowledgements measured above.
     */
    private void measureReplicated() throws Exception
    {
        final File leaderDir = Files.createTempDirectory("skein-e2e-leader-").toFile();
        final File followerDir = Files.createTempDirectory("skein-e2e-follower-").toFile();
        final String ingress = "aeron:udp?endpoint=localhost:" + freePort();
        final String archiveControl = "aeron:udp?endpoint=localhost:" + freePort();
        final String status = "aeron:udp?endpoint=localhost:" + freePort();
        final SkeinNode.Context leaderCtx = new SkeinNode.Context().dir(leaderDir).name("e2e-leader")
            .ingressChannel(ingress).replicationStatusChannel(status).replicatedFollowers(1)
            .errorHandler(Throwable::printStackTrace);
        leaderCtx.archiveContext().termLength(8 * 1024 * 1024).controlChannel(archiveControl);
        leaderCtx.engineContext().snapshotOnClose(false);
        final SkeinNode.Context followerCtx = new SkeinNode.Context().dir(followerDir).name("e2e-follower")
            .ingressChannel("aeron:udp?endpoint=localhost:" + freePort()).leaderArchiveControlChannel(archiveControl)
            .replicationStatusChannel(status).followerId(1).errorHandler(EndToEndHarness::ignoreWarnings);
        followerCtx.archiveContext().termLength(8 * 1024 * 1024);
        final long warmup = smoke ? 1_000 : 100_000;
        final long maxCount = smoke ? 2_000 : 300_000;
        final long rate = smoke ? 1_000 : 10_000;
        final long seconds = smoke ? 1 : 5;
        try (SkeinNode leader = SkeinNode.launch(leaderCtx);
            SkeinNode follower = SkeinNode.launch(followerCtx);
            Aeron aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(leader.archive().aeronDirectoryName()));
            SkeinRoundTrip skein = new SkeinRoundTrip(aeron, ingress, "aeron:udp?endpoint=localhost:0"))
        {
            long base = 1L << 40;
            System.out.printf("end-to-end udp replicated: warming up (%,d requests)%n", warmup);
            OpenLoop.run(skein, 0, warmup, 1024, base);
            base += 1L << 32;
            final OpenLoop.Result max = OpenLoop.run(skein, 0, maxCount, 1024, base);
            replicated.add(new Measurement("udp replicated", 0, max, localSkein("udp", 0)));
            base += 1L << 32;
            final OpenLoop.Result atRate = OpenLoop.run(skein, rate, rate * seconds, 1 << 16, base);
            replicated.add(new Measurement("udp replicated", rate, atRate, localSkein("udp", rate)));
            System.out.printf("end-to-end udp replicated: max %,.0f/s, p99 at %,d/s %.1f us%n", max.throughput(),
                rate, atRate.micros(99));
        }
        finally
        {
            IoUtil.delete(leaderDir, true);
            IoUtil.delete(followerDir, true);
        }
    }

    private static void ignoreWarnings(final Throwable ex)
    {
        if (!(ex instanceof AeronException) || ((AeronException)ex).category() != AeronException.Category.WARN)
        {
            ex.printStackTrace();
        }
    }

    private OpenLoop.Result localSkein(final String channel, final long rate)
    {
        for (final Measurement m : measurements)
        {
            if (m.channel.equals(channel) && m.rate == rate)
            {
                return m.skein;
            }
        }
        return null;
    }

    String table()
    {
        final StringBuilder out = new StringBuilder();
        out.append("| end to end over Aeron (bank deposits, reply after recording) | Skein | raw Aeron echo ")
            .append("(same sizes, same driver) | ratio | busiest threads, Skein (% of one core) | busiest threads, ")
            .append("raw echo |\n|---|---|---|---|---|---|\n");
        for (final Measurement m : measurements)
        {
            if (0 == m.rate)
            {
                out.append(String.format(Locale.ROOT, "| %s, max sustainable throughput | %,.0f /s | %,.0f /s | " +
                    "%.2f | %s | %s |%n", m.channel, m.skein.throughput(), m.raw.throughput(),
                    m.skein.throughput() / m.raw.throughput(), m.skeinThreads, m.rawThreads));
            }
        }
        out.append("\n| latency at a fixed offered rate, µs (open loop) | p50 | p90 | p99 | p99.9 | p99.99 | max |\n")
            .append("|---|---|---|---|---|---|---|\n");
        for (final Measurement m : measurements)
        {
            if (0 != m.rate)
            {
                latencyRow(out, m.channel + " at " + String.format(Locale.ROOT, "%,d", m.rate) + "/s, Skein",
                    m.skein);
                latencyRow(out, m.channel + " at " + String.format(Locale.ROOT, "%,d", m.rate) + "/s, raw echo",
                    m.raw);
            }
        }
        if (!replicated.isEmpty())
        {
            out.append("\n| replicated acknowledgements, UDP (a leader and one follower on this machine) | " +
                "REPLICATED | local (RECORDED, single node, above) | ratio |\n|---|---|---|---|\n");
            for (final Measurement m : replicated)
            {
                if (0 == m.rate && null != m.raw)
                {
                    out.append(String.format(Locale.ROOT, "| max sustainable throughput | %,.0f /s | %,.0f /s | " +
                        "%.2f |%n", m.skein.throughput(), m.raw.throughput(),
                        m.skein.throughput() / m.raw.throughput()));
                }
                else if (null != m.raw)
                {
                    out.append(String.format(Locale.ROOT, "| p50 / p99 / max at %,d/s, µs | %.1f / %.1f / %.1f | " +
                        "%.1f / %.1f / %.1f | |%n", m.rate, m.skein.micros(50), m.skein.micros(99),
                        m.skein.histogram.getMaxValue() / 1e3, m.raw.micros(50), m.raw.micros(99),
                        m.raw.histogram.getMaxValue() / 1e3));
                }
            }
        }
        return out.toString();
    }

    /**
     * The end-to-end targets into {@link Targets}: throughput ratios and p99 at a fixed rate against the raw echo.
     */
    void targets()
    {
        for (final Measurement m : measurements)
        {
            if (0 == m.rate)
            {
                final double floor = "ipc".equals(m.channel) ? 0.6 : 0.9;
                Targets.ratio("end to end, " + m.channel + ", max throughput ≥ " + floor + " of the raw echo",
                    m.skein.throughput(), m.raw.throughput(), floor, "/s");
            }
            else
            {
                final double skeinP99 = m.skein.micros(99);
                final double rawP99 = m.raw.micros(99);
                Targets.add(String.format(Locale.ROOT, "end to end, %s at %,d/s: p99 ≤ 2× the raw echo's", m.channel,
                    m.rate), String.format(Locale.ROOT, "%.1f× (%.0f µs against %.0f µs)", skeinP99 / rawP99,
                    skeinP99, rawP99), skeinP99 <= 2 * rawP99);
            }
        }
    }

    private static void latencyRow(final StringBuilder out, final String what, final OpenLoop.Result result)
    {
        out.append("| ").append(what);
        for (final double percentile : PERCENTILES)
        {
            out.append(String.format(Locale.ROOT, " | %.1f", result.micros(percentile)));
        }
        out.append(String.format(Locale.ROOT, " | %.1f |%n", result.histogram.getMaxValue() / 1e3));
    }

    private String json()
    {
        final StringBuilder json = new StringBuilder("[");
        for (final Measurement m : measurements)
        {
            json.append(json.length() > 1 ? "," : "").append("\n  {\"channel\":\"").append(m.channel)
                .append("\",\"offeredRate\":").append(m.rate)
                .append(",\"skein\":").append(json(m.skein)).append(",\"raw\":").append(json(m.raw)).append('}');
        }
        return json.append("\n]\n").toString();
    }

    private static String json(final OpenLoop.Result result)
    {
        final StringBuilder json = new StringBuilder("{");
        json.append(String.format(Locale.ROOT, "\"replies\":%d,\"throughput\":%.1f", result.replies,
            result.throughput()));
        for (final double percentile : PERCENTILES)
        {
            json.append(String.format(Locale.ROOT, ",\"p%s\":%.1f",
                String.valueOf(percentile).replace(".0", ""), result.micros(percentile)));
        }
        return json.append(String.format(Locale.ROOT, ",\"max\":%.1f}", result.histogram.getMaxValue() / 1e3))
            .toString();
    }

    private static int freePort() throws IOException
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
