package io.skein.sink.kafka;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.engine.RecordedEvent;
import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.orderbook.OrderBook;
import io.skein.examples.orderbook.TradeTape;
import io.skein.examples.orderbook.codecs.MessageHeaderDecoder;
import io.skein.examples.orderbook.codecs.PlaceFundedLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.Side;
import io.skein.examples.orderbook.codecs.TradeDecoder;
import io.skein.journal.TestArchive;
import io.skein.projection.Checkpoint;
import io.skein.projection.EventPage;
import io.skein.projection.EventReader;
import io.skein.projection.EventSource;
import io.skein.projection.ProjectionRunner;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.EventFilter;
import io.skein.protocol.SkeinException;
import io.skein.testsupport.Await;
import org.agrona.concurrent.UnsafeBuffer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static io.skein.sink.kafka.KafkaTestBroker.longHeader;
import static io.skein.sink.kafka.KafkaTestBroker.sequence;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka sink against a real broker (Kafka's test kit, in this JVM) and a real engine and journal: every event
 * published once with its key and metadata, a second runner fencing the first, a broker outage survived, and the
 * trade tape example.
 */
class KafkaSinkSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(40);
    private static KafkaTestBroker broker;

    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<Throwable> runnerErrors = new CopyOnWriteArrayList<>();
    private long correlation;

    @BeforeAll
    static void startBroker() throws Exception
    {
        broker = KafkaTestBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception
    {
        if (null != broker)
        {
            broker.close();
        }
    }

    @AfterEach
    void noEngineErrors()
    {
        assertEquals(List.of(), errors, "errors reported by the engine");
    }

    @Test
    void shouldPublishEveryEventOnceKeyedWithItsMetadataToTheTopicOfItsAggregateType() throws Exception
    {
        broker.createTopic("a-tally", 3);
        broker.createTopic("a-books", 2);
        broker.createTopic("a-accounts", 2);
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            for (int i = 0; i < 300; i++)
            {
                add(engine, i % 10, i);
            }
            placeOrders(engine, 300, 11);
            // Funded orders: entries addressed to a book that hold events of the traders' accounts, each of which
            // goes to the accounts' topic, keyed by its own account.
            final int fundedEntries = placeFundedOrders(engine, 120, 12);
            final long end = engine.durablePosition();
            final KafkaSink.Context sinkCtx = sinkContext("publish-a")
                .topic(TestAggregates.TYPE_ID, "a-tally")
                .topic(OrderBook.TYPE_ID, "a-books")
                .topic(BankAccount.TYPE_ID, "a-accounts");
            try (KafkaSink sink = KafkaSink.launch(sinkCtx);
                ProjectionRunner runner = ProjectionRunner.launch(runnerContext("publish-a", engine, sink, 50)))
            {
                awaitCheckpoint(runner, end);
                assertTrue(sink.transactions() >= 12, "one transaction per batch: " + sink.transactions());
                assertEquals(1, sink.producers(), "no failure, so one producer");
                assertEquals("skein-publish-a", sink.context().transactionalId());
            }
            assertEquals(List.of(), runnerErrors);

            final List<RecordedEvent> journal = readJournal(engine, EventFilter.ALL);
            final Map<Long, RecordedEvent> bySequence = new HashMap<>();
            final Map<Integer, Integer> perType = new HashMap<>();
            for (final RecordedEvent event : journal)
            {
                bySequence.put(event.sequence(), event);
                perType.merge(event.aggregateTypeId(), 1, Integer::sum);
            }
            final List<ConsumerRecord<byte[], byte[]>> tally = broker.readCommitted("a-tally");
            final List<ConsumerRecord<byte[], byte[]>> books = broker.readCommitted("a-books");
            final List<ConsumerRecord<byte[], byte[]>> accounts = broker.readCommitted("a-accounts");
            assertEquals(perType.get(TestAggregates.TYPE_ID), tally.size(), "every tally event once");
            assertEquals(perType.get(OrderBook.TYPE_ID), books.size(), "every order book event once");
            assertEquals(perType.get(BankAccount.TYPE_ID), accounts.size(), "every account event once");
            assertTrue(accounts.size() > fundedEntries, accounts.size() + " account events from " + fundedEntries +
                " funded orders");

            final List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>(tally);
            all.addAll(books);
            all.addAll(accounts);
            final Map<Long, Integer> partitionOfAggregate = new HashMap<>();
            final Map<Integer, Long> lastSequenceOfPartition = new HashMap<>();
            for (final ConsumerRecord<byte[], byte[]> record : all)
            {
                final RecordedEvent event = bySequence.remove(sequence(record));
                assertTrue(null != event, "a record of an event not in the journal, or twice: " + sequence(record));
                assertEquals(event.aggregateTypeId() == TestAggregates.TYPE_ID ? "a-tally" :
                    event.aggregateTypeId() == OrderBook.TYPE_ID ? "a-books" : "a-accounts", record.topic());
                assertEquals(event.aggregateId(), EventRecords.getLong(record.key(), 0), "keyed by aggregate id");
                final byte[] bytes = new byte[event.length()];
                event.buffer().getBytes(0, bytes);
                assertArrayEquals(bytes, record.value(), "the value is the event's SBE message");
                assertEquals(event.position(), longHeader(record, EventRecords.POSITION));
                assertEquals(event.entrySequence(), longHeader(record, EventRecords.ENTRY_SEQUENCE));
                assertEquals(event.aggregateTypeId(), longHeader(record, EventRecords.AGGREGATE_TYPE));
                assertEquals(event.aggregateId(), longHeader(record, EventRecords.AGGREGATE_ID));
                assertEquals(event.version(), longHeader(record, EventRecords.VERSION));
                assertEquals(event.templateId(), longHeader(record, EventRecords.TEMPLATE));
                assertEquals(event.timestampNs(), longHeader(record, EventRecords.TIMESTAMP_NS));
                assertEquals(event.correlationId(), longHeader(record, EventRecords.CORRELATION_ID));
                assertEquals(event.causationId(), longHeader(record, EventRecords.CAUSATION_ID));
                final byte[] key = record.headers().lastHeader(EventRecords.IDEMPOTENCY_KEY).value();
                assertEquals(event.idempotencyKeyHi(), EventRecords.getLong(key, 0));
                assertEquals(event.idempotencyKeyLo(), EventRecords.getLong(key, Long.BYTES));

                final long aggregate = event.aggregateTypeId() * 1_000_000L + event.aggregateId();
                assertEquals(partitionOfAggregate.computeIfAbsent(aggregate, (k) -> record.partition()),
                    record.partition(), "one aggregate's events on one partition");
                final int partition = record.topic().hashCode() * 31 + record.partition();
                assertTrue(lastSequenceOfPartition.getOrDefault(partition, 0L) < event.sequence(),
                    "journal order within a partition");
                lastSequenceOfPartition.put(partition, event.sequence());
            }
            assertEquals(Map.of(), bySequence, "no event left out");
            assertEquals(new Checkpoint(end, journal.get(journal.size() - 1).entrySequence()),
                lastCheckpoint("publish-a"), "the committed checkpoint is the journal's end");
        }
    }

    @Test
    void shouldPublishTheTradeTapeToItsTopic() throws Exception
    {
        broker.createTopic("trades", 3);
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            placeOrders(engine, 600, 7);
            final long end = engine.durablePosition();
            try (KafkaSink sink = KafkaSink.launch(TradeTapeToKafka.sink(broker.bootstrapServers(), "trades")
                .checkpointTopic("checkpoints"));
                ProjectionRunner runner = ProjectionRunner.launch(
                    TradeTapeToKafka.runner(engine, sink).errorHandler(runnerErrors::add)))
            {
                awaitCheckpoint(runner, end);
            }
            assertEquals(List.of(), runnerErrors);
            final List<RecordedEvent> trades = readJournal(engine, TradeTape.FILTER);
            assertTrue(trades.size() > 100, "crossing orders trade: " + trades.size());
            final List<ConsumerRecord<byte[], byte[]>> records = broker.readCommitted("trades");
            assertEquals(sequences(trades), sortedSequences(records), "every trade once, and nothing else");

            final MessageHeaderDecoder header = new MessageHeaderDecoder();
            final TradeDecoder trade = new TradeDecoder();
            long topicVolume = 0;
            for (final ConsumerRecord<byte[], byte[]> record : records)
            {
                final UnsafeBuffer value = new UnsafeBuffer(record.value());
                header.wrap(value, 0);
                assertEquals(TradeDecoder.TEMPLATE_ID, header.templateId());
                trade.wrap(value, MessageHeaderDecoder.ENCODED_LENGTH, header.blockLength(), header.version());
                topicVolume += trade.quantity();
            }
            long journalVolume = 0;
            for (final RecordedEvent event : trades)
            {
                journalVolume += event.decode(trade).quantity();
            }
            assertEquals(journalVolume, topicVolume, "the consumer decodes the trades from the values");
        }
    }

    @Test
    void shouldFenceTheFirstRunnerWhenASecondStartsWithTheSameTransactionalId() throws Exception
    {
        broker.createTopic("c-tally", 2);
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            for (int i = 0; i < 100; i++)
            {
                add(engine, i % 5, i);
            }
            final List<Throwable> firstErrors = new CopyOnWriteArrayList<>();
            try (KafkaSink first = KafkaSink.launch(sinkContext("fenced").topic("c-tally"));
                ProjectionRunner firstRunner = ProjectionRunner.launch(
                    runnerContext("fenced", engine, first, 10).errorHandler(firstErrors::add)))
            {
                awaitCheckpoint(firstRunner, engine.durablePosition());
                try (KafkaSink second = KafkaSink.launch(sinkContext("fenced").topic("c-tally"));
                    ProjectionRunner secondRunner =
                        ProjectionRunner.launch(runnerContext("fenced", engine, second, 10)))
                {
                    awaitCheckpoint(secondRunner, engine.durablePosition());
                    for (int i = 0; i < 100; i++)
                    {
                        add(engine, i % 5, i);
                    }
                    Await.until(() -> firstRunner.state() == ProjectionRunner.State.FAILED, TIMEOUT_NS,
                        () -> "the first runner fails once fenced: " + firstRunner.state() + " " + firstErrors);
                    assertTrue(first.isFenced());
                    assertEquals(SkeinException.Category.FATAL,
                        ((SkeinException)firstRunner.lastError()).category());
                    awaitCheckpoint(secondRunner, engine.durablePosition());
                    for (int i = 0; i < 50; i++)
                    {
                        add(engine, i % 5, i);
                    }
                    awaitCheckpoint(secondRunner, engine.durablePosition());
                    assertEquals(ProjectionRunner.State.FAILED, firstRunner.state(), "and stays failed");
                    assertTrue(!second.isFenced());
                }
            }
            assertEquals(List.of(), runnerErrors, "the second runner had no errors");
            final Throwable lastOfFirst = firstErrors.get(firstErrors.size() - 1);
            assertTrue(lastOfFirst instanceof SkeinException && lastOfFirst.getMessage().contains("fenced"),
                "the first ended reporting its fencing: " + firstErrors);
            assertEquals(sequences(readJournal(engine, EventFilter.ALL)),
                sortedSequences(broker.readCommitted("c-tally")), "each event exactly once");
        }
    }

    @Test
    void shouldPauseWhileTheBrokerIsDownAndResumeWithNothingLostOrTwice() throws Exception
    {
        broker.createTopic("d-tally", 2);
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            for (int i = 0; i < 100; i++)
            {
                add(engine, i % 7, i);
            }
            try (KafkaSink sink = KafkaSink.launch(sinkContext("outage").topic("d-tally").timeoutMs(2_000));
                ProjectionRunner runner = ProjectionRunner.launch(runnerContext("outage", engine, sink, 10)))
            {
                awaitCheckpoint(runner, engine.durablePosition());
                broker.stopBroker();
                final Checkpoint beforeOutage = runner.checkpoint();
                try
                {
                    for (int i = 0; i < 200; i++)
                    {
                        add(engine, i % 7, i);
                    }
                    Await.until(() -> runnerErrors.size() >= 2, TIMEOUT_NS, () -> "the runner failed and retried: " +
                        runnerErrors.size() + " " + runner.state() + " " + runner.lastError());
                    assertTrue(runner.errors() >= 1, "the batch in flight failed");
                    assertEquals(beforeOutage, runner.checkpoint(), "no progress while the broker is down");
                }
                finally
                {
                    broker.startBroker();
                }
                awaitCheckpoint(runner, engine.durablePosition());
                assertTrue(sink.producers() > 1, "a new producer after the failures: " + sink.producers());
                assertTrue(!sink.isFenced());
                assertEquals(ProjectionRunner.State.RUNNING, runner.state());
            }
            for (final Throwable error : runnerErrors)
            {
                assertTrue(!(error instanceof SkeinException) ||
                    ((SkeinException)error).category() != SkeinException.Category.FATAL, error.toString());
            }
            assertEquals(sequences(readJournal(engine, EventFilter.ALL)),
                sortedSequences(broker.readCommitted("d-tally")), "nothing lost, nothing twice");
        }
    }

    private KafkaSink.Context sinkContext(final String name)
    {
        return new KafkaSink.Context()
            .bootstrapServers(broker.bootstrapServers())
            .projectionName(name)
            .checkpointTopic("checkpoints")
            .timeoutMs(10_000);
    }

    private ProjectionRunner.Context runnerContext(
        final String name, final SkeinEngine engine, final KafkaSink sink, final int batchSize)
    {
        return new ProjectionRunner.Context()
            .name(name)
            .source(EventSource.of(engine))
            .projection(sink)
            .delivery(ProjectionRunner.Delivery.EXACTLY_ONCE)
            .batchSize(batchSize)
            .maxRetryDelayNs(TimeUnit.MILLISECONDS.toNanos(500))
            .errorHandler(runnerErrors::add);
    }

    private Checkpoint lastCheckpoint(final String name)
    {
        Checkpoint last = Checkpoint.NONE;
        for (final ConsumerRecord<byte[], byte[]> record : broker.readCommitted("checkpoints"))
        {
            if (Arrays.equals(name.getBytes(java.nio.charset.StandardCharsets.UTF_8), record.key()))
            {
                last = new Checkpoint(EventRecords.getLong(record.value(), 0),
                    EventRecords.getLong(record.value(), Long.BYTES));
            }
        }
        return last;
    }

    private static void awaitCheckpoint(final ProjectionRunner runner, final long end)
    {
        Await.until(() -> null != runner.checkpoint() && runner.checkpoint().position() >= end, TIMEOUT_NS,
            () -> "the projection reaches " + end + ": " + runner.checkpoint() + " " + runner.state() + " " +
            runner.lastError());
    }

    static List<Long> sequences(final List<RecordedEvent> events)
    {
        final List<Long> sequences = new ArrayList<>();
        for (final RecordedEvent event : events)
        {
            sequences.add(event.sequence());
        }
        return sequences;
    }

    static List<Long> sortedSequences(final List<ConsumerRecord<byte[], byte[]>> records)
    {
        final List<Long> sequences = new ArrayList<>();
        for (final ConsumerRecord<byte[], byte[]> record : records)
        {
            sequences.add(sequence(record));
        }
        sequences.sort(Long::compare);
        return sequences;
    }

    static List<RecordedEvent> readJournal(final SkeinEngine engine, final EventFilter filter)
    {
        final List<RecordedEvent> events = new ArrayList<>();
        final EventReader reader = new EventReader(EventSource.of(engine));
        long position = 0;
        EventPage page;
        do
        {
            page = reader.read(position, 10_000, filter);
            events.addAll(page.events());
            position = page.nextPosition();
        }
        while (page.hasMore());
        return events;
    }

    private SkeinEngine launch(final TestArchive archive)
    {
        return SkeinEngine.launch(new SkeinEngine.Context()
            .name("published")
            .aggregate(TestAggregates.Tally::new)
            .aggregate(OrderBook::new)
            .aggregate(BankAccount::new)
            .errorHandler(errors::add)
            .journal(archive.journal()));
    }

    private void add(final SkeinEngine engine, final long aggregateId, final long amount) throws Exception
    {
        writer.wrap(buffer, 0).correlationId(++correlation).aggregate(TestAggregates.TYPE_ID, aggregateId);
        writer.body(new AddEncoder()).amount(amount).repeat(1).behaviour(0).putNote(TestAggregates.NO_NOTE, 0, 0);
        final CommandResult result = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
        assertEquals(Outcome.ACCEPTED, result.outcome(), result.toString());
    }

    /**
     * Open a base and a quote account for each of three traders, then place funded orders on book 9.
     *
     * @return the number of funded orders accepted.
     */
    private int placeFundedOrders(final SkeinEngine engine, final int orders, final long seed) throws Exception
    {
        for (long trader = 1; trader <= 3; trader++)
        {
            for (long account = trader * 10 + 1; account <= trader * 10 + 2; account++)
            {
                writer.wrap(buffer, 0).correlationId(++correlation).aggregate(BankAccount.TYPE_ID, account);
                writer.body(new OpenAccountEncoder()).ownerId(trader).initialDeposit(1_000_000);
                final CommandResult opened = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
                assertEquals(Outcome.ACCEPTED, opened.outcome(), opened.toString());
            }
        }
        final Random random = new Random(seed);
        final PlaceFundedLimitOrderEncoder place = new PlaceFundedLimitOrderEncoder();
        int accepted = 0;
        for (long order = 1; order <= orders; order++)
        {
            final long trader = 1 + order % 3;
            writer.wrap(buffer, 0).correlationId(++correlation).aggregate(OrderBook.TYPE_ID, 9);
            writer.body(place).orderId(order).traderId(trader).side(random.nextBoolean() ? Side.BUY : Side.SELL)
                .price(95 + random.nextInt(11)).quantity(1 + random.nextInt(20)).baseAccountId(trader * 10 + 1)
                .quoteAccountId(trader * 10 + 2);
            final CommandResult result = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
            accepted += result.outcome() == Outcome.ACCEPTED ? 1 : 0;
        }
        assertEquals(orders, accepted, "every funded order is covered");
        return accepted;
    }

    private void placeOrders(final SkeinEngine engine, final int orders, final long seed) throws Exception
    {
        final Random random = new Random(seed);
        final PlaceLimitOrderEncoder place = new PlaceLimitOrderEncoder();
        CompletableFuture<CommandResult> last = null;
        for (long order = 1; order <= orders; order++)
        {
            writer.wrap(buffer, 0).correlationId(++correlation).aggregate(OrderBook.TYPE_ID, 1 + order % 3);
            writer.body(place).orderId(order).traderId(order % 13).side(random.nextBoolean() ? Side.BUY : Side.SELL)
                .price(95 + random.nextInt(11)).quantity(1 + random.nextInt(20));
            last = engine.submit(buffer, 0, writer.length());
            last.get(10, TimeUnit.SECONDS);
        }
    }
}
