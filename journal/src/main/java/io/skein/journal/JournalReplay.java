package io.skein.journal;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.archive.client.AeronArchive;
import io.aeron.logbuffer.FragmentHandler;
import org.agrona.CloseHelper;

/**
 * A replay of the journal recording, bounded or going on live as entries become durable, handing over raw
 * fragments (an {@link io.skein.protocol.EventStream} turns them into checked events). It never hands over more than
 * is durable: the archive bounds a replay of a live recording by its recorded position, and a limit counter (the
 * node's replicated position) bounds it further. A slow reader back-pressures only its own replay, never the
 * recording or the writer.
 * <p>
 * The replay ends when the recording stops (the engine closed, or a follower's replication stopped for a promotion);
 * {@link #isEnded()} says so and the owner follows again from where it got to. Polled by one thread.
 */
public final class JournalReplay implements AutoCloseable
{
    private final AeronArchive archive;
    private final Subscription subscription;
    private final long replaySessionId;
    private final long fromPosition;
    private boolean connected;

    JournalReplay(
        final Aeron aeron,
        final AeronArchive archive,
        final long recordingId,
        final int replayStreamId,
        final long fromPosition,
        final long length,
        final int limitCounterId)
    {
        this.archive = archive;
        this.fromPosition = fromPosition;
        final String channel = CommonContext.IPC_CHANNEL;
        replaySessionId = Aeron.NULL_VALUE == limitCounterId ?
            archive.startReplay(recordingId, fromPosition, length, channel, replayStreamId) :
            archive.startBoundedReplay(recordingId, fromPosition, length, limitCounterId, channel, replayStreamId);
        try
        {
            subscription = aeron.addSubscription(
                ChannelUri.addSessionId(channel, (int)replaySessionId), replayStreamId);
        }
        catch (final RuntimeException ex)
        {
            stopReplay();
            throw ex;
        }
    }

    /**
     * Hand over the fragments that have arrived.
     *
     * @param handler       for each fragment, in order.
     * @param fragmentLimit the most to take.
     * @return the number taken.
     */
    public int poll(final FragmentHandler handler, final int fragmentLimit)
    {
        return subscription.poll(handler, fragmentLimit);
    }

    /**
     * Whether the replay has ended: its image went away or reached the end of the recording's stream.
     *
     * @return true if nothing more will arrive; follow again to go on.
     */
    public boolean isEnded()
    {
        if (subscription.imageCount() > 0)
        {
            connected = true;
            final Image image = subscription.imageAtIndex(0);
            return image.isEndOfStream() || image.isClosed();
        }
        return connected || subscription.isClosed();
    }

    /**
     * How far the replay's image has been consumed.
     *
     * @return the position, or {@link #fromPosition()} before the image appears.
     */
    public long imagePosition()
    {
        return subscription.imageCount() > 0 ? subscription.imageAtIndex(0).position() : fromPosition;
    }

    /**
     * Whether the replay's image has appeared.
     *
     * @return true once connected.
     */
    public boolean isConnected()
    {
        return subscription.imageCount() > 0;
    }

    /**
     * Where this replay started.
     *
     * @return the position.
     */
    public long fromPosition()
    {
        return fromPosition;
    }

    /**
     * Stop the replay and close its subscription.
     */
    @Override
    public void close()
    {
        CloseHelper.quietClose(subscription);
        stopReplay();
    }

    private void stopReplay()
    {
        try
        {
            archive.stopReplay(replaySessionId);
        }
        catch (final RuntimeException ignore)
        {
            // The replay already ended (its recording stopped or its image went away).
        }
    }
}
