package io.skein.node;

import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

import io.aeron.Aeron;
import io.aeron.Counter;
import io.skein.codecs.SubscriptionEventCode;
import io.skein.engine.Durability;
import io.skein.engine.DurabilityGate;
import io.skein.engine.SkeinEngine;
import io.skein.journal.Journal;
import io.skein.projection.EventSource;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.collections.LongHashSet;

/**
 * Serves event subscriptions to remote clients: for each one the node's archive replays the durable journal from
 * the asked position to the subscriber's channel (on the session's own host) and goes on live. The archive does the
 * work (reading the recording, flow control per subscriber through the replay publication, following the live
 * recording), so the node's threads do not carry the events; a slow subscriber back-pressures only its replay.
 * <p>
 * Never past the durable position: with {@link Durability#RECORDED} the archive bounds a replay of the live
 * recording by its recorded position; with {@link Durability#REPLICATED} by the {@code skein durable position}
 * counter, which the node's agent sets from the engine's durability gate every duty cycle. A follower serves from
 * its own copy.
 * <p>
 * Starting and stopping a replay is a request to the archive that waits for its answer, so it runs on the admin
 * thread, never the ingress; a session's subscriptions are only touched there.
 */
final class EventServer implements AutoCloseable
{
    /**
     * Type id of the durable position counter.
     */
    static final int DURABLE_POSITION_TYPE_ID = 6202;

    private final SkeinNode.Context ctx;
    private final SkeinEngine engine;
    private final Journal journal;
    private final Executor executor;
    private final NodeCounters counters;
    private final ErrorHandler errorHandler;
    private final Counter durablePosition;

    EventServer(
        final SkeinNode.Context ctx,
        final SkeinEngine engine,
        final Aeron aeron,
        final Executor executor,
        final NodeCounters counters)
    {
        this.ctx = ctx;
        this.engine = engine;
        this.journal = engine.context().journal();
        this.executor = executor;
        this.counters = counters;
        this.errorHandler = ctx.errorHandler();
        durablePosition = engine.context().durability() == Durability.REPLICATED ?
            aeron.addCounter(DURABLE_POSITION_TYPE_ID, "skein durable position: " + ctx.name()) : null;
        updateDurablePosition();
    }

    /**
     * The node's events for an in-process reader, bounded as remote subscriptions are.
     *
     * @return the source.
     */
    EventSource eventSource()
    {
        return null == durablePosition ? EventSource.of(engine) : EventSource.of(engine, durablePosition.id());
    }

    /**
     * Set the durable position counter from the engine's gate (the node agent's duty cycle).
     *
     * @return 1 if it moved.
     */
    int updateDurablePosition()
    {
        if (null == durablePosition)
        {
            return 0;
        }
        final long position = engine.durablePosition();
        // Follows the gate down as well as up: a promotion cuts a follower's partial last entry off its copy, and a
        // replay must never be allowed past what the recording holds.
        if (DurabilityGate.FAILED != position && position != durablePosition.get())
        {
            durablePosition.setRelease(position);
            return 1;
        }
        return 0;
    }

    void onSubscribe(
        final ClientSession session,
        final long correlationId,
        final long fromPosition,
        final int streamId,
        final String channel)
    {
        run(session, correlationId, () -> subscribe(session, correlationId, fromPosition, streamId, channel));
    }

    void onUnsubscribe(final ClientSession session, final long subscriptionId)
    {
        run(session, 0, () ->
        {
            if (session.subscriptions().remove(subscriptionId))
            {
                journal.stopReplay(subscriptionId);
            }
        });
    }

    void onSessionRemoved(final ClientSession session)
    {
        run(session, 0, () ->
        {
            final LongHashSet.LongIterator ids = session.subscriptions().iterator();
            while (ids.hasNext())
            {
                journal.stopReplay(ids.nextValue());
            }
            session.subscriptions().clear();
        });
    }

    private void run(final ClientSession session, final long correlationId, final Runnable task)
    {
        try
        {
            executor.execute(task);
        }
        catch (final RejectedExecutionException ex)
        {
            if (0 != correlationId)
            {
                new EgressProxy(() -> true).subscriptionEvent(session, correlationId, 0,
                    SubscriptionEventCode.REFUSED, 0, "the node is closing");
            }
        }
    }

    private void subscribe(
        final ClientSession session,
        final long correlationId,
        final long fromPosition,
        final int streamId,
        final String channel)
    {
        final EgressProxy egress = new EgressProxy(() -> true);
        final String refusal = refusal(session, fromPosition);
        if (null != refusal)
        {
            counters.subscriptionsRefused().incrementRelease();
            egress.subscriptionEvent(session, correlationId, 0, SubscriptionEventCode.REFUSED, fromPosition, refusal);
            return;
        }
        final long durable = durable();
        final long from = fromPosition == -1 ? journal.startPosition() : fromPosition == -2 ? durable : fromPosition;
        final long replaySessionId;
        try
        {
            replaySessionId = journal.replayTo(from, null == durablePosition ? Aeron.NULL_VALUE :
                durablePosition.id(), channel, streamId);
        }
        catch (final RuntimeException ex)
        {
            counters.subscriptionsRefused().incrementRelease();
            errorHandler.onError(new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.WARNING,
                "the archive refused the replay of a subscription from " + from + ": " + ex.getMessage(), ex));
            egress.subscriptionEvent(session, correlationId, 0, SubscriptionEventCode.REFUSED, from,
                "the archive refused the replay: " + ex.getMessage());
            return;
        }
        session.subscriptions().add(replaySessionId);
        counters.subscriptionsStarted().incrementRelease();
        if (!egress.subscriptionEvent(session, correlationId, replaySessionId, SubscriptionEventCode.OK, from, ""))
        {
            session.subscriptions().remove(replaySessionId);
            journal.stopReplay(replaySessionId);
        }
    }

    private String refusal(final ClientSession session, final long fromPosition)
    {
        boolean authorised;
        try
        {
            authorised = ctx.authoriser().isAuthorisedToRead(session.principal());
        }
        catch (final RuntimeException ex)
        {
            errorHandler.onError(ex);
            authorised = false;
        }
        if (!authorised)
        {
            return "not authorised to read events";
        }
        if (session.subscriptions().size() >= ctx.maxSubscriptionsPerSession())
        {
            return "the session has its maximum of " + ctx.maxSubscriptionsPerSession() + " event subscriptions " +
                "(skein.subscriptions.per.session)";
        }
        if (fromPosition == -1 || fromPosition == -2)
        {
            return null;
        }
        final long durable = durable();
        if (fromPosition < journal.startPosition() || fromPosition > durable)
        {
            return "position " + fromPosition + " is outside the durable journal [" + journal.startPosition() +
                ", " + durable + "]";
        }
        if (fromPosition < durable && !journal.isEntryStart(fromPosition))
        {
            return "position " + fromPosition + " is not where a journal entry starts";
        }
        return null;
    }

    private long durable()
    {
        return null == durablePosition ? engine.durablePosition() : durablePosition.get();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        CloseHelper.quietClose(durablePosition);
    }
}
