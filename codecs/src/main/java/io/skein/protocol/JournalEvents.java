package io.skein.protocol;

import java.nio.ByteOrder;

import io.skein.codecs.JournalEntryDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A reusable flyweight over one journal entry that walks its events with the metadata the engine gave them: global
 * sequence, aggregate type, id and version, timestamp, correlation and causation ids, and idempotency key. Recovery,
 * tools, followers and projections decode entries through it.
 * <pre>{@code
 * events.wrap(buffer, offset, length);
 * while (events.next())
 * {
 *     handle(events.sequence(), events.version(), events.templateId(), events.buffer(), events.bodyOffset());
 * }
 * }</pre>
 */
public final class JournalEvents
{
    /**
     * The schema version from which each event names its own aggregate and version, and an entry may change several
     * aggregates.
     */
    public static final int MULTI_AGGREGATE_VERSION = 7;

    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final JournalEntryDecoder entryDecoder = new JournalEntryDecoder();
    private final UnsafeBuffer event = new UnsafeBuffer(0, 0);
    private JournalEntryDecoder.EventsDecoder events;
    private int count;
    private int index;
    private long firstVersion;
    private long position = SkeinProtocol.NULL_POSITION;
    private Upcasters upcasters;
    private EventUpcaster entryUpcaster;
    private int storedTemplateId = -1;
    private int storedVersion = -1;
    private boolean named;
    private boolean several;
    private DirectBuffer entryBuffer;
    private int entryOffset;
    private JournalEntryDecoder scanDecoder;

    /**
     * Read events through upcasters: an event an aggregate type's upcaster rewrites is seen in its current form,
     * with {@link #isUpcast()} true and the stored template and version still available.
     *
     * @param upcasters for this reader alone (it holds the buffer rewritten events go into), or null for none.
     * @return this for a fluent API.
     */
    public JournalEvents upcasters(final Upcasters upcasters)
    {
        this.upcasters = null == upcasters || upcasters.isEmpty() ? null : upcasters;
        return this;
    }

    /**
     * Wrap an entry and position before its first event.
     *
     * @param buffer holding the entry.
     * @param offset of the entry's message header.
     * @param length of the entry.
     * @return this for a fluent API.
     * @throws SkeinException if the bytes are not a journal entry this build reads.
     */
    public JournalEvents wrap(final DirectBuffer buffer, final int offset, final int length)
    {
        return wrap(buffer, offset, length, SkeinProtocol.NULL_POSITION);
    }

