package io.skein.node;

import java.util.ArrayList;

import java.util.function.Consumer;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.exceptions.RegistrationException;
import io.skein.codecs.SessionEventCode;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * The node's client sessions and their lifecycle, on the ingress thread: connecting (waiting for the egress
 * publication to the client to connect, then answering OK), rejecting (telling the client why, then forgetting it),
 * open (until closed, or silent for longer than the session timeout), and closing them all at shutdown.
 */
final class SessionManager
{
    private final SkeinNode.Context ctx;
    private final Aeron aeron;
    private final NodeCounters counters;
    private final EgressProxy egress;
    private final int maxCommandLength;
    private Consumer<ClientSession> onRemoved;
    private final Long2ObjectHashMap<ClientSession> sessionById = new Long2ObjectHashMap<>();
    private final ArrayList<ClientSession> sessions = new ArrayList<>();
    private long nextSessionId = 1;
    private long nowNs;

    SessionManager(
        final SkeinNode.Context ctx,
        final Aeron aeron,
        final NodeCounters counters,
        final EgressProxy egress,
        final int maxCommandLength)
    {
        this.ctx = ctx;
        this.aeron = aeron;
        this.counters = counters;
        this.egress = egress;
        this.maxCommandLength = maxCommandLength;
    }

    long nextId()
    {
        return nextSessionId++;
    }

    void add(final ClientSession session)
    {
        sessionById.put(session.id(), session);
        sessions.add(session);
    }

    ClientSession get(final long sessionId)
    {
        return sessionById.get(sessionId);
    }

    int size()
    {
        return sessions.size();
    }

    /**
     * Send what back-pressured clients could not take yet, in order: every duty cycle.
     *
     * @return messages sent.
     */
    int drainQueues()
    {
        int work = 0;
        for (int i = 0, size = sessions.size(); i < size; i++)
        {
            work += sessions.get(i).drain();
        }
        return work;
    }

    /**
     * Tell every open session the node is closing and close them.
     */
    void closeAll()
    {
        for (int i = sessions.size() - 1; i >= 0; i--)
        {
            final ClientSession session = sessions.get(i);
            if (session.state() == ClientSession.OPEN)
            {
                egress.sessionEvent(session, 0, SessionEventCode.CLOSED, 0, "the node is shutting down");
            }
            remove(session);
        }
    }

    /**
     * Advance every session's lifecycle: answer connects once their egress is up, refuse rejected ones, time out
     * silent sessions and connects that never completed.
     *
     * @param nowNs the time now.
     * @return work done.
     */
    int check(final long nowNs)
    {
        this.nowNs = nowNs;
        int work = 0;
        for (int i = sessions.size() - 1; i >= 0; i--)
        {
            final ClientSession session = sessions.get(i);
            work += checkSession(session);
        }
        return work;
    }

    private int checkSession(final ClientSession session)
    {
        if (null == session.publication() && !resolvePublication(session))
        {
            return 1;
        }
        final Publication publication = session.publication();
        switch (session.state())
        {
            case ClientSession.CONNECTING:
                if (publication != null && publication.isConnected() && egress.sessionEvent(
                    session, session.correlationId(), SessionEventCode.OK, maxCommandLength, ""))
                {
                    session.open(nowNs);
                    counters.sessionsOpened().incrementRelease();
                    counters.openSessions().setRelease(countOpen());
                    return 1;
                }
                break;
            case ClientSession.REJECTING:
                if (publication != null && publication.isConnected() && egress.sessionEvent(session,
                    session.correlationId(), SessionEventCode.AUTHENTICATION_REJECTED, 0, session.rejection()))
                {
                    counters.sessionsRejected().incrementRelease();
                    remove(session);
                    return 1;
                }
                break;
            case ClientSession.OPEN:
                if (nowNs - session.lastActivityNs() > ctx.sessionTimeoutNs())
                {
                    egress.sessionEvent(session, 0, SessionEventCode.CLOSED, 0,
                        "session timed out: nothing heard for " + ctx.sessionTimeoutNs() / 1_000_000 + " ms");
                    counters.sessionsTimedOut().incrementRelease();
                    remove(session);
                    return 1;
                }
                return 0;
            default:
                remove(session);
                return 1;
        }
        if (nowNs - session.connectDeadlineNs() > 0)
        {
            if (session.state() == ClientSession.CONNECTING)
            {
                counters.sessionsTimedOut().incrementRelease();
            }
            else
            {
                counters.sessionsRejected().incrementRelease();
            }
            remove(session);
            return 1;
        }
        return 0;
    }

    private boolean resolvePublication(final ClientSession session)
    {
        try
        {
            final Publication publication = aeron.getPublication(session.registrationId());
            if (null == publication)
            {
                if (nowNs - session.connectDeadlineNs() > 0)
                {
                    counters.sessionsTimedOut().incrementRelease();
                    remove(session);
                }
                return false;
            }
            session.publication(publication);
            return true;
        }
        catch (final RegistrationException ex)
        {
            counters.sessionsRejected().incrementRelease();
            remove(session);
            return false;
        }
    }

    private long countOpen()
    {
        long open = 0;
        for (int i = 0, size = sessions.size(); i < size; i++)
        {
            open += sessions.get(i).state() == ClientSession.OPEN ? 1 : 0;
        }
        return open;
    }

    /**
     * Run this after each session is removed (the event server stops its subscriptions' replays).
     *
     * @param onRemoved told of each removed session, on the node's agent thread.
     */
    void onRemoved(final Consumer<ClientSession> onRemoved)
    {
        this.onRemoved = onRemoved;
    }

    /**
     * Forget a session and close its egress.
     *
     * @param session to remove.
     */
    void remove(final ClientSession session)
    {
        sessionById.remove(session.id());
        sessions.remove(session);
        if (null == session.publication())
        {
            aeron.asyncRemovePublication(session.registrationId());
        }
        session.close();
        counters.openSessions().setRelease(countOpen());
        if (null != onRemoved)
        {
            onRemoved.accept(session);
        }
    }
}
