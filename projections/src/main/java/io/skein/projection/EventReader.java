package io.skein.projection;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.skein.engine.RecordedEvent;
import io.skein.journal.JournalReplay;
import io.skein.protocol.EventFilter;
import io.skein.protocol.EventStream;
import io.skein.protocol.SkeinException;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Pages through the durable journal: every event from a position, in journal order, filtered, a page at a time.
 * Each read is a bounded archive replay from the position to the durable position, checked entry by entry
 * ({@link EventStream}), so a read never returns an event a crash could take back, and a position in the middle of an
 * entry is refused. A page holds whole entries: it stops after the entry that brings it to the page size (an entry
 * of several events is never split), so it can hold up to one entry's events more than asked.
 * <pre>{@code
 * EventReader reader = new EventReader(EventSource.of(engine));
 * long position = 0;
 * EventPage page;
 * do
 * {
 *     page = reader.read(position, 500, EventFilter.aggregateTypes(BankAccount.TYPE_ID));
 *     page.events().forEach(this::show);
 *     position = page.nextPosition();
 * }
 * while (page.hasMore());
 * }</pre>
 * Not thread safe: one reader per thread (each read opens and closes its own replay).
 */
public final class EventReader
{
    private static final int FRAGMENT_LIMIT = 256;
    private static final long STALL_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final EventSource source;
    private final EventStream stream = new EventStream();

    /**
     * A reader over a source.
     *
     * @param source of durable events.
     */
    public EventReader(final EventSource source)
    {
        this.source = source;
        stream.upcasters(source.upcasters());
    }

    /**
     * Read a page of events.
     *
     * @param fromPosition where an entry starts: 0 (or the journal's start), or a page's {@link
     *                     EventPage#nextPosition()}, or an event's {@link RecordedEvent#position()}.
     * @param maxEvents    the page size, at least 1.
     * @param filter       which events.
     * @return the page.
     * @throws SkeinException BAD_INPUT if the position is outside the durable journal or inside an entry; STORAGE if
     *                        an entry fails its checks or the replay stalls.
     */
    public EventPage read(final long fromPosition, final int maxEvents, final EventFilter filter)
    {
        if (maxEvents < 1)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "page size " + maxEvents + " is less than 1");
        }
        final long durable = source.durablePosition();
        final long from = source.checkedStart(fromPosition, durable);
        final List<RecordedEvent> events = new ArrayList<>(Math.min(maxEvents, 1024));
        if (from == durable)
        {
            return new EventPage(Collections.emptyList(), from, from, durable);
        }
        stream.reset(from, true, 0, filter, (event) -> events.add(RecordedEvent.copyOf(event)));
        stream.stopAtDelivered(stream.delivered() + maxEvents);
        try (JournalReplay replay = source.replay(from, durable))
        {
            final IdleStrategy idle = new BackoffIdleStrategy();
            long deadlineNs = System.nanoTime() + STALL_TIMEOUT_NS;
            while (!stream.isStopped() && replay.imagePosition() < durable)
            {
                final int fragments = replay.poll(stream, FRAGMENT_LIMIT);
                if (null != stream.failure())
                {
                    throw rethrow(stream.failure());
                }
                if (fragments > 0)
                {
                    deadlineNs = System.nanoTime() + STALL_TIMEOUT_NS;
                }
                else if (replay.isEnded() && replay.imagePosition() < durable)
                {
                    throw new SkeinException(SkeinException.Code.STORAGE, "the replay of the journal from " + from +
                        " ended at " + replay.imagePosition() + ", before the durable position " + durable);
                }
                else if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new SkeinException(SkeinException.Code.STORAGE, "the replay of the journal from " + from +
                        " stalled at " + replay.imagePosition() + " (durable to " + durable + ")");
                }
                idle.idle(fragments);
            }
        }
        finally
        {
            stream.stopAtDelivered(Long.MAX_VALUE);
        }
        return new EventPage(Collections.unmodifiableList(events), from, stream.position(), durable);
    }

    /**
     * Read a page of one aggregate's events: its history, with the same paging as {@link #read}.
     *
     * @param typeId       of the aggregate type.
     * @param aggregateId  of the aggregate.
     * @param fromPosition where an entry starts (0 for the whole history).
     * @param maxEvents    the page size.
     * @return the page.
     */
    public EventPage history(final int typeId, final long aggregateId, final long fromPosition, final int maxEvents)
    {
        return read(fromPosition, maxEvents, EventFilter.aggregate(typeId, aggregateId));
    }

    private static RuntimeException rethrow(final Throwable failure)
    {
        if (failure instanceof RuntimeException)
        {
            return (RuntimeException)failure;
        }
        return new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.ERROR,
            "reading the journal failed: " + failure, failure);
    }
}
