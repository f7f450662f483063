package io.skein.sink.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import io.skein.projection.Checkpoint;
import io.skein.projection.TransactionalProjection;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinException;
import org.agrona.collections.Int2ObjectHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A projection that publishes the journal's events to Kafka exactly once. Give it to a
 * {@link io.skein.projection.ProjectionRunner} with delivery {@code EXACTLY_ONCE} and the same name as
 * {@link Context#projectionName()}.
 * <p>
 * Each runner batch is one Kafka transaction of a transactional producer with a stable {@code transactional.id}:
 * begun in {@link #onBatchStart()}, the batch's events sent in {@link #onEvent}, the checkpoint sent to the compacted
 * checkpoint topic and the transaction committed in {@link #onBatchEnd}, aborted in {@link #onBatchAbort}. The
 * checkpoint is read back with {@code read_committed} in {@link #loadCheckpoint()}, so a consumer reading the event
 * topics with {@code read_committed} sees each event exactly once across crashes and restarts.
 * <p>
 * The producer is created, and {@code initTransactions()} called, in {@link #loadCheckpoint()}, which the runner calls
 * on start and after every failure: {@code initTransactions()} fences any older producer with the same
 * {@code transactional.id} (a zombie) and waits for this id's last transaction to be committed or aborted, so the
 * checkpoint read after it is decided. A producer that is fenced in turn ({@link ProducerFencedException} or
 * {@link InvalidProducerEpochException}: a newer runner took over) is closed and the sink throws a FATAL
 * {@link SkeinException}, which stops the runner rather than let it retry and fence the newer one back. Any other
 * Kafka error (broker down, timeouts) is thrown as it is: the runner's error strategy retries from the last committed
 * checkpoint, and the sink closes the producer after the failed batch and makes a new one on that reload (a producer
 * whose commit timed out cannot tell whether it committed; a new one's {@code initTransactions()} settles it). The
 * cost: if a newer runner started while this one was failing for another reason, this one's reload fences it in
 * turn; the last to call {@code initTransactions()} wins and only one ever commits, so every event is still
 * published once. Not thread safe: the runner's thread calls it.
 * <p>
 * Event records are keyed by aggregate id (8 bytes, big endian), the value is the event's SBE message with its
 * header, and the headers {@code skein.sequence}, {@code skein.position}, {@code skein.entry-sequence},
 * {@code skein.aggregate-type} (4 bytes), {@code skein.aggregate-id}, {@code skein.version}, {@code skein.template}
 * (4 bytes), {@code skein.timestamp-ns}, {@code skein.correlation-id}, {@code skein.causation-id} and
 * {@code skein.idempotency-key} (16 bytes: high, low) are big-endian numbers.
 */
public final class KafkaSink implements TransactionalProjection, AutoCloseable
{
    private final Context ctx;
    private final EventRecords records;
    private final CheckpointTopic checkpoints;
    private KafkaProducer<byte[], byte[]> producer;
    private boolean checkpointTopicChecked;
    private boolean inTransaction;
    private boolean fenced;
    private boolean closed;
    private long transactions;
    private long producers;

    private KafkaSink(final Context ctx)
    {
        this.ctx = ctx;
        this.records = new EventRecords(ctx.topicByAggregateType, ctx.topic());
        this.checkpoints = new CheckpointTopic(ctx);
    }

    /**
     * Make a sink; it connects when the runner first loads its checkpoint.
     *
     * @param ctx for the configuration, concluded here.
     * @return the sink.
     */
    public static KafkaSink launch(final Context ctx)
    {
        return new KafkaSink(ctx.conclude());
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Checkpoint loadCheckpoint()
    {
        checkUsable();
        if (!checkpointTopicChecked)
        {
            if (ctx.createCheckpointTopic())
            {
                checkpoints.ensureExists();
            }
            checkpointTopicChecked = true;
        }
        if (null == producer)
        {
            final KafkaProducer<byte[], byte[]> newProducer =
                new KafkaProducer<>(producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
            try
            {
                newProducer.initTransactions();
            }
            catch (final RuntimeException ex)
            {
                newProducer.close(Duration.ZERO);
                throw fencedOr(ex);
            }
            producer = newProducer;
            producers++;
        }
        return checkpoints.load();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onBatchStart()
    {
        checkUsable();
        if (null == producer)
        {
            throw new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.ERROR,
                "the Kafka sink of " + ctx.projectionName() + " has no producer: its checkpoint must be loaded first",
                null);
        }
        try
        {
            producer.beginTransaction();
            inTransaction = true;
        }
        catch (final RuntimeException ex)
        {
            throw fencedOr(ex);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onEvent(final JournalEvents event)
    {
        final String topic = records.topic(event.aggregateTypeId());
        if (null != topic)
        {
            try
            {
                producer.send(records.record(topic, event));
            }
            catch (final RuntimeException ex)
            {
                throw fencedOr(ex);
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onBatchEnd(final Checkpoint checkpoint)
    {
        try
        {
            producer.send(checkpoints.record(checkpoint));
            // Flushes the batch's records first; throws if any of them failed, so nothing of a failed batch commits.
            producer.commitTransaction();
            inTransaction = false;
            transactions++;
        }
        catch (final RuntimeException ex)
        {
            throw fencedOr(ex);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onBatchAbort(final Throwable cause)
    {
        if (null == producer)
        {
            return;
        }
        if (inTransaction)
        {
            inTransaction = false;
            try
            {
                producer.abortTransaction();
            }
            catch (final RuntimeException ex)
            {
                if (isFenced(ex))
                {
                    fenced = true;
                }
            }
        }
        // Whatever state the producer is in now (a commit that timed out may still complete), a new one's
        // initTransactions() settles this id's last transaction before the runner reloads the checkpoint.
        closeProducer();
    }

    /**
     * Transactions committed by this sink.
     *
     * @return the count.
     */
    public long transactions()
    {
        return transactions;
    }

    /**
     * Producers this sink has made: one at start and one after each failed batch.
     *
     * @return the count.
     */
    public long producers()
    {
        return producers;
    }

    /**
     * Whether a newer producer with the same {@code transactional.id} fenced this sink: it does nothing more.
     *
     * @return true once fenced.
     */
    public boolean isFenced()
    {
        return fenced;
    }

    /**
     * The configuration.
     *
     * @return the concluded context.
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * Close the producer; an open transaction is aborted by the broker (or by the next producer with this id).
     */
    @Override
    public void close()
    {
        closed = true;
        closeProducer();
    }

    private void checkUsable()
    {
        if (fenced)
        {
            throw new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.FATAL,
                "the Kafka sink of " + ctx.projectionName() + " was fenced by a newer producer with transactional.id " +
                ctx.transactionalId(), null);
        }
        if (closed)
        {
            throw new SkeinException(SkeinException.Code.CLOSED, SkeinException.Category.FATAL,
                "the Kafka sink of " + ctx.projectionName() + " is closed", null);
        }
    }

    private RuntimeException fencedOr(final RuntimeException ex)
    {
        if (!isFenced(ex))
        {
            return ex;
        }
        fenced = true;
        closeProducer();
        return new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.FATAL,
            "the Kafka sink of " + ctx.projectionName() + " was fenced: a newer producer with transactional.id " +
            ctx.transactionalId() + " took over", ex);
    }

    private static boolean isFenced(final Throwable ex)
    {
        for (Throwable cause = ex; null != cause; cause = cause.getCause())
        {
            if (cause instanceof ProducerFencedException || cause instanceof InvalidProducerEpochException)
            {
                return true;
            }
            if (cause.getCause() == cause)
            {
                break;
            }
        }
        return false;
    }

    private void closeProducer()
    {
        if (null != producer)
        {
            final KafkaProducer<byte[], byte[]> toClose = producer;
            producer = null;
            inTransaction = false;
            toClose.close(Duration.ZERO);
        }
    }

    private Properties producerProperties()
    {
        final Properties props = new Properties();
        props.putAll(ctx.producerProperties());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, ctx.bootstrapServers());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, ctx.transactionalId());
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        final long timeoutMs = ctx.timeoutMs();
        final int requestTimeoutMs = (int)Math.max(500, Math.min(timeoutMs / 2, 30_000));
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        props.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeoutMs);
        props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int)Math.max(timeoutMs, requestTimeoutMs + 100));
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        return props;
    }

    /**
     * The sink's settings: where the brokers are, the projection and its {@code transactional.id}, the topics, and
     * client properties passed through.
     */
    public static final class Context
    {
        /**
         * The default checkpoint topic, shared by projections (one key each).
         */
        public static final String CHECKPOINT_TOPIC_DEFAULT = "skein-checkpoints";

        /**
         * The default prefix of the {@code transactional.id}, followed by the projection's name.
         */
        public static final String TRANSACTIONAL_ID_PREFIX = "skein-";

        /**
         * The default bound on any one blocking Kafka call, in milliseconds.
         */
        public static final long TIMEOUT_MS_DEFAULT = 30_000;

        private String bootstrapServers;
        private String projectionName;
        private String transactionalId;
        private String topic;
        private final Int2ObjectHashMap<String> topicByAggregateType = new Int2ObjectHashMap<>();
        private String checkpointTopic = CHECKPOINT_TOPIC_DEFAULT;
        private short checkpointReplicationFactor = -1;
        private boolean createCheckpointTopic = true;
        private long timeoutMs = TIMEOUT_MS_DEFAULT;
        private final Map<String, Object> producerProperties = new HashMap<>();
        private final Map<String, Object> consumerProperties = new HashMap<>();
        private final Map<String, Object> adminProperties = new HashMap<>();
        private boolean concluded;

        /**
         * Validate and fill defaults; once.
         *
         * @return this.
         */
        public Context conclude()
        {
            if (concluded)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "the Kafka sink context is concluded");
            }
            if (null == bootstrapServers || bootstrapServers.isEmpty())
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "the Kafka sink needs bootstrap servers");
            }
            if (null == projectionName || projectionName.isEmpty())
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "the Kafka sink needs a projection name");
            }
            if (null == topic && topicByAggregateType.isEmpty())
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "the Kafka sink needs a topic or a topic per aggregate type");
            }
            if (null == checkpointTopic || checkpointTopic.isEmpty())
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "the Kafka sink needs a checkpoint topic");
            }
            if (timeoutMs <= 0)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "timeoutMs must be positive: " + timeoutMs);
            }
            if (null == transactionalId)
            {
                transactionalId = TRANSACTIONAL_ID_PREFIX + projectionName;
            }
            concluded = true;
            return this;
        }

        /**
         * The brokers to bootstrap from.
         *
         * @param bootstrapServers as {@code host:port,host:port}.
         * @return this.
         */
        public Context bootstrapServers(final String bootstrapServers)
        {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /**
         * The brokers to bootstrap from.
         *
         * @return them.
         */
        public String bootstrapServers()
        {
            return bootstrapServers;
        }

        /**
         * The projection's name: the runner's name, the checkpoint's key, and the default {@code transactional.id}'s
         * suffix.
         *
         * @param name of the projection.
         * @return this.
         */
        public Context projectionName(final String name)
        {
            this.projectionName = name;
            return this;
        }

        /**
         * The projection's name.
         *
         * @return it.
         */
        public String projectionName()
        {
            return projectionName;
        }

        /**
         * The producer's {@code transactional.id}: stable for the projection, so a new runner fences an old one.
         *
         * @param transactionalId to use; default {@code skein-<projection name>}.
         * @return this.
         */
        public Context transactionalId(final String transactionalId)
        {
            this.transactionalId = transactionalId;
            return this;
        }

        /**
         * The producer's {@code transactional.id}.
         *
         * @return it.
         */
        public String transactionalId()
        {
            return transactionalId;
        }

        /**
         * The topic for events of aggregate types without their own.
         *
         * @param topic the default topic; null to publish only mapped aggregate types.
         * @return this.
         */
        public Context topic(final String topic)
        {
            this.topic = topic;
            return this;
        }

        /**
         * The topic for events of aggregate types without their own.
         *
         * @return it, or null.
         */
        public String topic()
        {
            return topic;
        }

        /**
         * A topic of its own for one aggregate type.
         *
         * @param aggregateTypeId the aggregate type.
         * @param topic           for its events.
         * @return this.
         */
        public Context topic(final int aggregateTypeId, final String topic)
        {
            topicByAggregateType.put(aggregateTypeId, topic);
            return this;
        }

        /**
         * The topic mapped to an aggregate type.
         *
         * @param aggregateTypeId the aggregate type.
         * @return the topic its events go to, or null if they are not published.
         */
        public String topic(final int aggregateTypeId)
        {
            final String mapped = topicByAggregateType.get(aggregateTypeId);
            return null != mapped ? mapped : topic;
        }

        /**
         * The compacted, single-partition topic of checkpoints.
         *
         * @param topic its name; default {@link #CHECKPOINT_TOPIC_DEFAULT}.
         * @return this.
         */
        public Context checkpointTopic(final String topic)
        {
            this.checkpointTopic = topic;
            return this;
        }

        /**
         * The checkpoint topic.
         *
         * @return its name.
         */
        public String checkpointTopic()
        {
            return checkpointTopic;
        }

        /**
         * The replication factor of the checkpoint topic if the sink creates it.
         *
         * @param replicationFactor the factor, or -1 for the broker's default.
         * @return this.
         */
        public Context checkpointReplicationFactor(final short replicationFactor)
        {
            this.checkpointReplicationFactor = replicationFactor;
            return this;
        }

        /**
         * The replication factor of the checkpoint topic if the sink creates it.
         *
         * @return the factor, or -1 for the broker's default.
         */
        public short checkpointReplicationFactor()
        {
            return checkpointReplicationFactor;
        }

        /**
         * Whether the sink creates the checkpoint topic if it is missing (through Admin, with
         * {@code cleanup.policy=compact} and one partition).
         *
         * @param create true to create it; default true.
         * @return this.
         */
        public Context createCheckpointTopic(final boolean create)
        {
            this.createCheckpointTopic = create;
            return this;
        }

        /**
         * Whether the sink creates the checkpoint topic if it is missing.
         *
         * @return true if it does.
         */
        public boolean createCheckpointTopic()
        {
            return createCheckpointTopic;
        }

        /**
         * The bound on a blocking Kafka call ({@code max.block.ms}, the delivery timeout, reading the checkpoint),
         * unless set in the passed-through properties.
         *
         * @param timeoutMs in milliseconds; default {@link #TIMEOUT_MS_DEFAULT}.
         * @return this.
         */
        public Context timeoutMs(final long timeoutMs)
        {
            this.timeoutMs = timeoutMs;
            return this;
        }

        /**
         * The bound on a blocking Kafka call.
         *
         * @return it in milliseconds.
         */
        public long timeoutMs()
        {
            return timeoutMs;
        }

        /**
         * A producer property passed through ({@code linger.ms}, {@code compression.type}, security, ...). The sink
         * sets the bootstrap servers, {@code transactional.id}, idempotence, {@code acks=all} and serializers itself.
         *
         * @param name  of the property.
         * @param value of it.
         * @return this.
         */
        public Context producerProperty(final String name, final Object value)
        {
            producerProperties.put(name, value);
            return this;
        }

        /**
         * The producer properties passed through.
         *
         * @return them, modifiable.
         */
        public Map<String, Object> producerProperties()
        {
            return producerProperties;
        }

        /**
         * A property of the consumer that reads the checkpoint (security, ...); it is always {@code read_committed}.
         *
         * @param name  of the property.
         * @param value of it.
         * @return this.
         */
        public Context consumerProperty(final String name, final Object value)
        {
            consumerProperties.put(name, value);
            return this;
        }

        /**
         * The checkpoint consumer's properties passed through.
         *
         * @return them, modifiable.
         */
        public Map<String, Object> consumerProperties()
        {
            return consumerProperties;
        }

        /**
         * A property of the admin client that creates the checkpoint topic (security, ...).
         *
         * @param name  of the property.
         * @param value of it.
         * @return this.
         */
        public Context adminProperty(final String name, final Object value)
        {
            adminProperties.put(name, value);
            return this;
        }

        /**
         * The admin client's properties passed through.
         *
         * @return them, modifiable.
         */
        public Map<String, Object> adminProperties()
        {
            return adminProperties;
        }
    }
}
