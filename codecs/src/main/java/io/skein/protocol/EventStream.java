package io.skein.protocol;

import io.aeron.FragmentAssembler;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.FrameDescriptor;
import io.aeron.logbuffer.Header;
import org.agrona.BitUtil;
import org.agrona.DirectBuffer;
import org.agrona.collections.LongHashSet;

/**
 * Turns a stream of journal fragments (an archive replay of the journal, in process or sent to a remote subscriber)
 * into checked events: entries reassembled whole, each checked ({@link EntryCheck}: header, version, CRC-32C), entry
 * sequences checked to follow one another with no gap or repeat, events filtered and handed over in journal order.
 * <p>
 * A stream started at a position checks that an entry starts there, so a position in the middle of an entry is
 * refused rather than silently skipped to the next one. A failed check or a handler that throws ends the stream's
 * progress: {@link #failure()} holds the cause, {@link #position()} stays at the end of the last entry handed over
 * whole, and the owner restarts the replay from there (the entry is handed over again) or gives up.
 * <p>
 * Not thread safe: polled by one thread. Allocation free in steady state.
 */
public final class EventStream implements FragmentHandler
{
    private final FragmentAssembler assembler = new FragmentAssembler(this::onEntry);
    private final EntryCheck entryCheck = new EntryCheck();
    private final JournalEvents events = new JournalEvents();
    private EventFilter filter = EventFilter.ALL;
    private EventHandler handler;
    private long position;
    private long entrySequence;
    private long lastTimestampNs;
    private final LongHashSet skipped = new LongHashSet();
    private boolean awaitingFirst;
    private boolean fromEntryStart;
    private long entryStart;
    private long entries;
    private long delivered;
    private long stopAtDelivered = Long.MAX_VALUE;
    private Throwable failure;
    private boolean handlerFailed;

    /**
     * Start (or restart) the stream at a position, before the fragments of a replay that starts there.
     *
     * @param fromPosition         where the replay starts.
     * @param fromEntryStart       true if an entry must start there (a resume point); false to begin with the first
     *                             whole entry after it (a live start, which may fall inside an entry).
     * @param lastEntrySequence    the sequence of the entry that ends at {@code fromPosition} if known, so the first
     *                             entry must follow it; 0 if not known.
     * @param filter               which events to hand over.
     * @param handler              for each event.
     */
    public void reset(
        final long fromPosition,
        final boolean fromEntryStart,
        final long lastEntrySequence,
        final EventFilter filter,
        final EventHandler handler)
    {
        this.position = fromPosition;
        this.fromEntryStart = fromEntryStart;
        this.entrySequence = lastEntrySequence;
        this.filter = filter;
        this.handler = handler;
        this.awaitingFirst = true;
        this.failure = null;
        this.handlerFailed = false;
        this.entryStart = SkeinProtocol.NULL_POSITION;
        assembler.clear();
    }

    /**
     * Hand events over through upcasters (see {@link JournalEvents#upcasters}).
     *
     * @param upcasters for this stream alone, or null for none.
     */
    public void upcasters(final Upcasters upcasters)
    {
        events.upcasters(upcasters);
    }

    /**
     * Hand over this event no more (a projection that skipped an event its handler refused).
     *
     * @param sequence the event's global sequence.
     */
    public void skip(final long sequence)
    {
        skipped.add(sequence);
    }

    /**
     * Stop at the first entry boundary once this many events have been handed over in all: later fragments are
     * ignored and {@link #isStopped()} says so (a page of a read is full).
     *
     * @param count the total of {@link #delivered()} to stop at; {@link Long#MAX_VALUE} not to stop.
     */
    public void stopAtDelivered(final long count)
    {
        stopAtDelivered = count;
    }

