package io.skein.sink.kafka;

import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.skein.engine.RecordedEvent;
import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.journal.TestArchive;
import io.skein.projection.EventPage;
import io.skein.projection.EventReader;
import io.skein.projection.EventSource;
import io.skein.projection.ProjectionRunner;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.EventFilter;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka sink's load harness, against an in-process broker (Kafka's test kit) on the same machine:
 * <ol>
 *     <li>catch-up: {@code commands} one-event entries written beforehand, published by a {@link KafkaSink} exactly
 *     once in batches of {@code batch} entries;</li>
 *     <li>baseline, same run: a plain transactional producer sending the same events (same key, value and eleven
 *     headers of the same sizes) in transactions of the same size, with one extra record per transaction as the
 *     checkpoint's;</li>
 *     <li>lag: commands at {@code rate} per second for {@code seconds}, from submitting a command to the sink's
 *     transaction holding its event committed, seen by the sender.</li>
 * </ol>
 * Run through {@code KafkaSinkHarnessTest} with {@code -Dskein.harness="COMMANDS BATCH RATE SECONDS"}.
 */
final class KafkaSinkHarness
{
    private static final int PARTITIONS = 4;

    private KafkaSinkHarness()
    {
    }

    static String run(final int commands, final int batch, final int rate, final int seconds) throws Exception
    {
        final File dir = Files.createTempDirectory("skein-kafka-harness").toFile();
        final StringBuilder report = new StringBuilder();
        try (KafkaTestBroker broker = KafkaTestBroker.start();
            TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("harness")
                .aggregate(TestAggregates.Tally::new)
                .errorHandler(Throwable::printStackTrace)
                .journal(archive.journal())))
        {
            broker.createTopic("events", PARTITIONS);
            broker.createTopic("raw", PARTITIONS);
            final Writer writer = new Writer(engine);
            CompletableFuture<CommandResult> last = null;
            for (int i = 0; i < commands; i++)
            {
                last = writer.send(i);
            }
            last.get(60, TimeUnit.SECONDS);
            final long end = engine.durablePosition();

            try (KafkaSink sink = KafkaSink.launch(new KafkaSink.Context()
                .bootstrapServers(broker.bootstrapServers())
                .projectionName("harness")
                .topic("events"));
                ProjectionRunner runner = ProjectionRunner.launch(new ProjectionRunner.Context()
                    .name("harness")
                    .source(EventSource.of(engine))
                    .projection(sink)
                    .delivery(ProjectionRunner.Delivery.EXACTLY_ONCE)
                    .batchSize(batch)
                    .errorHandler(Throwable::printStackTrace)))
            {
                // Timed from the loaded checkpoint: the producer's initTransactions() and the checkpoint topic's
                // read at start are reported apart, as the raw producer's initTransactions() is not timed either.
                final long launchNs = System.nanoTime();
                while (null == runner.checkpoint())
                {
                    Thread.sleep(1);
                }
                final long startNs = System.nanoTime();
                while (runner.checkpoint().position() < end)
                {
                    Thread.sleep(1);
                }
                final double skein = commands / ((System.nanoTime() - startNs) / 1e9);
                final long startMs = TimeUnit.NANOSECONDS.toMillis(startNs - launchNs);
                final double raw = rawProducer(broker, engine, batch);
                report.append(String.format("| events to Kafka, %,d one-event entries, batches of %d, %d partitions " +
                    "(start, producer and checkpoint load, %,d ms, not timed) | Skein %,.0f events/s | raw " +
                    "transactional producer, same records and transactions, %,.0f events/s | %.2f |%n", commands,
                    batch, PARTITIONS, startMs, skein, raw, skein / raw));
                report.append(lag(engine, writer, runner, commands, rate, seconds));
            }
        }
        finally
        {
            deleteRecursively(dir);
        }
        return report.toString();
    }

    private static String lag(
        final SkeinEngine engine,
        final Writer writer,
        final ProjectionRunner runner,
        final int already,
        final int rate,
        final int seconds) throws Exception
    {
        final long[] sentNs = new long[rate * seconds];
        final long[] lagUs = new long[rate * seconds];
        int samples = 0;
        final long base = runner.checkpoint().entrySequence();
        final long intervalNs = TimeUnit.SECONDS.toNanos(1) / rate;
        long next = System.nanoTime();
        int sent = 0;
        long lastSequence = base;
        CompletableFuture<CommandResult> last = null;
        while (sent < sentNs.length)
        {
            final long now = System.nanoTime();
            while (next <= now && sent < sentNs.length)
            {
                sentNs[sent] = System.nanoTime();
                last = writer.send(already + sent);
                sent++;
                next += intervalNs;
            }
            final long committed = runner.checkpoint().entrySequence();
            if (committed != lastSequence)
            {
                // One entry per command, all accepted, in order: entry base + i + 1 is command i of this phase.
                lastSequence = committed;
                lagUs[samples++] = (System.nanoTime() - sentNs[(int)(committed - base - 1)]) / 1000;
            }
            LockSupport.parkNanos(50_000);
        }
        last.get(10, TimeUnit.SECONDS);
        final long[] sorted = Arrays.copyOf(lagUs, samples);
        Arrays.sort(sorted);
        return String.format("| lag at %,d commands/s for %d s, submit to its transaction committed in Kafka, %d " +
            "transactions | p50 %,d µs, p99 %,d µs, max %,d µs | | |%n", rate, seconds, samples,
            percentile(sorted, 0.5), percentile(sorted, 0.99), 0 == samples ? 0 : sorted[samples - 1]);
    }

    private static double rawProducer(final KafkaTestBroker broker, final SkeinEngine engine, final int batch)
        throws Exception
    {
        final List<RecordedEvent> events = new ArrayList<>();
        final EventReader reader = new EventReader(EventSource.of(engine));
        long position = 0;
        EventPage page;
        do
        {
            page = reader.read(position, 10_000, EventFilter.ALL);
            events.addAll(page.events());
            position = page.nextPosition();
        }
        while (page.hasMore());
        final Properties properties = new Properties();
        properties.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        properties.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "raw-" + UUID.randomUUID());
        properties.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        properties.put(ProducerConfig.ACKS_CONFIG, "all");
        final byte[] checkpoint = new byte[16];
        try (KafkaProducer<byte[], byte[]> producer =
            new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer()))
        {
            producer.initTransactions();
            final long startNs = System.nanoTime();
            for (int i = 0; i < events.size(); i += batch)
            {
                producer.beginTransaction();
                for (int j = i; j < Math.min(events.size(), i + batch); j++)
                {
                    final RecordedEvent event = events.get(j);
                    final byte[] value = new byte[event.length()];
                    event.buffer().getBytes(0, value);
                    producer.send(new ProducerRecord<>("raw", null, longBytes(event.aggregateId()), value,
                        headers(event)));
                }
                producer.send(new ProducerRecord<>("raw", 0, new byte[8], checkpoint));
                producer.commitTransaction();
            }
            return events.size() / ((System.nanoTime() - startNs) / 1e9);
        }
    }

    private static RecordHeaders headers(final RecordedEvent event)
    {
        final RecordHeaders headers = new RecordHeaders();
        headers.add("skein.sequence", longBytes(event.sequence()));
        headers.add("skein.position", longBytes(event.position()));
        headers.add("skein.entry-sequence", longBytes(event.entrySequence()));
        headers.add("skein.aggregate-type", ByteBuffer.allocate(4).putInt(event.aggregateTypeId()).array());
        headers.add("skein.aggregate-id", longBytes(event.aggregateId()));
        headers.add("skein.version", longBytes(event.version()));
        headers.add("skein.template", ByteBuffer.allocate(4).putInt(event.templateId()).array());
        headers.add("skein.timestamp-ns", longBytes(event.timestampNs()));
        headers.add("skein.correlation-id", longBytes(event.correlationId()));
        headers.add("skein.causation-id", longBytes(event.causationId()));
        headers.add("skein.idempotency-key", new byte[16]);
        return headers;
    }

    private static byte[] longBytes(final long value)
    {
        return ByteBuffer.allocate(8).putLong(value).array();
    }

    private static long percentile(final long[] sorted, final double p)
    {
        return 0 == sorted.length ? 0 : sorted[Math.min(sorted.length - 1, (int)(sorted.length * p))];
    }

    /**
     * One-event tally commands with a bounded number in flight.
     */
    private static final class Writer
    {
        private final SkeinEngine engine;
        private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        private final CommandWriter writer = new CommandWriter();
        private final AddEncoder add = new AddEncoder();
        private final Semaphore inFlight = new Semaphore(256);

        Writer(final SkeinEngine engine)
        {
            this.engine = engine;
        }

        CompletableFuture<CommandResult> send(final long i)
        {
            inFlight.acquireUninterruptibly();
            writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % 64);
            writer.body(add).amount(i).repeat(1).behaviour(0).putNote(TestAggregates.NO_NOTE, 0, 0);
            final CompletableFuture<CommandResult> reply = engine.submit(buffer, 0, writer.length());
            reply.whenComplete((result, ex) -> inFlight.release());
            return reply;
        }
    }

    private static void deleteRecursively(final File file)
    {
        final File[] children = file.listFiles();
        if (null != children)
        {
            for (final File child : children)
            {
                deleteRecursively(child);
            }
        }
        file.delete();
    }
}
