package io.skein.engine;

import java.nio.ByteOrder;

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
        this.templateId = templateId;
        this.version = version;
        this.sequence = sequence;
        this.timestampNs = timestampNs;
        this.correlationId = correlationId;
        this.causationId = causationId;
        this.bytes = bytes;
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
            ", timestampNs=" + timestampNs + "}";
    }
}
