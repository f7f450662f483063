package io.skein.projection;

import java.util.concurrent.TimeUnit;

import io.skein.journal.JournalReplay;
import io.skein.protocol.EventFilter;
import io.skein.protocol.EventHandler;
import io.skein.protocol.EventStream;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Follows the journal from a position and goes on live: the history from the position, then each entry as it
 * becomes durable, in journal order, with no gap and no duplicate. It is one archive replay that continues live, so
 * there is no switch-over from history to live where an event could be missed or repeated; the entry sequences are
 * checked on every entry all the same. It runs off the single writer, and a slow subscriber only falls behind: its
 * replay is back-pressured, never the recording or the writer, and it catches up from the journal.
 * <p>
 * Poll it from a thread of your own ({@link #open}, then {@link #poll(int)}), or let it run on a thread of its own
 * ({@link #start}). A handler that throws is told the same entry again after a back-off (at least once: events of
 * that entry before the one that threw come again); a journal that fails its checks stops the subscription with the
 * cause in {@link #failure()}. When the recording stops (the engine closed, a follower promoted) the replay ends and
 * the subscription follows again from where it got to once the journal goes on.
 */
public final class EventSubscription implements Agent, AutoCloseable
{
    /**
     * Start from the first entry of the journal.
     */
    public static final long FROM_START = -1;

    /**
     * Start from the first entry that starts at or after the durable position when the subscription starts.
     */
    public static final long FROM_LIVE = -2;

    /**
     * The state of a subscription.
     */
    public enum State
    {
        /**
         * Replaying or waiting for entries.
         */
        FOLLOWING,

        /**
         * Waiting to follow again: after a handler error (a back-off) or after the replay ended.
         */
        WAITING,

        /**
         * Stopped for good: the journal failed its checks, or the position was not where an entry starts.
         */
        FAILED,

        /**
         * Closed, or the engine closed.
         */
        CLOSED
    }

    private static final int FRAGMENT_LIMIT = 256;
    private static final long RETRY_MIN_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long RETRY_MAX_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long REFOLLOW_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final EventSource source;
    private final EventFilter filter;
    private final EventHandler handler;
    private final ErrorHandler errorHandler;
    private final EventStream stream = new EventStream();
    private JournalReplay replay;
    private long position;
    private long entrySequence;
    private boolean fromEntryStart;
    private long retryAtNs;
    private long retryDelayNs = RETRY_MIN_NS;
    private long handlerErrors;
    private long refollows;
    private volatile State state = State.WAITING;
    private volatile Throwable failure;
    private AgentRunner runner;
    private String roleName;

    private EventSubscription(
        final EventSource source,
        final long fromPosition,
        final EventFilter filter,
        final EventHandler handler,
        final ErrorHandler errorHandler)
    {
        this.source = source;
        stream.upcasters(source.upcasters());
        this.filter = null == filter ? EventFilter.ALL : filter;
        this.handler = handler;
        this.errorHandler = errorHandler;
        this.roleName = "skein-subscription-" + source.name();
        final long durable = source.durablePosition();
        if (FROM_START == fromPosition)
        {
            position = source.startPosition();
            fromEntryStart = true;
        }
        else if (FROM_LIVE == fromPosition)
        {
            position = durable;
            fromEntryStart = false;
        }
        else
        {
            position = source.checkedStart(fromPosition, durable);
            fromEntryStart = true;
        }
    }

    /**
     * Open a subscription to poll from a thread of the caller's.
     *
     * @param source       of durable events.
     * @param fromPosition {@link #FROM_START}, {@link #FROM_LIVE}, or where an entry starts (a checkpoint).
     * @param filter       which events; null for all.
     * @param handler      for each event.
     * @param errorHandler told about handler errors and about a failure that stops the subscription.
     * @return the subscription, to {@link #poll(int)} and close.
     * @throws SkeinException BAD_INPUT if the position is outside the durable journal.
     */
    public static EventSubscription open(
        final EventSource source,
        final long fromPosition,
        final EventFilter filter,
        final EventHandler handler,
        final ErrorHandler errorHandler)
    {
        return new EventSubscription(source, fromPosition, filter, handler, errorHandler);
    }

    /**
     * Start a subscription on a thread of its own ({@code skein-subscription-<name>}), which sleeps up to a
     * millisecond when there is nothing to hand over.
     *
     * @param name         of the thread.
     * @param source       of durable events.
     * @param fromPosition {@link #FROM_START}, {@link #FROM_LIVE}, or where an entry starts (a checkpoint).
     * @param filter       which events; null for all.
     * @param handler      for each event, called on the subscription's thread.
     * @param errorHandler told about handler errors and about a failure that stops the subscription.
     * @return the running subscription; close it to stop the thread.
     */
    public static EventSubscription start(
        final String name,
        final EventSource source,
        final long fromPosition,
        final EventFilter filter,
        final EventHandler handler,
        final ErrorHandler errorHandler)
    {
        final EventSubscription subscription = open(source, fromPosition, filter, handler, errorHandler);
        subscription.roleName = "skein-subscription-" + name;
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, TimeUnit.MILLISECONDS.toNanos(1));
        subscription.runner = new AgentRunner(idle, errorHandler, null, subscription);
        AgentRunner.startOnThread(
            subscription.runner, (runnable) -> new Thread(runnable, "skein-subscription-" + name));
        return subscription;
    }

    /**
     * Hand over what has become durable since the last poll.
     *
     * @param fragmentLimit the most fragments to take.
     * @return the work done (fragments taken, or 1 for a state change).
     */
    public int poll(final int fragmentLimit)
    {
        final State current = state;
        if (State.CLOSED == current || State.FAILED == current)
        {
            return 0;
        }
        if (null == replay)
        {
            return startReplay();
        }
        final int fragments = replay.poll(stream, fragmentLimit);
        position = stream.position();
        entrySequence = stream.entrySequence();
        final Throwable cause = stream.failure();
        if (null != cause)
        {
            stopReplay();
            onFailure(cause, stream.handlerFailed());
            return 1;
        }
        if (fragments > 0)
        {
            retryDelayNs = RETRY_MIN_NS;
            fromEntryStart = true;
        }
        else if (replay.isEnded())
        {
            stopReplay();
            refollows++;
            retryAtNs = System.nanoTime() + REFOLLOW_NS;
            return 1;
        }
        return fragments;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int doWork()
    {
        return poll(FRAGMENT_LIMIT);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return roleName;
    }

    /**
     * The end of the last entry handed over whole: where this subscription would resume.
     *
     * @return the position.
     */
    public long position()
    {
        return position;
    }

    /**
     * The sequence of the last entry handed over whole (0 before the first).
     *
     * @return the entry sequence.
     */
    public long entrySequence()
    {
        return entrySequence;
    }

    /**
     * Events handed to the handler so far.
     *
     * @return the count.
     */
    public long delivered()
    {
        return stream.delivered();
    }

    /**
     * Times the handler threw.
     *
     * @return the count.
     */
    public long handlerErrors()
    {
        return handlerErrors;
    }

    /**
     * Times the replay ended and the subscription followed again.
     *
     * @return the count.
     */
    public long refollows()
    {
        return refollows;
    }

    /**
     * The state.
     *
     * @return the state.
     */
    public State state()
    {
        return state;
    }

    /**
     * What stopped the subscription, once {@link State#FAILED}.
     *
     * @return the cause, or null.
     */
    public Throwable failure()
    {
        return failure;
    }

    /**
     * Stop: the thread if it has one, then the replay.
     */
    @Override
    public void close()
    {
        if (null != runner)
        {
            CloseHelper.close(runner);
        }
        else
        {
            onClose();
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onClose()
    {
        state = State.CLOSED;
        stopReplay();
    }

    private int startReplay()
    {
        if (System.nanoTime() - retryAtNs < 0)
        {
            return 0;
        }
        if (source.isClosed())
        {
            state = State.CLOSED;
            return 1;
        }
        try
        {
            replay = source.follow(position);
        }
        catch (final RuntimeException ex)
        {
            // The recording may be between two lives (a promotion, a restart of the archive's recording): try again.
            retryAtNs = System.nanoTime() + REFOLLOW_NS;
            refollows++;
            if (refollows % 50 == 1)
            {
                errorHandler.onError(new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.WARNING,
                    "subscription to " + source.name() + " cannot follow the journal from " + position +
                    " yet: " + ex.getMessage(), ex));
            }
            return 1;
        }
        stream.reset(position, fromEntryStart, entrySequence, filter, handler);
        state = State.FOLLOWING;
        return 1;
    }

    private void onFailure(final Throwable cause, final boolean fromHandler)
    {
        if (!fromHandler)
        {
            failure = cause;
            errorHandler.onError(cause);
            state = State.FAILED;
            return;
        }
        handlerErrors++;
        state = State.WAITING;
        retryAtNs = System.nanoTime() + retryDelayNs;
        retryDelayNs = Math.min(RETRY_MAX_NS, retryDelayNs * 2);
        errorHandler.onError(new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.WARNING,
            "subscription to " + source.name() + ": the handler refused the entry ending after " + position +
            ", handing it over again after a back-off", cause));
    }

    private void stopReplay()
    {
        if (null != replay)
        {
            CloseHelper.quietClose(replay);
            replay = null;
        }
        if (State.FOLLOWING == state)
        {
            state = State.WAITING;
        }
    }
}
