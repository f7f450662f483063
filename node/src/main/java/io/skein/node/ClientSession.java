package io.skein.node;

import java.util.concurrent.locks.ReentrantLock;

import io.aeron.Publication;
import io.skein.engine.ReplyListener;
import io.skein.protocol.Reply;
import org.agrona.collections.LongHashSet;
import org.agrona.BitUtil;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableRingBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * One client's session on a node: where its replies go and what state it is in. The ingress agent owns its life
 * cycle; the engine's reply thread sends replies through {@link #onReply(Reply)}. A reply is offered once; if the
 * client is back-pressured it waits in the session's queue (at most the egress queue length, then further messages
 * are dropped and counted), which the node's agent drains in its duty cycle, in order. Nothing on the reply path
 * sleeps or retries, so a slow client never delays another's replies.
 */
final class ClientSession implements ReplyListener
{
    static final int CONNECTING = 0;
    static final int REJECTING = 1;
    static final int OPEN = 2;
    static final int CLOSED = 3;

    static final int SENT = 0;
    static final int QUEUED = 1;
    static final int DROPPED = 2;

    private final long id;
    private final long correlationId;
    private final int aeronSessionId;
    private final long registrationId;
    private final NodeCounters counters;
    private final int queueCapacity;
    private final ReentrantLock lock = new ReentrantLock();
    private final ExpandableRingBuffer queue;
    private final ExpandableRingBuffer.MessageConsumer drainer = this::offerQueued;
    private final String rejection;
    private String principal = Authoriser.CLIENT;
    private String responseChannel;
    private final LongHashSet subscriptions = new LongHashSet();
    private volatile Publication publication;
    private volatile int state;
    private Publication drainPublication;
    private int drained;
    private long lastActivityNs;
    private final long connectDeadlineNs;

    ClientSession(
        final long id,
        final long correlationId,
        final int aeronSessionId,
        final long registrationId,
        final String rejection,
        final long nowNs,
        final long connectTimeoutNs,
        final NodeCounters counters,
        final int queueCapacity)
    {
        this.id = id;
        this.correlationId = correlationId;
        this.aeronSessionId = aeronSessionId;
        this.registrationId = registrationId;
        this.rejection = rejection;
        this.counters = counters;
        this.queueCapacity = queueCapacity;
        this.queue = new ExpandableRingBuffer(0, ExpandableRingBuffer.MAX_CAPACITY, true);
        this.state = null == rejection ? CONNECTING : REJECTING;
        this.lastActivityNs = nowNs;
        this.connectDeadlineNs = nowNs + connectTimeoutNs;
    }

    long id()
    {
        return id;
    }

    long correlationId()
    {
        return correlationId;
    }

    int aeronSessionId()
    {
        return aeronSessionId;
    }

    long registrationId()
    {
        return registrationId;
    }

    /**
     * Name the session for the authoriser, as its authenticator did.
     *
     * @param principal the principal.
     */
    void principal(final String principal)
    {
        this.principal = principal;
    }

    /**
     * Keep the client's response channel as it asked for it, for the replays of its event subscriptions.
     *
     * @param channel the checked channel.
     */
    void responseChannel(final String channel)
    {
        this.responseChannel = channel;
    }

    /**
     * The client's response channel.
     *
     * @return the channel.
     */
    String responseChannel()
    {
        return responseChannel;
    }

    /**
     * The replay session ids of this session's event subscriptions; touched only on the node's admin thread.
     *
     * @return the set.
     */
    LongHashSet subscriptions()
    {
        return subscriptions;
    }

    /**
     * The session's principal, for the authoriser.
     *
     * @return the principal.
     */
    String principal()
    {
        return principal;
    }

    String rejection()
    {
        return rejection;
    }

    int state()
    {
        return state;
    }

    void open(final long nowNs)
    {
        lastActivityNs = nowNs;
        state = OPEN;
    }

