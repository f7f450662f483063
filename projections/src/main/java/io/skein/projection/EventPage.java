package io.skein.projection;

import java.util.List;

import io.skein.engine.RecordedEvent;

/**
 * One page of events read from the journal: the events (copies, with their metadata), where the next page starts,
 * and whether the durable journal went on past this page when it was read.
 */
public final class EventPage
{
    private final List<RecordedEvent> events;
    private final long fromPosition;
    private final long nextPosition;
    private final long durablePosition;

    EventPage(
        final List<RecordedEvent> events, final long fromPosition, final long nextPosition, final long durablePosition)
    {
        this.events = events;
        this.fromPosition = fromPosition;
        this.nextPosition = nextPosition;
        this.durablePosition = durablePosition;
    }

    /**
     * The events, in journal order.
     *
     * @return an unmodifiable list, empty if nothing matched.
     */
    public List<RecordedEvent> events()
    {
        return events;
    }

    /**
     * Where this page was read from.
     *
     * @return the position.
     */
    public long fromPosition()
    {
        return fromPosition;
    }

    /**
     * Where the next page starts: the end of the last entry this page examined (matching or not).
     *
     * @return the position.
     */
    public long nextPosition()
    {
        return nextPosition;
    }

    /**
     * The durable position when the page was read: the bound of the read.
     *
     * @return the position.
     */
    public long durablePosition()
    {
        return durablePosition;
    }

    /**
     * Whether more of the durable journal lies past this page (it may hold no event that matches the filter).
     *
     * @return true if a read from {@link #nextPosition()} has entries to examine.
     */
    public boolean hasMore()
    {
        return nextPosition < durablePosition;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "EventPage{events=" + events.size() + ", from=" + fromPosition + ", next=" + nextPosition +
            ", durable=" + durablePosition + ", hasMore=" + hasMore() + "}";
    }
}
