package io.skein.node;

import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.ControlledFragmentAssembler;
import io.aeron.Subscription;
import io.aeron.logbuffer.ControlledFragmentHandler;
import io.aeron.logbuffer.Header;
import io.skein.codecs.AdminAction;
import io.skein.codecs.AdminRequestDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.SessionCloseDecoder;
import io.skein.codecs.SessionConnectDecoder;
import io.skein.codecs.SessionEventCode;
import io.skein.codecs.SessionHeaderDecoder;
import io.skein.codecs.SessionKeepAliveDecoder;
import io.skein.codecs.SubscribeRequestDecoder;
import io.skein.codecs.SubscriptionEventCode;
import io.skein.codecs.UnsubscribeDecoder;
import io.skein.engine.OfferResult;
import io.skein.engine.SkeinEngine;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;

/**
 * The node's ingress: polls the ingress subscription, opens and closes client sessions, and copies each session's
 * commands into the engine's ring. When the ring is full the fragment is left in the subscription (ABORT) and polled
 * again later, so back-pressure reaches the client through Aeron flow control and nothing is dropped.
 */
final class IngressAgent implements Agent, ControlledFragmentHandler
{
    private static final int FRAGMENT_LIMIT = 16;
    private static final long CHECK_INTERVAL_NS = 1_000_000;
    private static final int SESSION_HEADER_LENGTH =
        MessageHeaderDecoder.ENCODED_LENGTH + SessionHeaderDecoder.BLOCK_LENGTH;

    private final SkeinEngine engine;
    private final Aeron aeron;
    private final Subscription subscription;
    private final NodeCounters counters;
    private final Authenticator authenticator;
    private final ErrorHandler errorHandler;
    private final NanoClock clock;
    private final SkeinNode.Context ctx;
    private final AdminHandler admin;
    private static final int FOLLOW_VERSION = 3;

    private final ControlledFragmentAssembler assembler = new ControlledFragmentAssembler(this);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final SessionHeaderDecoder sessionHeaderDecoder = new SessionHeaderDecoder();
    private final SessionConnectDecoder connectDecoder = new SessionConnectDecoder();
    private final SessionKeepAliveDecoder keepAliveDecoder = new SessionKeepAliveDecoder();
    private final SessionCloseDecoder closeDecoder = new SessionCloseDecoder();
    private final AdminRequestDecoder adminDecoder = new AdminRequestDecoder();
    private final SubscribeRequestDecoder subscribeDecoder = new SubscribeRequestDecoder();
    private final UnsubscribeDecoder unsubscribeDecoder = new UnsubscribeDecoder();
    private final EventServer events;
    private final EgressProxy egress;
    private final SessionManager sessions;
    private volatile boolean takingCommands = true;
    private long nowNs;
    private long nextCheckNs;

    IngressAgent(
        final SkeinNode.Context ctx,
        final SkeinEngine engine,
        final Aeron aeron,
        final Subscription subscription,
        final NodeCounters counters,
        final Executor adminExecutor,
        final LongSupplier promoter,
        final BiConsumer<String, String> repointer,
        final BooleanSupplier leader,
        final EventServer events)
    {
        this.ctx = ctx;
        this.events = events;
        this.egress = new EgressProxy(leader);
        this.sessions = new SessionManager(ctx, aeron, counters, egress, engine.context().maxCommandLength());
        this.sessions.onRemoved(events::onSessionRemoved);
        this.admin = new AdminHandler(ctx, engine, counters, adminExecutor, promoter, repointer, egress);
        this.engine = engine;
        this.aeron = aeron;
        this.subscription = subscription;
        this.counters = counters;
        this.authenticator = ctx.authenticator();
        this.errorHandler = ctx.errorHandler();
        this.clock = ctx.nanoClock();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return "skein-ingress";
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int doWork()
    {
        nowNs = clock.nanoTime();
        int work = takingCommands ? subscription.controlledPoll(assembler, FRAGMENT_LIMIT) : 0;
        work += sessions.drainQueues();
        work += events.updateDurablePosition();
        if (nowNs - nextCheckNs >= 0)
        {
            nextCheckNs = nowNs + CHECK_INTERVAL_NS;
            work += sessions.check(nowNs);
        }
        return work;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Action onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        try
        {
            if (length < MessageHeaderDecoder.ENCODED_LENGTH)
            {
                return malformed();
            }
            headerDecoder.wrap(buffer, offset);
            if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID ||
                length < MessageHeaderDecoder.ENCODED_LENGTH + headerDecoder.blockLength())
            {
                return malformed();
            }
            final int templateId = headerDecoder.templateId();
            if (templateId == SessionHeaderDecoder.TEMPLATE_ID)
            {
                return onCommand(buffer, offset, length, header);
            }
            final int bodyOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH;
            final int blockLength = headerDecoder.blockLength();
            final int version = headerDecoder.version();
            switch (templateId)
            {
                case SessionConnectDecoder.TEMPLATE_ID:
                    connectDecoder.wrap(buffer, bodyOffset, blockLength, version);
                    onConnect(offset + length, header);
                    break;
                case SessionKeepAliveDecoder.TEMPLATE_ID:
                    keepAliveDecoder.wrap(buffer, bodyOffset, blockLength, version);
                    touch(keepAliveDecoder.sessionId(), header);
                    break;
                case SessionCloseDecoder.TEMPLATE_ID:
                    closeDecoder.wrap(buffer, bodyOffset, blockLength, version);
                    onClose(closeDecoder.sessionId(), header);
                    break;
                case AdminRequestDecoder.TEMPLATE_ID:
                    adminDecoder.wrap(buffer, bodyOffset, blockLength, version);
                    onAdmin(offset + length, header);
                    break;
                case SubscribeRequestDecoder.TEMPLATE_ID:
                    subscribeDecoder.wrap(buffer, bodyOffset, blockLength, version);
                    onSubscribe(offset + length, header);
                    break;
                case UnsubscribeDecoder.TEMPLATE_ID:
                    unsubscribeDecoder.wrap(buffer, bodyOffset, blockLength, version);
                    onUnsubscribe(header);
                    break;
                default:
                    return malformed();
            }
        }
        catch (final RuntimeException ex)
        {
            // A message whose lengths point outside the frame; it changes nothing.
            return malformed();
        }
        return Action.CONTINUE;
    }