    Publication publication()
    {
        return publication;
    }

    void publication(final Publication publication)
    {
        this.publication = publication;
    }

    long lastActivityNs()
    {
        return lastActivityNs;
    }

    void touch(final long nowNs)
    {
        lastActivityNs = nowNs;
    }

    long connectDeadlineNs()
    {
        return connectDeadlineNs;
    }

    /**
     * Send a message to the client: offered at once if nothing is queued before it, else (or if the client is
     * back-pressured) queued behind the others, so messages reach the client in order. Never waits.
     *
     * @param buffer holding the message.
     * @param offset of the message.
     * @param length of the message.
     * @return {@link #SENT}, {@link #QUEUED}, or {@link #DROPPED} (no publication, not connected or closed, or the
     * queue is full).
     */
    int send(final DirectBuffer buffer, final int offset, final int length)
    {
        final Publication publication = this.publication;
        if (null == publication)
        {
            return DROPPED;
        }
        lock.lock();
        try
        {
            if (queue.isEmpty())
            {
                final long result = publication.offer(buffer, offset, length);
                if (result > 0)
                {
                    return SENT;
                }
                if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED ||
                    result == Publication.MAX_POSITION_EXCEEDED)
                {
                    return DROPPED;
                }
            }
            if (queue.size() + BitUtil.align(length + ExpandableRingBuffer.HEADER_LENGTH,
                ExpandableRingBuffer.HEADER_ALIGNMENT) > queueCapacity)
            {
                return DROPPED;
            }
            queue.append(buffer, offset, length);
            return QUEUED;
        }
        finally
        {
            lock.unlock();
        }
    }

    /**
     * Offer the queued messages, in order, until the client is back-pressured again: on the node's agent thread,
     * which never waits for the lock (the reply thread holds it only to offer or append one message).
     *
     * @return the number of messages sent.
     */
    int drain()
    {
        if (queue.isEmpty() || !lock.tryLock())
        {
            return 0;
        }
        try
        {
            final Publication publication = this.publication;
            if (null == publication || state == CLOSED)
            {
                return 0;
            }
            drainPublication = publication;
            drained = 0;
            queue.consume(drainer, Integer.MAX_VALUE);
            if (drained > 0)
            {
                counters.repliesSent().getAndAddRelease(drained);
            }
            return drained;
        }
        finally
        {
            drainPublication = null;
            lock.unlock();
        }
    }

    /**
     * Bytes waiting in the queue.
     *
     * @return the length.
     */
    int queuedLength()
    {
        return queue.size();
    }

    private boolean offerQueued(
        final MutableDirectBuffer buffer, final int offset, final int length, final int headOffset)
    {
        final long result = drainPublication.offer(buffer, offset, length);
        if (result > 0)
        {
            drained++;
            return true;
        }
        if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED ||
            result == Publication.MAX_POSITION_EXCEEDED)
        {
            counters.repliesDropped().increment();
            return true;
        }
        return false;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onReply(final Reply reply)
    {
        final int sent = state == OPEN ? send(reply.buffer(), reply.offset(), reply.encodedLength()) : DROPPED;
        if (sent == SENT)
        {
            counters.repliesSent().incrementRelease();
        }
        else if (sent == DROPPED)
        {
            counters.repliesDropped().increment();
        }
    }

    void close()
    {
        state = CLOSED;
        lock.lock();
        try
        {
            final int lost = queue.size() > 0 ? countQueued() : 0;
            if (lost > 0)
            {
                counters.repliesDropped().getAndAdd(lost);
            }
            queue.reset(0);
        }
        finally
        {
            lock.unlock();
        }
        CloseHelper.quietClose(publication);
    }

    private int countQueued()
    {
        final int[] count = {0};
        queue.forEach((buffer, offset, length, headOffset) ->
        {
            count[0]++;
            return true;
        }, Integer.MAX_VALUE);
        return count[0];
    }
}
