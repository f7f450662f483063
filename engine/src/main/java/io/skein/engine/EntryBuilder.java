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
    static final int EVENT_BLOCK_LENGTH = JournalEntryEncoder.EventsEncoder.sbeBlockLength();

    private final ExpandableArrayBuffer buffer;
    private final EntryChecksum checksum = new EntryChecksum();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final JournalEntryEncoder entryEncoder = new JournalEntryEncoder();
    private MessageEncoderFlyweight eventEncoder;
    private int eventCount;
    private int writeOffset = FIRST_EVENT_OFFSET;
    private int eventLengthOffset;
    private int length;
    private int ownTypeId;
    private long ownAggregateId;
    private boolean touchesOthers;
    private long firstVersion;
    private ExpandableArrayBuffer scratch;

    EntryBuilder(final int maxEntryLength)
    {
        this.buffer = new ExpandableArrayBuffer(maxEntryLength + 1024);
    }

    /**
     * Start an empty entry, before the next command.
     */
    void reset()
    {
        touchesOthers = false;
        eventEncoder = null;
        eventCount = 0;
        writeOffset = FIRST_EVENT_OFFSET;
        length = 0;
    }

    /**
     * Wrap an event encoder at the end of the entry, closing the event before it.
     *
     * @param definition  of the aggregate type emitting the event.
     * @param aggregateId of the aggregate the event belongs to.
     * @param version     of that aggregate after the event.
     * @param encoder     of the event.
     * @param <E>         the encoder type.
     * @return the encoder, wrapped.
     * @throws IllegalStateException if the type has no applier for the event or the entry is full.
     */
    <E extends MessageEncoderFlyweight> E emit(
        final AggregateDefinition<Object> definition, final long aggregateId, final long version, final E encoder)
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
        if (0 == eventCount)
        {
            firstVersion = version;
        }
        if (!touchesOthers && (definition.typeId() != ownTypeId || aggregateId != ownAggregateId))
        {
            nameEvents();
            touchesOthers = true;
        }
        if (touchesOthers)
        {
            putAggregate(writeOffset, definition.typeId(), aggregateId, version);
            eventLengthOffset = writeOffset + EVENT_BLOCK_LENGTH;
        }
        else
        {
            eventLengthOffset = writeOffset;
        }
        headerEncoder.wrap(buffer, eventLengthOffset + EntryApplier.VAR_LENGTH_FIELD)
            .blockLength(encoder.sbeBlockLength())
            .templateId(encoder.sbeTemplateId())
            .schemaId(encoder.sbeSchemaId())
            .version(encoder.sbeSchemaVersion());
        encoder.wrap(buffer, eventLengthOffset + EntryApplier.VAR_LENGTH_FIELD + SkeinProtocol.HEADER_LENGTH);
        eventEncoder = encoder;
        eventCount++;
        return encoder;
    }

    int eventCount()
    {
        return eventCount;
    }

    /**
     * Name the aggregate the command addresses: its events need no aggregate of their own in the entry.
     */
    void owner(final int typeId, final long aggregateId)
    {
        ownTypeId = typeId;
        ownAggregateId = aggregateId;
    }

    /**
     * Close the last event, before {@link #seal}.
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
     * bytes at the start of {@link #buffer()}. The aggregate and version are those of the aggregate the command
     * addressed. Events that are all its own are written without aggregate fields (the group's block is then empty,
     * the layout of every entry before schema version 7); only an entry that changes other aggregates has them.
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
        buffer.putShort(GROUP_OFFSET, (short)(touchesOthers ? EVENT_BLOCK_LENGTH : 0), ByteOrder.LITTLE_ENDIAN);
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

    /**
     * The command has just emitted its first event for another aggregate: give every event written so far (all the
     * entry's own aggregate's, at consecutive versions) the aggregate fields it went without. Only commands across
     * aggregates pay for this; every other entry is written in the compact layout from the start.
     */
    private void nameEvents()
    {
        final int length = writeOffset - FIRST_EVENT_OFFSET;
        if (null == scratch)
        {
            scratch = new ExpandableArrayBuffer(buffer.capacity());
        }
        scratch.putBytes(0, buffer, FIRST_EVENT_OFFSET, length);
        int read = 0;
        int write = FIRST_EVENT_OFFSET;
        for (int i = 0; i < eventCount; i++)
        {
            final int eventLength = EntryApplier.VAR_LENGTH_FIELD + scratch.getInt(read, ByteOrder.LITTLE_ENDIAN);
            putAggregate(write, ownTypeId, ownAggregateId, firstVersion + i);
            buffer.putBytes(write + EVENT_BLOCK_LENGTH, scratch, read, eventLength);
            read += eventLength;
            write += EVENT_BLOCK_LENGTH + eventLength;
        }
        writeOffset = write;
    }

    private void putAggregate(final int offset, final int typeId, final long aggregateId, final long version)
    {
        buffer.putInt(offset + JournalEntryEncoder.EventsEncoder.aggregateTypeIdEncodingOffset(), typeId,
            ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(offset + JournalEntryEncoder.EventsEncoder.aggregateIdEncodingOffset(), aggregateId,
            ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(offset + JournalEntryEncoder.EventsEncoder.versionEncodingOffset(), version,
            ByteOrder.LITTLE_ENDIAN);
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
