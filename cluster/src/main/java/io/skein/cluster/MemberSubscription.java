package io.skein.cluster;

import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.archive.client.AeronArchive;
import io.skein.protocol.EventFilter;
import io.skein.protocol.EventHandler;
import io.skein.protocol.EventStream;
import org.agrona.CloseHelper;

/**
 * A remote subscription to one cluster member's event journal: the member's archive replays the journal from a
 * position to the client and goes on live, as a standalone node's subscriptions do. Each entry is checked (checksum,
 * sequence continuity, that the first one starts where asked), filtered here and handed to the handler in journal
 * order by {@link SkeinClusterClient#poll()}. A slow handler back-pressures only its own replay.
 * <p>
 * Every entry in a member's journal was decided from the committed log, so what the replay carries is durable on a
 * quorum. The members' journals hold the same entries at the same positions, so a subscription whose member went
 * away resumes on any other member from {@link #position()} with {@link #entrySequence()}: the sequence check proves
 * nothing was missed or repeated.
 */
public final class MemberSubscription implements AutoCloseable
{
    /**
     * The state of a member subscription.
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
         * The replay went away (the member stopped or ended it): subscribe again, to this or another member, from
         * {@link #position()}.
         */
        ENDED,

        /**
         * A check failed or the handler threw: see {@link #failure()}.
         */
        FAILED,

        /**
         * Closed by the client.
         */
        CLOSED
    }

    private final SkeinClusterClient client;
    private final AeronArchive archive;
    private final Subscription subscription;
    private final int memberId;
    private final long replaySessionId;
    private final long fromPosition;
    private final EventStream stream = new EventStream();
    private State state = State.CONNECTING;
    private boolean hadImage;

    MemberSubscription(
        final SkeinClusterClient client,
        final AeronArchive archive,
        final Subscription subscription,
        final int memberId,
        final long replaySessionId,
        final long fromPosition,
        final boolean fromEntryStart,
        final long lastEntrySequence,
        final EventFilter filter,
        final EventHandler handler)
    {
        this.client = client;
        this.archive = archive;
        this.subscription = subscription;
        this.memberId = memberId;
        this.replaySessionId = replaySessionId;
        this.fromPosition = fromPosition;
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
            stopReplay();
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

    /**
     * The member whose journal this reads.
     *
     * @return the member id.
     */
    public int memberId()
    {
        return memberId;
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
     * The end of the last entry handed over whole: where to resume, on this member or another.
     *
     * @return the position.
     */
    public long position()
    {
        return stream.position();
    }

    /**
     * The sequence of the last entry handed over whole (0 before the first, if it was not known): give it when
     * resuming so the next entry is checked to follow it.
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
     * Stop: end the member's replay and release the subscription.
     */
    @Override
    public void close()
    {
        if (state == State.CLOSED)
        {
            return;
        }
        final boolean replaying = state == State.CONNECTING || state == State.LIVE;
        state = State.CLOSED;
        if (replaying)
        {
            stopReplay();
        }
        CloseHelper.quietClose(subscription);
        client.removed(this);
    }

    private void stopReplay()
    {
        try
        {
            archive.stopReplay(replaySessionId);
        }
        catch (final RuntimeException ignore)
        {
            // The member went away or already ended the replay: there is nothing left to stop.
        }
    }
}
