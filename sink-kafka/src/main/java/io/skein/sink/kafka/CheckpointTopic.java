package io.skein.sink.kafka;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.skein.projection.Checkpoint;
import io.skein.protocol.SkeinException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The compacted, single-partition topic that holds each projection's checkpoint: key the projection's name (UTF-8),
 * value the checkpoint's position then entry sequence (8 bytes each, big endian). Written inside the batch's
 * transaction; read back from the start to the last stable offset with {@code read_committed}, with {@code assign}
 * and no consumer group, keeping the last value for the projection's key.
 */
final class CheckpointTopic
{
    private static final int VALUE_LENGTH = Long.BYTES * 2;

    private final KafkaSink.Context ctx;
    private final TopicPartition partition;
    private final byte[] key;

    CheckpointTopic(final KafkaSink.Context ctx)
    {
        this.ctx = ctx;
        this.partition = new TopicPartition(ctx.checkpointTopic(), 0);
        this.key = ctx.projectionName().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Create the topic if it is missing (compacted, one partition) and check that an existing one has one partition.
     */
    void ensureExists()
    {
        final Properties props = new Properties();
        props.putAll(ctx.adminProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ctx.bootstrapServers());
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int)ctx.timeoutMs());
        props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int)Math.min(ctx.timeoutMs(), 30_000));
        try (Admin admin = Admin.create(props))
        {
            final NewTopic topic = new NewTopic(ctx.checkpointTopic(), Optional.of(1),
                ctx.checkpointReplicationFactor() > 0 ? Optional.of(ctx.checkpointReplicationFactor()) :
                Optional.empty())
                .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            try
            {
                admin.createTopics(List.of(topic)).all().get(ctx.timeoutMs(), TimeUnit.MILLISECONDS);
            }
            catch (final ExecutionException ex)
            {
                if (!(ex.getCause() instanceof TopicExistsException))
                {
                    throw ex;
                }
            }
            final TopicDescription description = admin.describeTopics(List.of(ctx.checkpointTopic()))
                .allTopicNames().get(ctx.timeoutMs(), TimeUnit.MILLISECONDS).get(ctx.checkpointTopic());
            if (description.partitions().size() != 1)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, SkeinException.Category.FATAL,
                    "checkpoint topic " + ctx.checkpointTopic() + " has " + description.partitions().size() +
                    " partitions; it needs exactly one", null);
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new SkeinException(SkeinException.Code.GENERIC, "interrupted creating " + ctx.checkpointTopic());
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            throw new SkeinException(SkeinException.Code.NOT_CONNECTED, SkeinException.Category.ERROR,
                "cannot create or describe checkpoint topic " + ctx.checkpointTopic(), ex);
        }
    }

    /**
     * The checkpoint record for a batch's transaction.
     *
     * @param checkpoint where the batch ends.
     * @return the record (allocated: one per batch).
     */
    ProducerRecord<byte[], byte[]> record(final Checkpoint checkpoint)
    {
        final byte[] value = new byte[VALUE_LENGTH];
        EventRecords.putLong(value, 0, checkpoint.position());
        EventRecords.putLong(value, Long.BYTES, checkpoint.entrySequence());
        return new ProducerRecord<>(ctx.checkpointTopic(), 0, key, value);
    }

    /**
     * Read the last committed checkpoint of the projection.
     *
     * @return it, or {@link Checkpoint#NONE} if none was committed.
     */
    Checkpoint load()
    {
        final Properties props = new Properties();
        props.putAll(ctx.consumerProperties());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ctx.bootstrapServers());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.putIfAbsent(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int)ctx.timeoutMs());
        props.putIfAbsent(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int)Math.min(ctx.timeoutMs(), 30_000));
        final Duration timeout = Duration.ofMillis(ctx.timeoutMs());
        try (KafkaConsumer<byte[], byte[]> consumer =
            new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer()))
        {
            final List<TopicPartition> partitions = List.of(partition);
            consumer.assign(partitions);
            // With read_committed the end offset is the last stable offset: everything before it is decided.
            final long end = consumer.endOffsets(partitions, timeout).get(partition);
            consumer.seekToBeginning(partitions);
            final long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ctx.timeoutMs());
            byte[] last = null;
            while (consumer.position(partition, timeout) < end)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new SkeinException(SkeinException.Code.TIMEOUT, SkeinException.Category.ERROR,
                        "reading checkpoint topic " + ctx.checkpointTopic() + " to offset " + end + " timed out at " +
                        consumer.position(partition, timeout), null);
                }
                final ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(100));
                for (final ConsumerRecord<byte[], byte[]> record : records.records(partition))
                {
                    if (record.offset() < end && Arrays.equals(key, record.key()))
                    {
                        last = record.value();
                    }
                }
            }
            if (null == last)
            {
                return Checkpoint.NONE;
            }
            if (last.length != VALUE_LENGTH)
            {
                throw new SkeinException(SkeinException.Code.STATE_DIVERGED, SkeinException.Category.FATAL,
                    "checkpoint of " + ctx.projectionName() + " in " + ctx.checkpointTopic() + " has " +
                    last.length + " bytes, expected " + VALUE_LENGTH, null);
            }
            return new Checkpoint(EventRecords.getLong(last, 0), EventRecords.getLong(last, Long.BYTES));
        }
    }
}
