package io.skein.node;

import io.aeron.Aeron;
import io.aeron.Counter;
import org.agrona.CloseHelper;

/**
 * The node's counters, allocated in the media driver's counters file so Aeron's {@code AeronStat} shows them next to
 * the driver's own.
 */
public final class NodeCounters implements AutoCloseable
{
    /**
     * Counter type id of Skein's node counters.
     */
    public static final int NODE_COUNTER_TYPE_ID = 6102;

    private final Counter openSessions;
    private final Counter sessionsOpened;
    private final Counter sessionsRejected;
    private final Counter sessionsTimedOut;
    private final Counter commandsReceived;
    private final Counter ingressBackPressure;
    private final Counter malformedFrames;
    private final Counter unknownSession;
    private final Counter repliesSent;
    private final Counter repliesDropped;
    private final Counter adminRefused;
    private final Counter agentErrors;
    private final Counter subscriptionsStarted;
    private final Counter subscriptionsRefused;

    NodeCounters(final Aeron aeron, final String name)
    {
        openSessions = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein open sessions: " + name);
        sessionsOpened = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein sessions opened: " + name);
        sessionsRejected = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein sessions rejected: " + name);
        sessionsTimedOut = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein sessions timed out: " + name);
        commandsReceived = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein ingress commands: " + name);
        ingressBackPressure = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein ingress back-pressure: " + name);
        malformedFrames = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein ingress malformed frames: " + name);
        unknownSession = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein ingress unknown session: " + name);
        repliesSent = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein egress replies: " + name);
        repliesDropped = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein egress replies dropped: " + name);
        adminRefused = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein admin requests refused: " + name);
        agentErrors = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein node agent errors: " + name);
        subscriptionsStarted = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein event subscriptions started: " + name);
        subscriptionsRefused = aeron.addCounter(NODE_COUNTER_TYPE_ID, "skein event subscriptions refused: " + name);
    }

    /**
     * Sessions open now.
     *
     * @return the counter.
     */
    public Counter openSessions()
    {
        return openSessions;
    }

    /**
     * Sessions opened since start.
     *
     * @return the counter.
     */
    public Counter sessionsOpened()
    {
        return sessionsOpened;
    }

    /**
     * Connect requests refused: bad credentials, too many sessions, or an unsupported protocol version.
     *
     * @return the counter.
     */
    public Counter sessionsRejected()
    {
        return sessionsRejected;
    }

    /**
     * Sessions closed because the client went quiet or never became reachable.
     *
     * @return the counter.
     */
    public Counter sessionsTimedOut()
    {
        return sessionsTimedOut;
    }

    /**
     * Commands taken from the ingress into the engine.
     *
     * @return the counter.
     */
    public Counter commandsReceived()
    {
        return commandsReceived;
    }

    /**
     * Times the ingress left a command in the subscription because the engine's ring was full.
     *
     * @return the counter.
     */
    public Counter ingressBackPressure()
    {
        return ingressBackPressure;
    }

    /**
     * Ingress frames that were not a message this node understands: too short, wrong schema, unknown template.
     *
     * @return the counter.
     */
    public Counter malformedFrames()
    {
        return malformedFrames;
    }

    /**
     * Ingress messages naming a session that is not open, or sent from another publication than the session's.
     *
     * @return the counter.
     */
    public Counter unknownSession()
    {
        return unknownSession;
    }

    /**
     * Replies sent to clients.
     *
     * @return the counter.
     */
    public Counter repliesSent()
    {
        return repliesSent;
    }

    /**
     * Replies dropped because the client's session was gone or its publication stayed back-pressured.
     *
     * @return the counter.
     */
    public Counter repliesDropped()
    {
        return repliesDropped;
    }

    /**
     * Admin requests the authoriser refused.
     *
     * @return the counter.
     */
    public Counter adminRefused()
    {
        return adminRefused;
    }

    /**
     * Errors thrown out of the node's agents (ingress, sessions, replication tracker or reports, replicator), as
     * their runners counted them.
     *
     * @return the counter.
     */
    public Counter agentErrors()
    {
        return agentErrors;
    }

    /**
     * Event subscriptions the node started a replay for.
     *
     * @return the counter.
     */
    public Counter subscriptionsStarted()
    {
        return subscriptionsStarted;
    }

    /**
     * Event subscriptions refused: not authorised, a bad position, or too many.
     *
     * @return the counter.
     */
    public Counter subscriptionsRefused()
    {
        return subscriptionsRefused;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        CloseHelper.closeAll(openSessions, sessionsOpened, sessionsRejected, sessionsTimedOut, commandsReceived,
            ingressBackPressure, malformedFrames, unknownSession, repliesSent, repliesDropped, adminRefused,
            agentErrors, subscriptionsStarted, subscriptionsRefused);
    }
}