    private Action malformed()
    {
        counters.malformedFrames().incrementRelease();
        return Action.CONTINUE;
    }

    private Action onCommand(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        sessionHeaderDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            headerDecoder.blockLength(), headerDecoder.version());
        final ClientSession session = openSession(sessionHeaderDecoder.sessionId(), header);
        if (null == session)
        {
            return Action.CONTINUE;
        }
        final int commandOffset = offset + MessageHeaderDecoder.ENCODED_LENGTH + headerDecoder.blockLength();
        final int commandLength = length - (commandOffset - offset);
        final OfferResult result = engine.tryOffer(buffer, commandOffset, commandLength, session);
        if (result == OfferResult.BACK_PRESSURED)
        {
            counters.ingressBackPressure().incrementRelease();
            return Action.ABORT;
        }
        session.touch(nowNs);
        if (result == OfferResult.OFFERED)
        {
            counters.commandsReceived().incrementRelease();
        }
        else
        {
            egress.sessionEvent(session, 0, SessionEventCode.ERROR, 0, "the node is shutting down");
        }
        return Action.CONTINUE;
    }

    private ClientSession openSession(final long sessionId, final Header header)
    {
        final ClientSession session = sessions.get(sessionId);
        if (null == session || session.state() != ClientSession.OPEN ||
            session.aeronSessionId() != header.sessionId())
        {
            counters.unknownSession().incrementRelease();
            return null;
        }
        return session;
    }

    private void touch(final long sessionId, final Header header)
    {
        final ClientSession session = openSession(sessionId, header);
        if (null != session)
        {
            session.touch(nowNs);
        }
    }

    private void onClose(final long sessionId, final Header header)
    {
        final ClientSession session = openSession(sessionId, header);
        if (null != session)
        {
            sessions.remove(session);
        }
    }

    private void onConnect(final int frameEnd, final Header header)
    {
        final long correlationId = connectDecoder.correlationId();
        final int streamId = connectDecoder.responseStreamId();
        final int protocolVersion = connectDecoder.protocolVersion();
        final int channelLength = connectDecoder.responseChannelLength();
        if (channelLength <= 0 || channelLength > 4096 ||
            connectDecoder.limit() + SessionConnectDecoder.responseChannelHeaderLength() + channelLength > frameEnd)
        {
            malformed();
            return;
        }
        final String channel = connectDecoder.responseChannel();
        final int credentialsLength = connectDecoder.credentialsLength();
        if (credentialsLength < 0 || credentialsLength > 4096 ||
            connectDecoder.limit() + SessionConnectDecoder.credentialsHeaderLength() + credentialsLength > frameEnd)
        {
            malformed();
            return;
        }
        final byte[] credentials = new byte[credentialsLength];
        connectDecoder.getCredentials(credentials, 0, credentialsLength);

        String rejection = null;
        String principal = Authoriser.CLIENT;
        if (protocolVersion > SkeinProtocol.SCHEMA_VERSION || protocolVersion < 1)
        {
            rejection = "protocol version " + protocolVersion + " is not supported; this node speaks up to " +
                SkeinProtocol.SCHEMA_VERSION;
        }
        else if (sessions.size() >= ctx.maxSessions())
        {
            rejection = "the node has its maximum of " + ctx.maxSessions() + " sessions";
        }
        else
        {
            try
            {
                rejection = authenticator.authenticate(credentials, channel);
                if (null == rejection)
                {
                    principal = authenticator.principal(credentials, channel);
                }
            }
            catch (final RuntimeException ex)
            {
                errorHandler.onError(ex);
                rejection = "the authenticator failed";
            }
        }
        if (sessions.size() >= ctx.maxSessions() * 2)
        {
            counters.sessionsRejected().incrementRelease();
            return;
        }

        final String egressChannel = egressChannel(channel, ctx.egressTermLength());
        if (null == egressChannel)
        {
            counters.sessionsRejected().incrementRelease();
            return;
        }
        final long registrationId;
        try
        {
            registrationId = aeron.asyncAddPublication(egressChannel, streamId);
        }
        catch (final RuntimeException ex)
        {
            counters.sessionsRejected().incrementRelease();
            return;
        }
        final ClientSession session = new ClientSession(sessions.nextId(), correlationId, header.sessionId(),
            registrationId, rejection, nowNs, ctx.connectTimeoutNs(), counters, ctx.egressQueueLength());
        session.principal(null == principal ? Authoriser.CLIENT : principal);
        session.responseChannel(channel);
        sessions.add(session);
    }

    /**
     * The channel to send a session's replies on, or null if the client's channel is not acceptable. Only
     * {@code aeron:ipc} and {@code aeron:udp} with an {@code endpoint} of an IP address literal (or localhost) and a
     * port are taken, with no other parameters: the node never resolves names or takes driver options on a client's
     * behalf, so bad input stops here and never reaches the media driver.
     */
    static String egressChannel(final String channel, final int termLength)
    {
        final ChannelUri uri;
        try
        {
            uri = ChannelUri.parse(channel);
        }
        catch (final RuntimeException ex)
        {
            return null;
        }
        if (null != uri.prefix() && !uri.prefix().isEmpty())
        {
            return null;
        }
        final String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
        final int expectedParams;
        if (CommonContext.IPC_MEDIA.equals(uri.media()))
        {
            expectedParams = 0;
        }
        else if (CommonContext.UDP_MEDIA.equals(uri.media()) && null != endpoint && isLiteralEndpoint(endpoint))
        {
            expectedParams = 1;
        }
        else
        {
            return null;
        }
        final int[] params = new int[1];
        uri.forEachParameter((key, value) -> params[0]++);
        if (params[0] != expectedParams)
        {
            return null;
        }
        uri.put(CommonContext.TERM_LENGTH_PARAM_NAME, Integer.toString(termLength));
        return uri.toString();
    }

    private static boolean isLiteralEndpoint(final String endpoint)
    {
        final int colon = endpoint.lastIndexOf(':');
        if (colon <= 0 || colon == endpoint.length() - 1 || endpoint.length() - colon > 6)
        {
            return false;
        }
        int port = 0;
        for (int i = colon + 1; i < endpoint.length(); i++)
        {
            final char c = endpoint.charAt(i);
            if (c < '0' || c > '9')
            {
                return false;
            }
            port = port * 10 + (c - '0');
        }
        if (port < 1 || port > 65535)
        {
            return false;
        }
        final String host = endpoint.substring(0, colon);
        if ("localhost".equals(host))
        {
            return true;
        }
        if (host.startsWith("[") && host.endsWith("]"))
        {
            final String v6 = host.substring(1, host.length() - 1);
            return !v6.isEmpty() && v6.chars().allMatch((c) -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        }
        final String[] octets = host.split("\\.", -1);
        if (octets.length != 4)
        {
            return false;
        }
        for (final String octet : octets)
        {
            if (octet.isEmpty() || octet.length() > 3 || !octet.chars().allMatch(Character::isDigit) ||
                Integer.parseInt(octet) > 255)
            {
                return false;
            }
        }
        return true;
    }

    private void onSubscribe(final int frameEnd, final Header header)
    {
        final ClientSession session = openSession(subscribeDecoder.sessionId(), header);
        if (null == session)
        {
            return;
        }
        session.touch(nowNs);
        final long correlationId = subscribeDecoder.correlationId();
        final long fromPosition = subscribeDecoder.fromPosition();
        final int streamId = subscribeDecoder.streamId();
        final int channelLength = subscribeDecoder.channelLength();
        if (channelLength < 0 || channelLength > 4096 ||
            subscribeDecoder.limit() + SubscribeRequestDecoder.channelHeaderLength() + channelLength > frameEnd)
        {
            malformed();
            return;
        }
        final String channel = subscribeDecoder.channel();
        if (!isSubscriberChannel(channel, session.responseChannel()))
        {
            counters.subscriptionsRefused().incrementRelease();
            egress.subscriptionEvent(session, correlationId, 0, SubscriptionEventCode.REFUSED, fromPosition,
                "channel " + channel + " is not acceptable: aeron:ipc, or aeron:udp?endpoint=<host>:<port> on the " +
                "host of the session's response channel " + session.responseChannel());
            return;
        }
        events.onSubscribe(session, correlationId, fromPosition, streamId, channel);
    }

    /**
     * A subscriber's channel is taken under the same rules as a response channel, and only on the session's own
     * host (or IPC for an IPC session), so a session cannot aim the archive's replays at another machine.
     */
    static boolean isSubscriberChannel(final String channel, final String responseChannel)
    {
        if (null == egressChannel(channel, 64 * 1024) || null == responseChannel)
        {
            return false;
        }
        final ChannelUri asked = ChannelUri.parse(channel);
        final ChannelUri session = ChannelUri.parse(responseChannel);
        if (!asked.media().equals(session.media()))
        {
            return false;
        }
        if (CommonContext.IPC_MEDIA.equals(asked.media()))
        {
            return true;
        }
        final String askedEndpoint = asked.get(CommonContext.ENDPOINT_PARAM_NAME);
        final String sessionEndpoint = session.get(CommonContext.ENDPOINT_PARAM_NAME);
        return askedEndpoint.substring(0, askedEndpoint.lastIndexOf(':'))
            .equals(sessionEndpoint.substring(0, sessionEndpoint.lastIndexOf(':')));
    }

    private void onUnsubscribe(final Header header)
    {
        final ClientSession session = openSession(unsubscribeDecoder.sessionId(), header);
        if (null != session)
        {
            session.touch(nowNs);
            events.onUnsubscribe(session, unsubscribeDecoder.subscriptionId());
        }
    }

    private void onAdmin(final int frameEnd, final Header header)
    {
        final ClientSession session = openSession(adminDecoder.sessionId(), header);
        if (null == session)
        {
            return;
        }
        session.touch(nowNs);
        final long correlationId = adminDecoder.correlationId();
        final AdminAction action = adminDecoder.action();
        if (action == AdminAction.NULL_VAL || null == action)
        {
            egress.sessionEvent(session, correlationId, SessionEventCode.ERROR, 0, "unknown admin action");
            return;
        }
        final long position = adminDecoder.position();
        final int typeId = adminDecoder.aggregateTypeId();
        final long aggregateId = adminDecoder.aggregateId();
        final String leaderArchive = adminText(frameEnd, true);
        final String leaderStatus = null == leaderArchive ? null : adminText(frameEnd, false);
        if (null == leaderStatus)
        {
            malformed();
            return;
        }
        admin.onRequest(session, correlationId, action, position, typeId, aggregateId, leaderArchive, leaderStatus);
    }

    /**
     * Read one of an admin request's channel strings, checking its length against the frame.
     *
     * @return the text (empty if the request's version has none), or null if its length points outside the frame.
     */
    private String adminText(final int frameEnd, final boolean archiveChannel)
    {
        final int length = archiveChannel ? adminDecoder.leaderArchiveControlChannelLength() :
            adminDecoder.leaderStatusChannelLength();
        if (length < 0 || length > 4096 ||
            adminDecoder.limit() + (adminDecoder.actingVersion() >= FOLLOW_VERSION ?
            AdminRequestDecoder.leaderStatusChannelHeaderLength() : 0) + length > frameEnd)
        {
            return null;
        }
        return archiveChannel ? adminDecoder.leaderArchiveControlChannel() : adminDecoder.leaderStatusChannel();
    }

    /**
     * Stop reading the ingress (the first step of a node's shutdown): nothing more reaches the engine, while the
     * sessions stay open for the replies still to come. Takes effect at the agent's next duty cycle.
     */
    void stopTakingCommands()
    {
        takingCommands = false;
    }

    /**
     * Tell every open session the node is closing and close them. Called once the agent has stopped.
     */
    void closeSessions()
    {
        sessions.closeAll();
    }

    /**
     * Open sessions, for tests and tools.
     *
     * @return the number of sessions in the OPEN state.
     */
    int openSessionCount()
    {
        return (int)counters.openSessions().get();
    }
}
