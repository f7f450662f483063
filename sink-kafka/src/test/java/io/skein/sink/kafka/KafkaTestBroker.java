package io.skein.sink.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A one-node KRaft cluster (controller and broker in one) started in this JVM by Kafka's own test kit, with the
 * settings a single broker needs for transactions, and the reads the tests check the topics with: {@code assign},
 * no consumer group, {@code read_committed} to the last stable offset.
 */
final class KafkaTestBroker implements AutoCloseable
{
    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;

    private KafkaTestBroker(final KafkaClusterTestKit cluster)
    {
        this.cluster = cluster;
        this.bootstrapServers = cluster.bootstrapServers();
    }

    static KafkaTestBroker start() throws Exception
    {
        final TestKitNodes nodes = new TestKitNodes.Builder()
            .setCombined(true)
            .setNumControllerNodes(1)
            .setNumBrokerNodes(1)
            .build();
        final KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(nodes)
            .setConfigProp("offsets.topic.replication.factor", "1")
            .setConfigProp("offsets.topic.num.partitions", "1")
            .setConfigProp("transaction.state.log.replication.factor", "1")
            .setConfigProp("transaction.state.log.min.isr", "1")
            .setConfigProp("transaction.state.log.num.partitions", "1")
            .setConfigProp("auto.create.topics.enable", "false")
            .setConfigProp("group.initial.rebalance.delay.ms", "0")
            .build();
        try
        {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaTestBroker(cluster);
        }
        catch (final Exception ex)
        {
            cluster.close();
            throw ex;
        }
    }

    String bootstrapServers()
    {
        return bootstrapServers;
    }

    void createTopic(final String topic, final int partitions) throws Exception
    {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers)))
        {
            admin.createTopics(List.of(new NewTopic(topic, Optional.of(partitions), Optional.empty())))
                .all().get(30, TimeUnit.SECONDS);
        }
    }

    void stopBroker()
    {
        cluster.brokers().values().iterator().next().shutdown();
    }

    void startBroker() throws Exception
    {
        cluster.brokers().values().iterator().next().startup();
        cluster.waitForReadyBrokers();
    }

    /**
     * Every record of a topic a {@code read_committed} consumer sees, partition by partition, each in offset order.
     */
    List<ConsumerRecord<byte[], byte[]>> readCommitted(final String topic)
    {
        return read(topic, "read_committed");
    }

    List<ConsumerRecord<byte[], byte[]>> readUncommitted(final String topic)
    {
        return read(topic, "read_uncommitted");
    }

    private List<ConsumerRecord<byte[], byte[]>> read(final String topic, final String isolation)
    {
        final Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()))
        {
            final List<TopicPartition> partitions = new ArrayList<>();
            for (final PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(10)))
            {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            final Map<TopicPartition, Long> ends = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            consumer.seekToBeginning(partitions);
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!reachedEnds(consumer, ends))
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new IllegalStateException("reading " + topic + " to " + ends);
                }
                for (final ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(100)))
                {
                    if (record.offset() < ends.get(new TopicPartition(record.topic(), record.partition())))
                    {
                        records.add(record);
                    }
                }
            }
        }
        return records;
    }

    private static boolean reachedEnds(
        final KafkaConsumer<byte[], byte[]> consumer, final Map<TopicPartition, Long> ends)
    {
        for (final Map.Entry<TopicPartition, Long> end : ends.entrySet())
        {
            if (consumer.position(end.getKey()) < end.getValue())
            {
                return false;
            }
        }
        return true;
    }

    static long longHeader(final ConsumerRecord<byte[], byte[]> record, final String name)
    {
        final Header header = record.headers().lastHeader(name);
        if (null == header)
        {
            throw new AssertionError("no header " + name + " on " + record);
        }
        final byte[] value = header.value();
        long result = 0;
        for (final byte b : value)
        {
            result = (result << 8) | (b & 0xFF);
        }
        return value.length == Integer.BYTES ? (int)result : result;
    }

    static long sequence(final ConsumerRecord<byte[], byte[]> record)
    {
        return longHeader(record, EventRecords.SEQUENCE);
    }

    @Override
    public void close() throws Exception
    {
        cluster.close();
    }
}
