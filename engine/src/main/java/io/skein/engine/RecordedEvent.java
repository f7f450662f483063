package io.skein.engine;

import java.nio.ByteOrder;

import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageDecoderFlyweight;

/**
 * A copy of one event with the metadata the engine gave it: for tests, event history and tools, not the hot path.
 */
public final class RecordedEvent
{
    private final int templateId;
    private final long version;
    private final long sequence;
    private final long timestampNs;
    private final long correlationId;
    private final long causationId;
    private final byte[] bytes;
    private final int aggregateTypeId;
    private final long aggregateId;
    private final long position;
    private final long entrySequence;
    private final long idempotencyKeyHi;
    private final long idempotencyKeyLo;

    /**
     * An event as read from a journal entry, for tools and fixtures that read entries themselves.
     *
     * @param templateId    of the event.
     * @param version       of the aggregate after the event.
     * @param sequence      global sequence of the event.
     * @param timestampNs   of the entry holding the event.
     * @param correlationId of the command that emitted it.
     * @param causationId   of the command that emitted it.
     * @param bytes         of the event, message header included; kept, not copied.
     */
    public RecordedEvent(
        final int templateId,
        final long version,
        final long sequence,
        final long timestampNs,
        final long correlationId,
        final long causationId,
        final byte[] bytes)
    {
        this(templateId, version, sequence, timestampNs, correlationId, causationId, bytes, 0, 0,
            SkeinProtocol.NULL_POSITION, 0, 0, 0);
    }

    private RecordedEvent(
        final int templateId,
        final long version,
        final long sequence,
        final long timestampNs,
        final long correlationId,
        final long causationId,
        final byte[] bytes,
        final int aggregateTypeId,
        final long aggregateId,
        final long position,
        final long entrySequence,
        final long idempotencyKeyHi,
        final long idempotencyKeyLo)
    {
        this.aggregateTypeId = aggregateTypeId;
        this.aggregateId = aggregateId;
        this.position = position;
        this.entrySequence = entrySequence;
        this.idempotencyKeyHi = idempotencyKeyHi;
        this.idempotencyKeyLo = idempotencyKeyLo;
        this.templateId = templateId;
        this.version = version;
        this.sequence = sequence;
        this.timestampNs = timestampNs;
        this.correlationId = correlationId;
        this.causationId = causationId;
        this.bytes = bytes;
    }

    /**
     * Copy the event a {@link JournalEvents} is on, with all of its entry's metadata.
     *
     * @param events positioned on an event (after {@link JournalEvents#next()}).
     * @return the copy.
     */
    public static RecordedEvent copyOf(final JournalEvents events)
    {
        final byte[] bytes = new byte[events.event().capacity()];
        events.event().getBytes(0, bytes);
        return new RecordedEvent(events.templateId(), events.version(), events.sequence(), events.timestampNs(),
            events.correlationId(), events.causationId(), bytes, events.aggregateTypeId(), events.aggregateId(),
            events.position(), events.entrySequence(), events.idempotencyKeyHi(), events.idempotencyKeyLo());
    }

    /**
     * The aggregate type the event belongs to (0 for an event copied without its entry).
     *
     * @return the type id.
     */
    public int aggregateTypeId()
    {
        return aggregateTypeId;
    }

    /**
     * The aggregate the event belongs to (0 for an event copied without its entry).
     *
     * @return the aggregate id.
     */
    public long aggregateId()
    {
        return aggregateId;
    }

    /**
     * The journal position where the event's entry ends: resume a read after this event's entry from it.
     *
     * @return the position, or {@link SkeinProtocol#NULL_POSITION} if not read from a journal.
     */
    public long position()
    {
        return position;
    }

    /**
     * The sequence of the event's journal entry, 1-based (0 if not read from a journal).
     *
     * @return the entry sequence.
     */
    public long entrySequence()
    {
        return entrySequence;
    }

    /**
     * The high 64 bits of the idempotency key of the command that emitted the event (0 if it had none).
     *
     * @return the key's high bits.
     */
    public long idempotencyKeyHi()
    {
        return idempotencyKeyHi;
    }

    /**
     * The low 64 bits of the idempotency key of the command that emitted the event (0 if it had none).
     *
     * @return the key's low bits.
     */
    public long idempotencyKeyLo()
    {
        return idempotencyKeyLo;
    }

    /**
     * The event's bytes, message header included, for tools that decode it without generated code.
     *
     * @return a view over a copy of the event.
     */
    public DirectBuffer buffer()
    {
        return new UnsafeBuffer(bytes);
    }

    /**
     * The event's SBE template id.
     *
     * @return the template id.
     */
    public int templateId()
    {
        return templateId;
    }

    /**
     * The aggregate's version after this event.
     *
     * @return the version.
     */
    public long version()
    {
        return version;
    }

    /**
     * The event's global sequence.
     *
     * @return the sequence.
     */
    public long sequence()
    {
        return sequence;
    }

    /**
     * The command's timestamp, shared by all its events.
     *
     * @return nanoseconds since the epoch.
     */
    public long timestampNs()
    {
        return timestampNs;
    }

    /**
     * The command's correlation id.
     *
     * @return the correlation id.
     */
    public long correlationId()
    {
        return correlationId;
    }

    /**
     * The command's causation id.
     *
     * @return the causation id.
     */
    public long causationId()
    {
        return causationId;
    }

    /**
     * The event's encoded length, message header included.
     *
     * @return length in bytes.
     */
    public int length()
    {
        return bytes.length;
    }

    /**
     * Wrap a decoder over this event.
     *
     * @param decoder of the event's template.
     * @param <D>     the decoder type.
     * @return the decoder, wrapped.
     */
    public <D extends MessageDecoderFlyweight> D decode(final D decoder)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(bytes);
        final int blockLength = buffer.getShort(0, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int version = buffer.getShort(6, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        decoder.wrap(buffer, SkeinProtocol.HEADER_LENGTH, blockLength, version);
        return decoder;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "RecordedEvent{templateId=" + templateId + ", version=" + version + ", sequence=" + sequence +
            ", timestampNs=" + timestampNs + ", aggregate=" + aggregateTypeId + "/" + aggregateId +
            ", position=" + position + "}";
    }
}
