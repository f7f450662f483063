package io.skein.engine;

import java.nio.ByteOrder;

import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.AggregateDefinition.Binding;
import io.skein.aggregate.AggregateDefinition.Kind;
import io.skein.codecs.JournalEntryEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.protocol.EntryChecksum;
import io.skein.protocol.SkeinProtocol;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;

/**
 * Builds the journal entry of one command: handlers encode their events straight into it, each behind its length;
 * once the handler returns, the entry header and the events group header go in front and the entry is sealed with its
 * checksum. The buffer grows if a handler overruns it; the decision path then refuses the entry by size. Owned by the
 * single writer.
 */
final class EntryBuilder
{
    static final int GROUP_OFFSET = SkeinProtocol.HEADER_LENGTH + JournalEntryEncoder.BLOCK_LENGTH;
    static final int FIRST_EVENT_OFFSET = GROUP_OFFSET + EntryApplier.GROUP_HEADER_LENGTH;
    static final int MAX_EVENTS_PER_ENTRY = 0xFFFF;

    private final ExpandableArrayBuffer buffer;
    private final EntryChecksum checksum = new EntryChecksum();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final JournalEntryEncoder entryEncoder = new JournalEntryEncoder();
    private MessageEncoderFlyweight eventEncoder;
    private int eventCount;
    private int writeOffset = FIRST_EVENT_OFFSET;
    private int eventLengthOffset;
    private int length;

    EntryBuilder(final int maxEntryLength)
    {
        this.buffer = new ExpandableArrayBuffer(maxEntryLength + 1024);
    }

    /**
     * Start an empty entry, before the next command.
     */
    void reset()
    {
        eventEncoder = null;
        eventCount = 0;
        writeOffset = FIRST_EVENT_OFFSET;
        length = 0;
    }

    /**
     * Wrap an event encoder at the end of the entry, closing the event before it.
     *
     * @param definition of the aggregate type emitting the event.
     * @param encoder    of the event.
     * @param <E>        the encoder type.
     * @return the encoder, wrapped.
     * @throws IllegalStateException if the type has no applier for the event or the entry is full.
     */
    <E extends MessageEncoderFlyweight> E emit(final AggregateDefinition<Object> definition, final E encoder)
    {
        final Binding<Object> binding = definition.binding(encoder.sbeTemplateId());
        if (null == binding || binding.kind() != Kind.EVENT || encoder.sbeSchemaId() != definition.schemaId())
        {
            throw new IllegalStateException("aggregate type " + definition.name() + " has no applier for event " +
                "template " + encoder.sbeTemplateId() + " of schema " + encoder.sbeSchemaId());
        }
        if (eventCount == MAX_EVENTS_PER_ENTRY)
        {
            throw new IllegalStateException("a command may emit at most " + MAX_EVENTS_PER_ENTRY + " events");
        }
        closeEvent();
        eventLengthOffset = writeOffset;
        headerEncoder.wrap(buffer, writeOffset + EntryApplier.VAR_LENGTH_FIELD)
            .blockLength(encoder.sbeBlockLength())
            .templateId(encoder.sbeTemplateId())
            .schemaId(encoder.sbeSchemaId())
            .version(encoder.sbeSchemaVersion());
        encoder.wrap(buffer, writeOffset + EntryApplier.VAR_LENGTH_FIELD + SkeinProtocol.HEADER_LENGTH);
        eventEncoder = encoder;
        eventCount++;
        return encoder;
    }

    int eventCount()
    {
        return eventCount;
    }

    /**
     * Close the last event.
     *
     * @return the length the entry has with its events.
     */
    int closeEvents()
    {
        closeEvent();
        return writeOffset;
    }

    /**
     * Write the header in front of the events and seal the entry with its checksum; it is then {@link #length()}
     * bytes at the start of {@link #buffer()}.
     */
    void seal(
        final long entrySequence,
        final long epoch,
        final long timestampNs,
        final int typeId,
        final long aggregateId,
        final long newVersion,
        final long firstSequence,
        final long correlationId,
        final long causationId,
        final long keyHi,
        final long keyLo,
        final long logPosition)
    {
        length = writeOffset;
        entryEncoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .entrySequence(entrySequence)
            .epoch(epoch)
            .timestampNs(timestampNs)
            .aggregateTypeId(typeId)
            .aggregateId(aggregateId)
            .version(newVersion)
            .firstSequence(firstSequence)
            .correlationId(correlationId)
            .causationId(causationId)
            .idempotencyKeyHi(keyHi)
            .idempotencyKeyLo(keyLo)
            .checksum(0)
            .logPosition(logPosition);
        buffer.putShort(GROUP_OFFSET, (short)0, ByteOrder.LITTLE_ENDIAN);
        buffer.putShort(GROUP_OFFSET + 2, (short)eventCount, ByteOrder.LITTLE_ENDIAN);
        checksum.seal(buffer, 0, length);
    }

    /**
     * Drop the sealed entry: the command produced none after all.
     */
    void discard()
    {
        length = 0;
    }

    MutableDirectBuffer buffer()
    {
        return buffer;
    }

    /**
     * Length of the sealed entry, 0 if there is none.
     */
    int length()
    {
        return length;
    }

    private void closeEvent()
    {
        if (null != eventEncoder)
        {
            final int eventLength = SkeinProtocol.HEADER_LENGTH + eventEncoder.encodedLength();
            buffer.putInt(eventLengthOffset, eventLength, ByteOrder.LITTLE_ENDIAN);
            writeOffset = eventLengthOffset + EntryApplier.VAR_LENGTH_FIELD + eventLength;
            eventEncoder = null;
        }
    }
}
