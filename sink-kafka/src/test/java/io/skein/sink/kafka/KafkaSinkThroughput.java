package io.skein.sink.kafka;

import java.io.File;
import java.nio.file.Files;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.journal.TestArchive;
import io.skein.projection.EventSource;
import io.skein.projection.ProjectionRunner;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A rough timed harness, not a test and not run by the build: events per second the Kafka sink publishes to an
 * in-process broker (Kafka's test kit) when it catches up on a journal written beforehand. Arguments: commands
 * (one event each), batch size, partitions. Prints the figure; the broker, engine and sink share this JVM and cores.
 */
public final class KafkaSinkThroughput
{
    private KafkaSinkThroughput()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final int commands = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        final int batchSize = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        final int partitions = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        final File dir = Files.createTempDirectory("skein-kafka-throughput").toFile();
        try (KafkaTestBroker broker = KafkaTestBroker.start();
            TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("throughput")
                .aggregate(TestAggregates.Tally::new)
                .errorHandler(Throwable::printStackTrace)
                .journal(archive.journal())))
        {
            broker.createTopic("throughput", partitions);
            write(engine, commands);
            final long end = engine.durablePosition();
            try (KafkaSink sink = KafkaSink.launch(new KafkaSink.Context()
                .bootstrapServers(broker.bootstrapServers())
                .projectionName("throughput")
                .topic("throughput"));
                ProjectionRunner runner = ProjectionRunner.launch(new ProjectionRunner.Context()
                    .name("throughput")
                    .source(EventSource.of(engine))
                    .projection(sink)
                    .delivery(ProjectionRunner.Delivery.EXACTLY_ONCE)
                    .batchSize(batchSize)
                    .errorHandler(Throwable::printStackTrace)))
            {
                final long startNs = System.nanoTime();
                while (null == runner.checkpoint() || runner.checkpoint().position() < end)
                {
                    Thread.sleep(1);
                }
                final long elapsedNs = System.nanoTime() - startNs;
                System.out.printf("published %,d events in %,d transactions in %,d ms: %,.0f events/s " +
                    "(batch %d entries, %d partitions)%n", commands, sink.transactions(),
                    TimeUnit.NANOSECONDS.toMillis(elapsedNs), commands * 1e9 / elapsedNs, batchSize, partitions);
            }
        }
        finally
        {
            deleteRecursively(dir);
        }
    }

    private static void write(final SkeinEngine engine, final int commands) throws Exception
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        final AddEncoder add = new AddEncoder();
        final Semaphore inFlight = new Semaphore(256);
        CompletableFuture<CommandResult> last = null;
        for (int i = 0; i < commands; i++)
        {
            inFlight.acquireUninterruptibly();
            writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % 64);
            writer.body(add).amount(i).repeat(1).behaviour(0).putNote(TestAggregates.NO_NOTE, 0, 0);
            last = engine.submit(buffer, 0, writer.length());
            last.whenComplete((result, ex) -> inFlight.release());
        }
        last.get(60, TimeUnit.SECONDS);
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