    /**
     * Wrap an entry read from the journal at a known position and position before its first event.
     *
     * @param buffer   holding the entry.
     * @param offset   of the entry's message header.
     * @param length   of the entry.
     * @param position the journal position where the entry ends: where a reader resumes after it.
     * @return this for a fluent API.
     * @throws SkeinException if the bytes are not a journal entry this build reads.
     */
    public JournalEvents wrap(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        this.position = position;
        if (length < SkeinProtocol.HEADER_LENGTH)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "journal entry of " + length + " bytes");
        }
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID ||
            headerDecoder.templateId() != JournalEntryDecoder.TEMPLATE_ID ||
            headerDecoder.version() > SkeinProtocol.SCHEMA_VERSION)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "not a journal entry: schema " +
                headerDecoder.schemaId() + " template " + headerDecoder.templateId());
        }
        entryDecoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        events = entryDecoder.events();
        count = events.count();
        index = -1;
        firstVersion = entryDecoder.version() - count + 1;
        several = headerDecoder.version() >= MULTI_AGGREGATE_VERSION &&
            (buffer.getShort(offset + SkeinProtocol.HEADER_LENGTH + headerDecoder.blockLength(),
            ByteOrder.LITTLE_ENDIAN) & 0xFFFF) >= JournalEntryDecoder.EventsDecoder.sbeBlockLength();
        named = several;
        entryBuffer = buffer;
        entryOffset = offset;
        entryUpcaster = null == upcasters ? null : upcasters.forType(entryDecoder.aggregateTypeId());
        storedTemplateId = -1;
        storedVersion = -1;
        return this;
    }

    /**
     * Move to the next event.
     *
     * @return true if there is one.
     */
    public boolean next()
    {
        if (index + 1 >= count)
        {
            return false;
        }
        events.next();
        final int length = events.bodyLength();
        final int bodyOffset = entryDecoder.limit() + 4;
        event.wrap(entryDecoder.buffer(), bodyOffset, length);
        events.skipBody();
        index++;
        storedTemplateId = -1;
        storedVersion = -1;
        final EventUpcaster upcaster = several && null != upcasters ?
            upcasters.forType(events.aggregateTypeId()) : entryUpcaster;
        if (null != upcaster && upcasters.upcast(upcaster, event, 0, length))
        {
            storedTemplateId = headerDecoder.wrap(event, 0).templateId();
            storedVersion = headerDecoder.version();
            event.wrap(upcasters.current(), 0, upcasters.currentLength());
        }
        return true;
    }

    /**
     * The entry's sequence in the journal, 1-based.
     *
     * @return the entry sequence.
     */
    public long entrySequence()
    {
        return entryDecoder.entrySequence();
    }

    /**
     * The number of events in the entry.
     *
     * @return the count.
     */
    public int eventCount()
    {
        return count;
    }

    /**
     * The epoch that wrote the entry.
     *
     * @return the epoch.
     */
    public long epoch()
    {
        return entryDecoder.epoch();
    }

    /**
     * Where, in a cluster's log, the command that produced the entry ends (cluster mode).
     *
     * @return the log position, {@link SkeinProtocol#NULL_POSITION} for an entry written outside cluster mode or
     * before schema version 5.
     */
    public long logPosition()
    {
        final long logPosition = entryDecoder.logPosition();
        return logPosition == JournalEntryDecoder.logPositionNullValue() ? SkeinProtocol.NULL_POSITION : logPosition;
    }

    /**
     * The command's timestamp, shared by all its events.
     *
     * @return nanoseconds since the epoch.
     */
    public long timestampNs()
    {
        return entryDecoder.timestampNs();
    }

    /**
     * The aggregate type of the current event; before the first {@link #next()}, the entry's own (the aggregate the
     * command addressed).
     *
     * @return the type id.
     */
    public int aggregateTypeId()
    {
        return index >= 0 && named ? events.aggregateTypeId() : entryDecoder.aggregateTypeId();
    }

    /**
     * The aggregate of the current event; before the first {@link #next()}, the entry's own.
     *
     * @return the aggregate id.
     */
    public long aggregateId()
    {
        return index >= 0 && named ? events.aggregateId() : entryDecoder.aggregateId();
    }

    /**
     * The aggregate type of the entry: the one the command addressed.
     *
     * @return the type id.
     */
    public int entryAggregateTypeId()
    {
        return entryDecoder.aggregateTypeId();
    }

    /**
     * The aggregate of the entry: the one the command addressed.
     *
     * @return the aggregate id.
     */
    public long entryAggregateId()
    {
        return entryDecoder.aggregateId();
    }

    /**
     * The version of the entry's own aggregate after the entry.
     *
     * @return the version.
     */
    public long entryVersion()
    {
        return entryDecoder.version();
    }

    /**
     * Whether the entry changes more than its own aggregate (a command across aggregates, schema version 7 on): its
     * events then name their own aggregates, so each event's {@link #aggregateTypeId()}, {@link #aggregateId()} and
     * {@link #version()} are its own.
     *
     * @return true if its events name their aggregates.
     */
    public boolean changesSeveral()
    {
        return several;
    }

    /**
     * How many of the entry's events are its own aggregate's (all of them unless {@link #changesSeveral()}): a scan
     * of the events that leaves the iteration where it is.
     *
     * @return the count.
     */
    public int ownEventCount()
    {
        if (!several)
        {
            return count;
        }
        if (null == scanDecoder)
        {
            scanDecoder = new JournalEntryDecoder();
        }
        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(entryBuffer, entryOffset);
        scanDecoder.wrap(entryBuffer, entryOffset + SkeinProtocol.HEADER_LENGTH, header.blockLength(),
            header.version());
        final JournalEntryDecoder.EventsDecoder scan = scanDecoder.events();
        int own = 0;
        while (scan.hasNext())
        {
            scan.next();
            if (scan.aggregateTypeId() == entryDecoder.aggregateTypeId() &&
                scan.aggregateId() == entryDecoder.aggregateId())
            {
                own++;
            }
            scan.skipBody();
        }
        return own;
    }

    /**
     * The command's correlation id.
     *
     * @return the correlation id.
     */
    public long correlationId()
    {
        return entryDecoder.correlationId();
    }

    /**
     * The command's causation id.
     *
     * @return the causation id.
     */
    public long causationId()
    {
        return entryDecoder.causationId();
    }

    /**
     * High half of the command's idempotency key.
     *
     * @return the high 64 bits, 0 with the low half if none.
     */
    public long idempotencyKeyHi()
    {
        return entryDecoder.idempotencyKeyHi();
    }

    /**
     * Low half of the command's idempotency key.
     *
     * @return the low 64 bits.
     */
    public long idempotencyKeyLo()
    {
        return entryDecoder.idempotencyKeyLo();
    }

    /**
     * The current event's global sequence.
     *
     * @return the sequence.
     */
    public long sequence()
    {
        return entryDecoder.firstSequence() + index;
    }

    /**
     * The aggregate's version after the current event.
     *
     * @return the version.
     */
    public long version()
    {
        return index >= 0 && named ? events.version() : firstVersion + index;
    }

    /**
     * The current event's SBE template id (from its message header).
     *
     * @return the template id.
     */
    public int templateId()
    {
        return event.capacity() < SkeinProtocol.HEADER_LENGTH ? -1 : headerDecoder.wrap(event, 0).templateId();
    }

    /**
     * Whether the current event was rewritten by its type's upcaster: {@link #event()} is its current form.
     *
     * @return true if it was upcast.
     */
    public boolean isUpcast()
    {
        return storedTemplateId >= 0;
    }

    /**
     * The template id the current event was stored with, before any upcaster.
     *
     * @return the stored template id.
     */
    public int storedTemplateId()
    {
        return storedTemplateId >= 0 ? storedTemplateId : templateId();
    }

    /**
     * The schema version the current event was stored with, before any upcaster.
     *
     * @return the stored version, or -1 if the event is too short for a header.
     */
    public int storedVersion()
    {
        if (storedTemplateId >= 0)
        {
            return storedVersion;
        }
        return event.capacity() < SkeinProtocol.HEADER_LENGTH ? -1 : headerDecoder.wrap(event, 0).version();
    }

    /**
     * The current event, message header included.
     *
     * @return a view valid until the next call to {@link #next()} or {@link #wrap}.
     */
    public DirectBuffer event()
    {
        return event;
    }

    /**
     * The journal position where the entry ends: a reader that has handled this entry resumes from it. The
     * checkpoint of a projection and the resume point of a subscription.
     *
     * @return the position, or {@link SkeinProtocol#NULL_POSITION} if the entry was wrapped without one.
     */
    public long position()
    {
        return position;
    }

    /**
     * The index of the current event within its entry, 0-based.
     *
     * @return the index, -1 before the first {@link #next()}.
     */
    public int eventIndex()
    {
        return index;
    }
}
