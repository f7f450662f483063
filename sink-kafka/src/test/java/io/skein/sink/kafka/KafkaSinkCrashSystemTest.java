package io.skein.sink.kafka;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.journal.TestArchive;
import io.skein.protocol.EventFilter;
import io.skein.testsupport.Await;
import io.skein.testsupport.ForkedJvm;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process publishing to Kafka, SIGKILLed with a transaction open and its events on the broker, then started again:
 * the topic read with {@code read_committed} equals the journal, each event exactly once.
 */
class KafkaSinkCrashSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(60);
    private static final String TOPIC = "crash-tally";
    private static KafkaTestBroker broker;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    File dir;

    @BeforeAll
    static void startBroker() throws Exception
    {
        broker = KafkaTestBroker.start();
        broker.createTopic(TOPIC, 3);
    }

    @AfterAll
    static void stopBroker() throws Exception
    {
        if (null != broker)
        {
            broker.close();
        }
    }

    @Test
    void shouldEndWithTheTopicEqualToTheJournalAfterSigkillInsideATransaction() throws Exception
    {
        final int uncommittedAtKill;
        try (ForkedJvm process = ForkedJvm.startWithOutputFile("run", dir, List.of(), KafkaSinkCrashProcess.class,
            dir.getAbsolutePath(), broker.bootstrapServers(), TOPIC, "run"))
        {
            final File output = new File(dir, "run.out");
            final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
            while (!lines(output).stream().anyMatch((line) -> line.startsWith("PAUSED")))
            {
                assertTrue(process.isAlive(), "the publishing process ended early; see " + dir + "/run.err");
                assertTrue(System.nanoTime() < deadlineNs, "waiting for the paused transaction: " + lines(output));
                Thread.sleep(5);
            }
            // The paused transaction's records may still be in the producer's buffer: wait until the broker has them.
            final int[] uncommitted = { 0 };
            Await.until(() ->
            {
                uncommitted[0] = broker.readUncommitted(TOPIC).size() - broker.readCommitted(TOPIC).size();
                return uncommitted[0] > 0;
            }, TIMEOUT_NS, "the open transaction's records on the broker");
            uncommittedAtKill = uncommitted[0];
            assertEquals(137, process.kill(), "killed by SIGKILL");
        }
        final String run = Files.readString(new File(dir, "run.out").toPath());
        assertTrue(!run.contains("ERROR"), "the run reported errors: " + run);
        assertTrue(uncommittedAtKill > 0, "killed with a transaction's events on the broker, not yet committed");
        final long committedBatches = run.lines().filter((line) -> line.startsWith("B ")).count();
        assertTrue(committedBatches >= KafkaSinkCrashProcess.BATCHES_BEFORE_PAUSE, run);

        try (ForkedJvm process = ForkedJvm.startWithOutputFile("finish", dir, List.of(),
            KafkaSinkCrashProcess.class, dir.getAbsolutePath(), broker.bootstrapServers(), TOPIC, "finish"))
        {
            final File output = new File(dir, "finish.out");
            final long deadlineNs = System.nanoTime() + TIMEOUT_NS;
            while (!lines(output).stream().anyMatch((line) -> line.startsWith("DONE")))
            {
                assertTrue(process.isAlive(), "the finishing process ended early; see " + dir + "/finish.err: " +
                    lines(output));
                assertTrue(System.nanoTime() < deadlineNs, "waiting for the finishing run: " + lines(output));
                Thread.sleep(5);
            }
        }
        final String finish = Files.readString(new File(dir, "finish.out").toPath());
        assertTrue(!finish.contains("ERROR"), "the finishing run reported errors: " + finish);

        final List<Long> journal;
        try (TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("checked")
                .aggregate(TestAggregates.Tally::new)
                .journal(archive.journal())))
        {
            journal = KafkaSinkSystemTest.sequences(KafkaSinkSystemTest.readJournal(engine, EventFilter.ALL));
        }
        final List<ConsumerRecord<byte[], byte[]>> committed = broker.readCommitted(TOPIC);
        assertTrue(journal.size() > KafkaSinkCrashProcess.BATCHES_BEFORE_PAUSE * 20,
            "enough events to have crossed many batches: " + journal.size());
        assertEquals(journal, KafkaSinkSystemTest.sortedSequences(committed), "exactly once: the topic is the journal");
        assertTrue(broker.readUncommitted(TOPIC).size() >= committed.size() + uncommittedAtKill,
            "the killed transaction's events are in the log, aborted");
    }

    private static List<String> lines(final File output) throws Exception
    {
        return output.exists() ? Files.readAllLines(output.toPath(), StandardCharsets.UTF_8) : List.of();
    }
}
