package io.skein.client;

import io.aeron.Image;
import io.aeron.Subscription;
import io.skein.protocol.EventFilter;
import io.skein.protocol.EventHandler;
import io.skein.protocol.EventStream;
import org.agrona.CloseHelper;

/**
 * A remote event subscription: the node's archive replays its durable journal to this client from a position and
 * goes on live; each entry is checked (checksum, sequence continuity, that the first one starts where asked) and its
 * events are filtered here and handed to the handler in journal order, by {@link SkeinClient#poll()} on the client's
 * thread. Flow control is per subscriber: a slow handler back-pressures its own replay, never the node's writer.
 * <p>
 * To resume after a disconnect, a node restart or a handler error, subscribe again from {@link #position()} with
 * {@link #entrySequence()}: the events after the last whole entry handled come next, none twice and none missed.
 */
public final class RemoteSubscription implements AutoCloseable
{
    /**
     * The state of a remote subscription.
     */
    public enum State
    {
        /**
         * Waiting for the replay's image.
         */
        CONNECTING,

        /**
         * Receiving.
         */
        LIVE,

        /**
         * The replay went away (the node closed, the session ended, the node ended it): subscribe again from
         * {@link #position()}.
         */
        ENDED,

        /**
         * A check failed or the handler threw: see {@link #failure()}; subscribe again from {@link #position()}.
         */
        FAILED,

        /**
         * Closed by the client.
         */
        CLOSED
    }

    private final SkeinClient client;
    private final Subscription subscription;
    private final long subscriptionId;
    private final long fromPosition;
    private final EventStream stream = new EventStream();
    private State state = State.CONNECTING;
    private boolean hadImage;

    RemoteSubscription(
        final SkeinClient client,
        final Subscription subscription,
        final long subscriptionId,
        final long fromPosition,
        final boolean fromEntryStart,
        final long lastEntrySequence,
        final EventFilter filter,
        final EventHandler handler)
    {
        this.client = client;
        this.subscription = subscription;
        this.subscriptionId = subscriptionId;
        this.fromPosition = fromPosition;
        stream.upcasters(client.subscriptionUpcasters());
        stream.reset(fromPosition, fromEntryStart, lastEntrySequence, null == filter ? EventFilter.ALL : filter,
            handler);
    }

    int poll(final int fragmentLimit)
    {
        if (state != State.CONNECTING && state != State.LIVE)
        {
            return 0;
        }
        final int fragments = subscription.poll(stream, fragmentLimit);
        if (null != stream.failure())
        {
            state = State.FAILED;
            return 1;
        }
        if (subscription.imageCount() > 0)
        {
            hadImage = true;
            state = State.LIVE;
            final Image image = subscription.imageAtIndex(0);
            if (0 == fragments && (image.isClosed() || image.isEndOfStream()))
            {
                state = State.ENDED;
                return 1;
            }
        }
        else if (hadImage)
        {
            state = State.ENDED;
            return 1;
        }
        return fragments;
    }

    void ended()
    {
        if (state == State.CONNECTING || state == State.LIVE)
        {
            state = State.ENDED;
        }
    }

    /**
     * The node's id for this subscription (its archive replay session).
     *
     * @return the id.
     */
    public long subscriptionId()
    {
        return subscriptionId;
    }

    /**
     * Where the replay started.
     *
     * @return the position.
     */
    public long fromPosition()
    {
        return fromPosition;
    }

    /**
     * The end of the last entry handed over whole: where to resume.
     *
     * @return the position.
     */
    public long position()
    {
        return stream.position();
    }

    /**
     * The sequence of the last entry handed over whole (0 before the first, if it was not known): give it when
     * resuming so the node's next entry is checked to follow it.
     *
     * @return the entry sequence.
     */
    public long entrySequence()
    {
        return stream.entrySequence();
    }

    /**
     * Events handed to the handler.
     *
     * @return the count.
     */
    public long delivered()
    {
        return stream.delivered();
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
     * Why the subscription failed: a failed check of the journal, or the handler's exception.
     *
     * @return the cause, or null.
     */
    public Throwable failure()
    {
        return stream.failure();
    }

    /**
     * Stop: tell the node to end the replay and release the subscription.
     */
    @Override
    public void close()
    {
        if (state == State.CLOSED)
        {
            return;
        }
        state = State.CLOSED;
        client.unsubscribe(this);
        CloseHelper.quietClose(subscription);
    }
}
