package io.skein.sink.kafka;

import io.skein.protocol.JournalEvents;
import org.agrona.collections.Int2ObjectHashMap;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Turns the current event of a {@link JournalEvents} into a Kafka record: keyed by the aggregate id (8 bytes, big
 * endian, as Kafka's {@code LongSerializer} writes it), the value the event's SBE message with its header, and one
 * header per metadata field, each a big-endian number (8 bytes, 4 for the aggregate type and the template, 16 for
 * the idempotency key: high then low).
 * <p>
 * The key and header byte arrays are reused from record to record: the producer copies them into its batch inside
 * {@code send()}, before it returns. A {@code ProducerInterceptor} that keeps records past {@code onSend} must copy
 * them. The value, the record and its header list are allocated per record because Kafka's API takes them so.
 */
final class EventRecords
{
    static final String SEQUENCE = "skein.sequence";
    static final String POSITION = "skein.position";
    static final String ENTRY_SEQUENCE = "skein.entry-sequence";
    static final String AGGREGATE_TYPE = "skein.aggregate-type";
    static final String AGGREGATE_ID = "skein.aggregate-id";
    static final String VERSION = "skein.version";
    static final String TEMPLATE = "skein.template";
    static final String TIMESTAMP_NS = "skein.timestamp-ns";
    static final String CORRELATION_ID = "skein.correlation-id";
    static final String CAUSATION_ID = "skein.causation-id";
    static final String IDEMPOTENCY_KEY = "skein.idempotency-key";

    private final Int2ObjectHashMap<String> topicByAggregateType;
    private final String defaultTopic;
    private final byte[] key = new byte[Long.BYTES];
    private final byte[] sequence = new byte[Long.BYTES];
    private final byte[] position = new byte[Long.BYTES];
    private final byte[] entrySequence = new byte[Long.BYTES];
    private final byte[] aggregateType = new byte[Integer.BYTES];
    private final byte[] version = new byte[Long.BYTES];
    private final byte[] template = new byte[Integer.BYTES];
    private final byte[] timestampNs = new byte[Long.BYTES];
    private final byte[] correlationId = new byte[Long.BYTES];
    private final byte[] causationId = new byte[Long.BYTES];
    private final byte[] idempotencyKey = new byte[Long.BYTES * 2];
    private final Header[] headers;

    EventRecords(final Int2ObjectHashMap<String> topicByAggregateType, final String defaultTopic)
    {
        this.topicByAggregateType = topicByAggregateType;
        this.defaultTopic = defaultTopic;
        headers = new Header[]
        {
            new RecordHeader(SEQUENCE, sequence),
            new RecordHeader(POSITION, position),
            new RecordHeader(ENTRY_SEQUENCE, entrySequence),
            new RecordHeader(AGGREGATE_TYPE, aggregateType),
            new RecordHeader(AGGREGATE_ID, key),
            new RecordHeader(VERSION, version),
            new RecordHeader(TEMPLATE, template),
            new RecordHeader(TIMESTAMP_NS, timestampNs),
            new RecordHeader(CORRELATION_ID, correlationId),
            new RecordHeader(CAUSATION_ID, causationId),
            new RecordHeader(IDEMPOTENCY_KEY, idempotencyKey),
        };
    }

    /**
     * The topic for an aggregate type: its own if mapped, else the default.
     *
     * @param aggregateTypeId of the event.
     * @return the topic, or null if neither is set (the event is not published).
     */
    String topic(final int aggregateTypeId)
    {
        final String topic = topicByAggregateType.get(aggregateTypeId);
        return null != topic ? topic : defaultTopic;
    }

    ProducerRecord<byte[], byte[]> record(final String topic, final JournalEvents event)
    {
        putLong(key, 0, event.aggregateId());
        putLong(sequence, 0, event.sequence());
        putLong(position, 0, event.position());
        putLong(entrySequence, 0, event.entrySequence());
        putInt(aggregateType, event.aggregateTypeId());
        putLong(version, 0, event.version());
        putInt(template, event.templateId());
        putLong(timestampNs, 0, event.timestampNs());
        putLong(correlationId, 0, event.correlationId());
        putLong(causationId, 0, event.causationId());
        putLong(idempotencyKey, 0, event.idempotencyKeyHi());
        putLong(idempotencyKey, Long.BYTES, event.idempotencyKeyLo());

        final byte[] value = new byte[event.event().capacity()];
        event.event().getBytes(0, value);
        return new ProducerRecord<>(topic, null, key, value, new RecordHeaders(headers));
    }

    static void putLong(final byte[] bytes, final int offset, final long value)
    {
        for (int i = 0; i < Long.BYTES; i++)
        {
            bytes[offset + i] = (byte)(value >>> (56 - 8 * i));
        }
    }

    static long getLong(final byte[] bytes, final int offset)
    {
        long value = 0;
        for (int i = 0; i < Long.BYTES; i++)
        {
            value = (value << 8) | (bytes[offset + i] & 0xFF);
        }
        return value;
    }

    private static void putInt(final byte[] bytes, final int value)
    {
        bytes[0] = (byte)(value >>> 24);
        bytes[1] = (byte)(value >>> 16);
        bytes[2] = (byte)(value >>> 8);
        bytes[3] = (byte)value;
    }
}