    /**
     * Whether {@link #stopAtDelivered(long)} has been reached.
     *
     * @return true if later fragments are being ignored.
     */
    public boolean isStopped()
    {
        return delivered >= stopAtDelivered;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (null != failure || delivered >= stopAtDelivered)
        {
            return;
        }
        final long start = header.position() - BitUtil.align(header.frameLength(), FrameDescriptor.FRAME_ALIGNMENT);
        final boolean begins = (header.flags() & FrameDescriptor.BEGIN_FRAG_FLAG) != 0;
        if (awaitingFirst)
        {
            awaitingFirst = false;
            // An entry that ends a term is followed by padding, which a replay does not hand over: the next entry
            // then starts the next term.
            final boolean afterPadding = 0 == header.termOffset() && start > position &&
                start - position <= (1L << header.positionBitsToShift());
            if (fromEntryStart && (!begins || (start != position && !afterPadding)))
            {
                failure = new SkeinException(SkeinException.Code.BAD_INPUT, "position " + position +
                    " is not where a journal entry starts: read from 0, from the position a read or a subscription " +
                    "gave, or from where an earlier event's entry ends (its position)");
                return;
            }
        }
        if (begins)
        {
            entryStart = start;
        }
        assembler.onFragment(buffer, offset, length, header);
    }

    private void onEntry(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (null != failure)
        {
            return;
        }
        final long end = header.position();
        final String problem = entryCheck.problem(buffer, offset, length);
        if (null != problem)
        {
            failure = new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                "journal entry between positions " + entryStart + " and " + end + " " + problem, null);
            return;
        }
        events.wrap(buffer, offset, length, end);
        final long sequence = events.entrySequence();
        if (0 != entrySequence && sequence != entrySequence + 1)
        {
            failure = new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                "journal entry between positions " + entryStart + " and " + end + " has sequence " + sequence +
                " where " + (entrySequence + 1) + " was expected: events would be " +
                (sequence > entrySequence ? "missed" : "repeated"), null);
            return;
        }
        try
        {
            final boolean several = events.changesSeveral();
            if (several || filter.matchesAggregate(events.aggregateTypeId(), events.aggregateId()))
            {
                while (events.next())
                {
                    if ((!several || filter.matchesAggregate(events.aggregateTypeId(), events.aggregateId())) &&
                        filter.matchesTemplate(events.templateId()) &&
                        (skipped.isEmpty() || !skipped.contains(events.sequence())))
                    {
                        handler.onEvent(events);
                        delivered++;
                    }
                }
            }
        }
        catch (final Throwable ex)
        {
            failure = ex;
            handlerFailed = true;
            return;
        }
        entrySequence = sequence;
        lastTimestampNs = events.timestampNs();
        position = end;
        entries++;
    }

    /**
     * The end of the last entry handed over whole: where the stream resumes.
     *
     * @return the position.
     */
    public long position()
    {
        return position;
    }

    /**
     * The sequence of the last entry handed over whole (0 if none yet and none was known).
     *
     * @return the entry sequence.
     */
    public long entrySequence()
    {
        return entrySequence;
    }

    /**
     * The engine's timestamp of the last entry handed over whole.
     *
     * @return epoch nanoseconds, 0 before the first.
     */
    public long lastTimestampNs()
    {
        return lastTimestampNs;
    }

    /**
     * Entries handed over whole since this stream was created.
     *
     * @return the count.
     */
    public long entries()
    {
        return entries;
    }

    /**
     * Events handed to the handler since this stream was created.
     *
     * @return the count.
     */
    public long delivered()
    {
        return delivered;
    }

    /**
     * Why the stream stopped, or null if it has not: a check failed (a {@link SkeinException}) or the handler
     * threw (its exception). The event positioned in {@link #failedEvent()} is the one the handler refused.
     *
     * @return the cause, or null.
     */
    public Throwable failure()
    {
        return failure;
    }

    /**
     * Whether {@link #failure()} is the handler's (it threw) rather than a failed check of the journal.
     *
     * @return true if the handler threw.
     */
    public boolean handlerFailed()
    {
        return handlerFailed;
    }

    /**
     * The event the handler was given when it threw: valid until the next fragment.
     *
     * @return the flyweight.
     */
    public JournalEvents failedEvent()
    {
        return events;
    }
}
