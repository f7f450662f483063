package io.skein.node;

import java.util.concurrent.locks.LockSupport;

import io.aeron.Publication;
import io.skein.engine.ReplyListener;
import io.skein.protocol.Reply;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;

/**
 * One client's session on a node: where its replies go and what state it is in. The ingress agent owns its life
 * cycle; the engine's reply thread sends replies through {@link #onReply(Reply)}, each retried for at most a bounded
 * time so a slow or vanished client never holds up the engine.
 */
final class ClientSession implements ReplyListener
{
    static final int CONNECTING = 0;
    static final int REJECTING = 1;
    static final int OPEN = 2;
    static final int CLOSED = 3;

    private final long id;
    private final long correlationId;
    private final int aeronSessionId;
    private final long registrationId;
    private final NodeCounters counters;
    private final long sendTimeoutNs;
    private volatile boolean lagging;
    private final String rejection;
    private String principal = Authoriser.CLIENT;
    private volatile Publication publication;
    private volatile int state;
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
        final long sendTimeoutNs)
    {
        this.id = id;
        this.correlationId = correlationId;
        this.aeronSessionId = aeronSessionId;
        this.registrationId = registrationId;
        this.rejection = rejection;
        this.counters = counters;
        this.sendTimeoutNs = sendTimeoutNs;
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
     * Send a message to the client, retrying while back-pressured for at most the send timeout. A session whose
     * client stayed back-pressured for the whole timeout is lagging: later messages get one attempt each until one
     * gets through, so a stuck client costs the sending thread one timeout, not one per message.
     *
     * @param buffer holding the message.
     * @param offset of the message.
     * @param length of the message.
     * @return true if the message was sent.
     */
    boolean send(final DirectBuffer buffer, final int offset, final int length)
    {
        final Publication publication = this.publication;
        if (null == publication)
        {
            return false;
        }
        long deadlineNs = 0;
        for (int attempt = 0; true; attempt++)
        {
            final long result = publication.offer(buffer, offset, length);
            if (result > 0)
            {
                lagging = false;
                return true;
            }
            if (result == Publication.NOT_CONNECTED || result == Publication.CLOSED ||
                result == Publication.MAX_POSITION_EXCEEDED || lagging)
            {
                return false;
            }
            if (0 == attempt)
            {
                deadlineNs = System.nanoTime() + sendTimeoutNs;
            }
            else if (System.nanoTime() - deadlineNs > 0)
            {
                lagging = true;
                return false;
            }
            if (attempt < 16)
            {
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(10_000);
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onReply(final Reply reply)
    {
        if (state == OPEN && send(reply.buffer(), reply.offset(), reply.encodedLength()))
        {
            counters.repliesSent().incrementRelease();
        }
        else
        {
            counters.repliesDropped().increment();
        }
    }

    void close()
    {
        state = CLOSED;
        CloseHelper.quietClose(publication);
    }
}
