package io.skein.protocol;

import java.nio.ByteOrder;

import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Int2ObjectHashMap;

/**
 * The {@link EventUpcaster}s of a set of aggregate types, by type id, with the buffer the rewritten events go into:
 * one per reader (not thread safe). A reader with no upcasters uses {@link #none()}.
 */
public final class Upcasters
{
    private final Int2ObjectHashMap<EventUpcaster> byType = new Int2ObjectHashMap<>();
    private final ExpandableArrayBuffer current = new ExpandableArrayBuffer(256);
    private int lastLength;

    /**
     * No upcasters.
     *
     * @return an empty set, for one reader.
     */
    public static Upcasters none()
    {
        return new Upcasters();
    }

    /**
     * Add the upcaster of an aggregate type.
     *
     * @param typeId    of the aggregate type.
     * @param upcaster  for its events.
     * @return this for a fluent API.
     * @throws IllegalArgumentException if the type has one already.
     */
    public Upcasters add(final int typeId, final EventUpcaster upcaster)
    {
        if (null != byType.putIfAbsent(typeId, upcaster))
        {
            throw new IllegalArgumentException("aggregate type " + typeId + " has an upcaster already");
        }
        return this;
    }

    /**
     * A copy for another reader: the same upcasters, a buffer of its own.
     *
     * @return the copy.
     */
    public Upcasters copy()
    {
        final Upcasters copy = new Upcasters();
        copy.byType.putAll(byType);
        return copy;
    }

    /**
     * Whether there are none.
     *
     * @return true if no type has an upcaster.
     */
    public boolean isEmpty()
    {
        return byType.isEmpty();
    }

    /**
     * The upcaster of an aggregate type.
     *
     * @param typeId of the aggregate type.
     * @return its upcaster, or null.
     */
    public EventUpcaster forType(final int typeId)
    {
        return byType.get(typeId);
    }

    /**
     * Run a type's upcaster on a stored event.
     *
     * @param upcaster of the event's aggregate type.
     * @param stored   holding the event.
     * @param offset   of its message header.
     * @param length   of the event.
     * @return true if it was rewritten: {@link #current()} and {@link #currentLength()} hold the current form.
     * @throws SkeinException if the upcaster returns a length that is not a message.
     */
    public boolean upcast(final EventUpcaster upcaster, final DirectBuffer stored, final int offset, final int length)
    {
        if (length < SkeinProtocol.HEADER_LENGTH)
        {
            return false;
        }
        final int templateId = stored.getShort(offset + 2, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int version = stored.getShort(offset + 6, ByteOrder.LITTLE_ENDIAN) & 0xFFFF;
        final int written = upcaster.upcast(templateId, version, stored, offset, length, current);
        if (EventUpcaster.UNCHANGED == written)
        {
            return false;
        }
        if (written < SkeinProtocol.HEADER_LENGTH || written > current.capacity())
        {
            throw new SkeinException(SkeinException.Code.STATE_DIVERGED, SkeinException.Category.FATAL,
                "the upcaster of event template " + templateId + " version " + version + " returned " + written +
                " bytes, not a message", null);
        }
        lastLength = written;
        return true;
    }

    /**
     * The buffer holding the event the last {@link #upcast} rewrote, from index 0.
     *
     * @return the buffer.
     */
    public DirectBuffer current()
    {
        return current;
    }

    /**
     * The length of the event the last {@link #upcast} rewrote.
     *
     * @return the length, header included.
     */
    public int currentLength()
    {
        return lastLength;
    }
}
