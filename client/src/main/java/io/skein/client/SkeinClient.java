package io.skein.client;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.Header;
import io.skein.codecs.AdminAction;
import io.skein.codecs.AdminRequestEncoder;
import io.skein.codecs.AdminResponseDecoder;
import io.skein.codecs.AdminStatus;
import io.skein.codecs.CommandEnvelopeDecoder;
import io.skein.codecs.CommandReplyDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.SessionCloseEncoder;
import io.skein.codecs.SessionConnectEncoder;
import io.skein.codecs.SessionEventCode;
import io.skein.codecs.SessionEventDecoder;
import io.skein.codecs.SessionHeaderEncoder;
import io.skein.codecs.SessionKeepAliveEncoder;
import io.skein.codecs.SubscribeRequestEncoder;
import io.skein.codecs.SubscriptionEventCode;
import io.skein.codecs.SubscriptionEventDecoder;
import io.skein.codecs.UnsubscribeEncoder;
import io.skein.protocol.CommandResult;
import io.skein.protocol.EventFilter;
import io.skein.protocol.EventHandler;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import io.skein.protocol.Upcasters;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A session with a Skein node over Aeron. Not thread-safe: one thread sends and calls {@link #poll()}, which delivers
 * replies to the {@link ClientListener}, completes {@link #submit} futures and keeps the session alive.
 * <pre>{@code
 * try (SkeinClient client = SkeinClient.connect(new SkeinClient.Context().aeronDirectoryName(dir).listener(l)))
 * {
 *     while (client.offer(buffer, 0, length) == SendResult.BACK_PRESSURED)
 *     {
 *         client.poll();
 *     }
 *     client.poll();
 * }
 * }</pre>
 * Retrying safely: after a timeout, a {@link SendResult#NOT_CONNECTED} or a {@link #reconnect(long)}, resend the
 * command with the same idempotency key; the node answers DUPLICATE with the original outcome if it already ran it.
 * <p>
 * The file is long on purpose: a session, its pending requests by correlation id and its poll loop are one
 * single-threaded state machine with no locks, so they stay in one class (as Aeron's own {@code AeronCluster} client
 * does); the nested {@link Context}, every setting with its validation, is the last third.
 */
public final class SkeinClient implements AutoCloseable
{
    /**
     * Subscribe from the journal's first entry.
     */
    public static final long FROM_START = -1;

    /**
     * Subscribe from the durable end: only events that become durable from now on.
     */
    public static final long FROM_LIVE = -2;

    private static final int CONNECTING = 0;
    private static final int OPEN = 1;
    private static final int DISCONNECTED = 2;
    private static final int CLOSED = 3;
    private static final int SESSION_HEADER_LENGTH =
        MessageHeaderEncoder.ENCODED_LENGTH + SessionHeaderEncoder.BLOCK_LENGTH;
    private static final long CHECK_INTERVAL_NS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final int SUBSCRIPTION_FRAGMENT_LIMIT = 256;
    private static final int SUBSCRIPTION_STREAM_ID_OFFSET = 1000;

    private final Context ctx;
    private final Aeron aeron;
    private final boolean ownsAeron;
    private final Subscription egress;
    private ExclusivePublication ingress;
    private int endpoint;
    private boolean leaderSession;
    private String ingressChannelInUse;
    private final NanoClock clock;
    private final ClientListener listener;
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final SessionEventDecoder eventDecoder = new SessionEventDecoder();
    private final AdminResponseDecoder adminResponseDecoder = new AdminResponseDecoder();
    private final CommandEnvelopeDecoder envelopeDecoder = new CommandEnvelopeDecoder();
    private final SessionHeaderEncoder sessionHeaderEncoder = new SessionHeaderEncoder();
    private final SessionKeepAliveEncoder keepAliveEncoder = new SessionKeepAliveEncoder();
    private final UnsafeBuffer sessionHeader = new UnsafeBuffer(new byte[SESSION_HEADER_LENGTH]);
    private final ExpandableArrayBuffer controlBuffer = new ExpandableArrayBuffer(1024);
    private final Reply reply = new Reply();
    private final Long2ObjectHashMap<CompletableFuture<CommandResult>> pending = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<CompletableFuture<AdminResult>> pendingAdmin = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<CompletableFuture<long[]>> pendingSubscribe = new Long2ObjectHashMap<>();
    private final ArrayList<RemoteSubscription> subscriptions = new ArrayList<>();
    private final SubscriptionEventDecoder subscriptionEventDecoder = new SubscriptionEventDecoder();
    private int nextSubscriptionStreamId;
    private final String responseChannel;
    private int state = CONNECTING;
    private long sessionId;
    private int egressSessionId;
    private int maxCommandLength;
    private long connectCorrelationId;
    private String connectRejection;
    private boolean connectAnswered;
    private String disconnectReason;
    private long lastSentNs;
    private long nextCheckNs;
    private long nowNs;

    private SkeinClient(final Context ctx)
    {
        this.ctx = ctx;
        this.clock = ctx.nanoClock();
        this.listener = ctx.listener();
        this.ownsAeron = null == ctx.aeron();
        Aeron aeron = null;
        Subscription egress = null;
        try
        {
            aeron = ownsAeron ?
                Aeron.connect(new Aeron.Context().aeronDirectoryName(ctx.aeronDirectoryName())) : ctx.aeron();
            egress = aeron.addSubscription(ctx.responseChannel(), ctx.responseStreamId());
            this.aeron = aeron;
            this.egress = egress;
            this.responseChannel = resolveResponseChannel(egress, clock.nanoTime() + ctx.connectTimeoutNs());
            connectAny(ctx.connectTimeoutNs());
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(this.ingress, egress);
            if (ownsAeron)
            {
                CloseHelper.quietClose(aeron);
            }
            throw ex;
        }
    }

    /**
     * Connect to a node and open a session, waiting up to {@link Context#connectTimeoutNs()}.
     *
     * @param ctx for the configuration; concluded here if it was not already.
     * @return the connected client.
     * @throws SkeinException with code TIMEOUT if the node cannot be reached, AUTHENTICATION if it refuses the
     *                        credentials.
     */
    public static SkeinClient connect(final Context ctx)
    {
        if (!ctx.isConcluded)
        {
            ctx.conclude();
        }
        return new SkeinClient(ctx);
    }

    private String resolveResponseChannel(final Subscription subscription, final long deadlineNs)
    {
        final IdleStrategy idle = ctx.idleStrategy();
        while (true)
        {
            final String resolved = subscription.tryResolveChannelEndpointPort();
            if (null != resolved)
            {
                return withAddressLiteral(resolved);
            }
            if (clock.nanoTime() - deadlineNs > 0)
            {
                throw new SkeinException(SkeinException.Code.TIMEOUT,
                    "could not bind the response channel " + ctx.responseChannel());
            }
            idle.idle();
        }
    }

    /**
     * The node takes only IP address literals (or localhost) in a response channel, never resolving names for a
     * client, so resolve the host here.
     */
    private static String withAddressLiteral(final String channel)
    {
        final ChannelUri uri = ChannelUri.parse(channel);
        final String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
        if (null == endpoint)
        {
            return channel;
        }
        final int colon = endpoint.lastIndexOf(':');
        final String host = colon > 0 ? endpoint.substring(0, colon) : endpoint;
        if ("localhost".equals(host) || host.startsWith("["))
        {
            return channel;
        }
        try
        {
            final InetAddress address = InetAddress.getByName(host);
            final String literal = address instanceof Inet6Address ?
                "[" + address.getHostAddress() + "]" : address.getHostAddress();
            uri.put(CommonContext.ENDPOINT_PARAM_NAME, literal + endpoint.substring(colon));
            return uri.toString();
        }
        catch (final UnknownHostException ex)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "cannot resolve the response channel's " +
                "host " + host + ": " + ex.getMessage());
        }
    }

    /**
     * Open a session with one of the configured nodes, trying each in turn from the current one: with several
     * endpoints and {@link Context#leaderOnly()}, a follower's session is closed again and the next node tried.
     */
    private void connectAny(final long timeoutNs)
    {
        final List<String> endpoints = ctx.ingressChannels();
        final long deadlineNs = clock.nanoTime() + timeoutNs;
        final long perEndpointNs = endpoints.size() == 1 ? timeoutNs :
            Math.max(TimeUnit.SECONDS.toNanos(1), timeoutNs / endpoints.size());
        SkeinException last = null;
        for (int attempt = 0; attempt == 0 || clock.nanoTime() - deadlineNs < 0; attempt++)
        {
            final String channel = endpoints.get(endpoint);
            if (null == ingress || !channel.equals(ingressChannelInUse))
            {
                CloseHelper.quietClose(ingress);
                ingress = null;
                ingress = aeron.addExclusivePublication(channel, ctx.ingressStreamId());
                ingressChannelInUse = channel;
            }
            try
            {
                openSession(Math.min(perEndpointNs, Math.max(1, deadlineNs - clock.nanoTime())));
                if (leaderSession || !ctx.leaderOnly() || endpoints.size() == 1)
                {
                    return;
                }
                sendClose();
                disconnected("the node at " + channel + " is a follower");
                last = new SkeinException(SkeinException.Code.NOT_CONNECTED, "no leader among " + endpoints);
            }
            catch (final SkeinException ex)
            {
                if (ex.code() == SkeinException.Code.AUTHENTICATION || endpoints.size() == 1)
                {
                    throw ex;
                }
                last = ex;
            }
            endpoint = (endpoint + 1) % endpoints.size();
        }
        throw null != last ? last : new SkeinException(SkeinException.Code.TIMEOUT, "no node answered");
    }

    private void openSession(final long timeoutNs)
    {
        final long deadlineNs = clock.nanoTime() + timeoutNs;
        final IdleStrategy idle = ctx.idleStrategy();
        idle.reset();
        while (!ingress.isConnected())
        {
            checkDeadline(deadlineNs, "no node answered on " + ingressChannelInUse + " stream " +
                ctx.ingressStreamId());
            idle.idle();
        }
        state = CONNECTING;
        connectAnswered = false;
        connectRejection = null;
        connectCorrelationId = ThreadLocalRandom.current().nextLong();
        final SessionConnectEncoder encoder = new SessionConnectEncoder()
            .wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
            .correlationId(connectCorrelationId)
            .responseStreamId(ctx.responseStreamId())
            .protocolVersion(SkeinProtocol.SCHEMA_VERSION)
            .responseChannel(responseChannel)
            .putCredentials(ctx.credentials(), 0, ctx.credentials().length);
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
        idle.reset();
        while (ingress.offer(controlBuffer, 0, length) < 0)
        {
            checkDeadline(deadlineNs, "could not send the connect request to " + ingressChannelInUse);
            idle.idle();
        }
        idle.reset();
        while (!connectAnswered)
        {
            if (egress.poll(assembler, 10) == 0)
            {
                checkDeadline(deadlineNs, "the node did not answer the connect request; is the response channel " +
                    responseChannel + " reachable from the node?");
                idle.idle();
            }
        }
        if (null != connectRejection)
        {
            state = DISCONNECTED;
            disconnectReason = connectRejection;
            throw new SkeinException(SkeinException.Code.AUTHENTICATION, "the node refused the session: " +
                connectRejection);
        }
        sessionHeaderEncoder.wrapAndApplyHeader(sessionHeader, 0, headerEncoder).sessionId(sessionId);
        lastSentNs = clock.nanoTime();
        state = OPEN;
    }

    private void checkDeadline(final long deadlineNs, final String message)
    {
        if (clock.nanoTime() - deadlineNs > 0)
        {
            throw new SkeinException(SkeinException.Code.TIMEOUT, message);
        }
    }

    /**
     * Send a command without blocking.
     *
     * @param buffer holding the command: Skein's envelope followed by the domain command.
     * @param offset of the command.
     * @param length of the command.
     * @return {@link SendResult#SENT}, or why not.
     * @throws SkeinException with code BAD_INPUT if the command is longer than the node takes.
     */
    public SendResult offer(final DirectBuffer buffer, final int offset, final int length)
    {
        if (state != OPEN)
        {
            return state == CLOSED ? SendResult.CLOSED : SendResult.NOT_CONNECTED;
        }
        if (length > maxCommandLength)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT,
                "command of " + length + " bytes exceeds the node's limit of " + maxCommandLength);
        }
        final long result = ingress.offer(sessionHeader, 0, SESSION_HEADER_LENGTH, buffer, offset, length);
        if (result > 0)
        {
            lastSentNs = nowNs;
            return SendResult.SENT;
        }
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
        {
            return SendResult.BACK_PRESSURED;
        }
        return SendResult.NOT_CONNECTED;
    }

    /**
     * Send a command and get its outcome as a future, completed by a later {@link #poll()}: a convenience that
     * allocates per call. The command's correlation id must be unique among those in flight.
     *
     * @param buffer holding the command.
     * @param offset of the command.
     * @param length of the command.
     * @return a future completed with the result, or exceptionally with a {@link SkeinException} if the command could
     * not be sent (BAD_INPUT, NOT_CONNECTED, CLOSED, or TIMEOUT for back-pressure) or the session closed first.
     */
    public CompletableFuture<CommandResult> submit(final DirectBuffer buffer, final int offset, final int length)
    {
        final CompletableFuture<CommandResult> future = new CompletableFuture<>();
        if (length < SkeinProtocol.ENVELOPE_LENGTH)
        {
            future.completeExceptionally(new SkeinException(SkeinException.Code.BAD_INPUT,
                "a command needs at least the " + SkeinProtocol.ENVELOPE_LENGTH + "-byte envelope"));
            return future;
        }
        final long correlationId = envelopeDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            CommandEnvelopeDecoder.BLOCK_LENGTH, CommandEnvelopeDecoder.SCHEMA_VERSION).correlationId();
        if (pending.containsKey(correlationId))
        {
            future.completeExceptionally(new SkeinException(SkeinException.Code.BAD_INPUT,
                "correlation id " + correlationId + " is already in flight"));
            return future;
        }
        final SendResult result;
        try
        {
            result = offer(buffer, offset, length);
        }
        catch (final SkeinException ex)
        {
            future.completeExceptionally(ex);
            return future;
        }
        switch (result)
        {
            case SENT -> pending.put(correlationId, future);
            case BACK_PRESSURED -> future.completeExceptionally(
                new SkeinException(SkeinException.Code.TIMEOUT, "the ingress is back-pressured; try again"));
            case NOT_CONNECTED -> future.completeExceptionally(notConnected());
            default -> future.completeExceptionally(new SkeinException(SkeinException.Code.CLOSED, "client closed"));
        }
        return future;
    }

    /**
     * Send a command and wait for its outcome, polling meanwhile and retrying while back-pressured.
     *
     * @param buffer    holding the command.
     * @param offset    of the command.
     * @param length    of the command.
     * @param timeoutNs the longest to wait.
     * @return the result.
     * @throws SkeinException with code TIMEOUT if no reply came in time, NOT_CONNECTED if the session is lost.
     */
    public CommandResult send(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        final long deadlineNs = clock.nanoTime() + timeoutNs;
        final IdleStrategy idle = ctx.idleStrategy();
        idle.reset();
        CompletableFuture<CommandResult> future = submit(buffer, offset, length);
        while (future.isCompletedExceptionally() && isBackPressure(future))
        {
            checkDeadline(deadlineNs, "the ingress stayed back-pressured");
            poll();
            idle.idle();
            future = submit(buffer, offset, length);
        }
        return await(future, deadlineNs, "no reply to the command in time: it may or may not have taken effect; " +
            "resend it with the same idempotency key to retry safely");
    }

    private static boolean isBackPressure(final CompletableFuture<?> future)
    {
        try
        {
            future.getNow(null);
            return false;
        }
        catch (final RuntimeException ex)
        {
            return ex.getCause() instanceof SkeinException &&
                ((SkeinException)ex.getCause()).code() == SkeinException.Code.TIMEOUT;
        }
    }

    /**
     * Ask the node for an operator action (take a snapshot, state hash, aggregate count) and wait for the answer.
     *
     * @param action    to run.
     * @param timeoutNs the longest to wait.
     * @return the value the node answered: snapshot position, hash or count.
     * @throws SkeinException if the node refused or failed, or no answer came in time.
     */
    public long admin(final AdminAction action, final long timeoutNs)
    {
        return adminRequest(action, -1, 0, 0, timeoutNs).value();
    }

    /**
     * Ask the node for its state as of a journal position (time travel on its own journal; a follower answers from
     * its copy).
     *
     * @param position    journal position, or -1 for the journal's end.
     * @param typeId      of one aggregate, or 0 for the whole engine.
     * @param aggregateId of the aggregate.
     * @param timeoutNs   the longest to wait.
     * @return the state hash (whole engine) or the aggregate's version, with the state as text in the message.
     */
    public AdminResult stateAsOf(final long position, final int typeId, final long aggregateId, final long timeoutNs)
    {
        return adminRequest(AdminAction.STATE_AS_OF, position, typeId, aggregateId, timeoutNs);
    }

    /**
     * Re-point a running follower at another leader (after a promotion elsewhere) without restarting it: it copies
     * the new leader's journal from where its own copy ends and reports to the new leader. Needs operator
     * credentials.
     *
     * @param leaderArchiveControlChannel the new leader archive's UDP control channel.
     * @param leaderStatusChannel         the new leader's channel for follower reports, or null to keep the old.
     * @param timeoutNs                   the longest to wait.
     * @return the node's answer.
     * @throws SkeinException if the node refused (not a follower, bad channel, not authorised) or did not answer.
     */
    public AdminResult follow(
        final String leaderArchiveControlChannel, final String leaderStatusChannel, final long timeoutNs)
    {
        return adminRequest(AdminAction.FOLLOW, -1, 0, 0, leaderArchiveControlChannel,
            null == leaderStatusChannel ? "" : leaderStatusChannel, timeoutNs);
    }

    private AdminResult adminRequest(
        final AdminAction action,
        final long position,
        final int typeId,
        final long aggregateId,
        final long timeoutNs)
    {
        return adminRequest(action, position, typeId, aggregateId, "", "", timeoutNs);
    }

    private AdminResult adminRequest(
        final AdminAction action,
        final long position,
        final int typeId,
        final long aggregateId,
        final String leaderArchiveControlChannel,
        final String leaderStatusChannel,
        final long timeoutNs)
    {
        final long deadlineNs = clock.nanoTime() + timeoutNs;
        if (state != OPEN)
        {
            throw notConnected();
        }
        final long correlationId = ThreadLocalRandom.current().nextLong();
        final AdminRequestEncoder encoder = new AdminRequestEncoder()
            .wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .action(action)
            .position(position)
            .aggregateTypeId(typeId)
            .aggregateId(aggregateId)
            .leaderArchiveControlChannel(leaderArchiveControlChannel)
            .leaderStatusChannel(leaderStatusChannel);
        final CompletableFuture<AdminResult> future = new CompletableFuture<>();
        pendingAdmin.put(correlationId, future);
        final IdleStrategy idle = ctx.idleStrategy();
        idle.reset();
        while (ingress.offer(controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength()) < 0)
        {
            if (clock.nanoTime() - deadlineNs > 0)
            {
                pendingAdmin.remove(correlationId);
                throw new SkeinException(SkeinException.Code.TIMEOUT, "could not send the admin request");
            }
            idle.idle();
        }
        lastSentNs = clock.nanoTime();
        return await(future, deadlineNs, "no answer to " + action + " in time");
    }

    private <T> T await(final CompletableFuture<T> future, final long deadlineNs, final String timeoutMessage)
    {
        final IdleStrategy idle = ctx.idleStrategy();
        idle.reset();
        while (!future.isDone())
        {
            if (poll() == 0)
            {
                if (clock.nanoTime() - deadlineNs > 0)
                {
                    throw new SkeinException(SkeinException.Code.TIMEOUT, timeoutMessage);
                }
                idle.idle();
            }
        }
        try
        {
            return future.join();
        }
        catch (final RuntimeException ex)
        {
            if (ex.getCause() instanceof SkeinException)
            {
                throw (SkeinException)ex.getCause();
            }
            throw ex;
        }
    }

    /**
     * Deliver what the node sent (replies, session events, admin answers), send a keep-alive when the session has
     * been idle, and notice a lost connection.
     *
     * @return the amount of work done, 0 if none.
     */
    public int poll()
    {
        if (state == CLOSED)
        {
            return 0;
        }
        nowNs = clock.nanoTime();
        int work = egress.poll(assembler, 64);
        for (int i = subscriptions.size() - 1; i >= 0; i--)
        {
            work += subscriptions.get(i).poll(SUBSCRIPTION_FRAGMENT_LIMIT);
        }
        if (nowNs - nextCheckNs >= 0)
        {
            nextCheckNs = nowNs + CHECK_INTERVAL_NS;
            work += checkSession();
        }
        return work;
    }

    private int checkSession()
    {
        if (state != OPEN)
        {
            return 0;
        }
        final Image image = egress.imageBySessionId(egressSessionId);
        if (!ingress.isConnected() || null == image || image.isClosed())
        {
            disconnected("the connection to the node was lost");
            return 1;
        }
        if (nowNs - lastSentNs >= ctx.keepAliveIntervalNs())
        {
            keepAliveEncoder.wrapAndApplyHeader(controlBuffer, 0, headerEncoder).sessionId(sessionId);
            if (ingress.offer(controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH +
                SessionKeepAliveEncoder.BLOCK_LENGTH) > 0)
            {
                lastSentNs = nowNs;
            }
            return 1;
        }
        return 0;
    }

    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            return;
        }
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID)
        {
            return;
        }
        final int templateId = headerDecoder.templateId();
        if (templateId == SessionEventDecoder.TEMPLATE_ID)
        {
            eventDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
                headerDecoder.version());
            onSessionEvent(header);
            return;
        }
        if (state != OPEN || header.sessionId() != egressSessionId)
        {
            return;
        }
        if (templateId == CommandReplyDecoder.TEMPLATE_ID)
        {
            reply.wrap(buffer, offset, length);
            final CompletableFuture<CommandResult> future = pending.remove(reply.correlationId());
            if (null != future)
            {
                future.complete(reply.toResult());
            }
            if (null != listener)
            {
                listener.onReply(reply);
            }
        }
        else if (templateId == SubscriptionEventDecoder.TEMPLATE_ID)
        {
            subscriptionEventDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
                headerDecoder.blockLength(), headerDecoder.version());
            onSubscriptionEvent();
        }
        else if (templateId == AdminResponseDecoder.TEMPLATE_ID)
        {
            adminResponseDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
                headerDecoder.blockLength(), headerDecoder.version());
            final CompletableFuture<AdminResult> future = pendingAdmin.remove(adminResponseDecoder.correlationId());
            if (null != future)
            {
                final AdminStatus status = adminResponseDecoder.status();
                final long value = adminResponseDecoder.value();
                final String message = adminResponseDecoder.message();
                if (status == AdminStatus.OK)
                {
                    future.complete(new AdminResult(value, message));
                }
                else
                {
                    future.completeExceptionally(new SkeinException(SkeinException.Code.GENERIC,
                        "the node could not " + adminResponseDecoder.action() + ": " + message));
                }
            }
        }
    }

    private void onSubscriptionEvent()
    {
        final long correlationId = subscriptionEventDecoder.correlationId();
        final long subscriptionId = subscriptionEventDecoder.subscriptionId();
        final SubscriptionEventCode code = subscriptionEventDecoder.code();
        final long from = subscriptionEventDecoder.fromPosition();
        final String message = subscriptionEventDecoder.message();
        final CompletableFuture<long[]> future = pendingSubscribe.remove(correlationId);
        if (null != future)
        {
            if (code == SubscriptionEventCode.OK)
            {
                future.complete(new long[] { subscriptionId, from });
            }
            else
            {
                future.completeExceptionally(new SkeinException(SkeinException.Code.BAD_INPUT,
                    "the node refused the subscription: " + message));
            }
        }
        else if (code == SubscriptionEventCode.ENDED)
        {
            for (int i = 0; i < subscriptions.size(); i++)
            {
                if (subscriptions.get(i).subscriptionId() == subscriptionId)
                {
                    subscriptions.get(i).ended();
                }
            }
        }
    }

    /**
     * A copy of the context's upcasters for one remote subscription.
     */
    Upcasters subscriptionUpcasters()
    {
        return ctx.upcasters().copy();
    }

    /**
     * Follow the node's durable events from a position, then live: the node's archive replays its journal to this
     * client's response channel; events are delivered by {@link #poll()}. A follower serves from its own copy.
     *
     * @param fromPosition      where an entry starts (a resume point: a subscription's {@link
     *                          RemoteSubscription#position()}, an event's position, a page's next position), or
     *                          {@link #FROM_START}, or {@link #FROM_LIVE}.
     * @param lastEntrySequence the sequence of the entry that ends at {@code fromPosition} if known (so the first
     *                          entry is checked to follow it), else 0.
     * @param filter            which events to hand over; null for all.
     * @param handler           for each event, called on the thread that polls.
     * @param timeoutNs         the longest to wait for the node's answer.
     * @return the subscription; close it to stop.
     * @throws SkeinException BAD_INPUT if the node refused (a position outside the durable journal or inside an
     *                        entry, not authorised, too many subscriptions), TIMEOUT without an answer.
     */
    public RemoteSubscription subscribe(
        final long fromPosition,
        final long lastEntrySequence,
        final EventFilter filter,
        final EventHandler handler,
        final long timeoutNs)
    {
        final long deadlineNs = clock.nanoTime() + timeoutNs;
        if (state != OPEN)
        {
            throw notConnected();
        }
        final int streamId = ctx.responseStreamId() + SUBSCRIPTION_STREAM_ID_OFFSET + nextSubscriptionStreamId++;
        // A channel of its own: an ephemeral UDP port is not shared with the egress's.
        final Subscription replay = aeron.addSubscription(ctx.responseChannel(), streamId);
        final String channel;
        try
        {
            channel = resolveResponseChannel(replay, deadlineNs);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(replay);
            throw ex;
        }
        final long correlationId = ThreadLocalRandom.current().nextLong();
        final SubscribeRequestEncoder encoder = new SubscribeRequestEncoder()
            .wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
            .sessionId(sessionId)
            .correlationId(correlationId)
            .fromPosition(fromPosition)
            .streamId(streamId)
            .channel(channel);
        final CompletableFuture<long[]> future = new CompletableFuture<>();
        pendingSubscribe.put(correlationId, future);
        final IdleStrategy idle = ctx.idleStrategy();
        idle.reset();
        while (ingress.offer(controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength()) < 0)
        {
            if (clock.nanoTime() - deadlineNs > 0)
            {
                pendingSubscribe.remove(correlationId);
                CloseHelper.quietClose(replay);
                throw new SkeinException(SkeinException.Code.TIMEOUT, "could not send the subscribe request");
            }
            idle.idle();
        }
        lastSentNs = clock.nanoTime();
        final long[] answer;
        try
        {
            answer = await(future, deadlineNs, "no answer to the subscribe request in time");
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(replay);
            throw ex;
        }
        final RemoteSubscription subscription = new RemoteSubscription(this, replay, answer[0], answer[1],
            FROM_LIVE != fromPosition, FROM_START == fromPosition ? 0 : lastEntrySequence, filter, handler);
        subscriptions.add(subscription);
        return subscription;
    }

    void unsubscribe(final RemoteSubscription subscription)
    {
        subscriptions.remove(subscription);
        if (state == OPEN)
        {
            final UnsubscribeEncoder encoder = new UnsubscribeEncoder()
                .wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
                .sessionId(sessionId)
                .subscriptionId(subscription.subscriptionId());
            ingress.offer(controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
        }
    }

    private void onSessionEvent(final Header header)
    {
        final long correlationId = eventDecoder.correlationId();
        final long eventSessionId = eventDecoder.sessionId();
        final SessionEventCode code = eventDecoder.code();
        final int maxLength = eventDecoder.maxCommandLength();
        final boolean leader = eventDecoder.leader() == 1;
        final String message = eventDecoder.message();
        if (state == CONNECTING && correlationId == connectCorrelationId)
        {
            connectAnswered = true;
            if (code == SessionEventCode.OK)
            {
                sessionId = eventSessionId;
                egressSessionId = header.sessionId();
                maxCommandLength = maxLength;
                leaderSession = leader;
            }
            else
            {
                connectRejection = message.isEmpty() ? String.valueOf(code) : message;
            }
            return;
        }
        if (state != OPEN || eventSessionId != sessionId)
        {
            return;
        }
        if (code == SessionEventCode.CLOSED)
        {
            disconnected("the node closed the session: " + message);
            if (null != listener)
            {
                listener.onSessionEvent(true, message);
            }
        }
        else if (null != listener)
        {
            listener.onSessionEvent(false, message);
        }
    }

    private void disconnected(final String reason)
    {
        state = DISCONNECTED;
        disconnectReason = reason;
        failPending();
    }

    private void failPending()
    {
        if (pending.isEmpty() && pendingAdmin.isEmpty() && pendingSubscribe.isEmpty())
        {
            return;
        }
        final List<CompletableFuture<?>> futures = new ArrayList<>(pending.values());
        futures.addAll(pendingAdmin.values());
        futures.addAll(pendingSubscribe.values());
        pending.clear();
        pendingAdmin.clear();
        pendingSubscribe.clear();
        final SkeinException ex = notConnected();
        for (final CompletableFuture<?> future : futures)
        {
            future.completeExceptionally(ex);
        }
    }

    private SkeinException notConnected()
    {
        return new SkeinException(SkeinException.Code.NOT_CONNECTED, (null == disconnectReason ?
            "the session is not open" : disconnectReason) + "; reconnect and resend with the same idempotency key");
    }

    /**
     * Close the session (if open) and open a new one, waiting up to the timeout. Commands in flight on the old
     * session fail with NOT_CONNECTED: resend them with their idempotency keys to learn their outcome.
     *
     * @param timeoutNs the longest to wait for the new session.
     */
    public void reconnect(final long timeoutNs)
    {
        if (state == CLOSED)
        {
            throw new SkeinException(SkeinException.Code.CLOSED, "client closed");
        }
        if (state == OPEN)
        {
            sendClose();
        }
        disconnected("the client reconnected");
        connectAny(timeoutNs);
    }

    /**
     * Whether the node this session is with takes commands (leads) rather than follows.
     *
     * @return true for a leader.
     */
    public boolean isLeader()
    {
        return state == OPEN && leaderSession;
    }

    /**
     * The ingress channel of the node this client is connected to (or last tried).
     *
     * @return the channel.
     */
    public String ingressChannel()
    {
        return ingressChannelInUse;
    }

    /**
     * Whether the session is open: commands can be sent.
     *
     * @return true if open.
     */
    public boolean isConnected()
    {
        return state == OPEN;
    }

    /**
     * Why the session is not open, if it is not.
     *
     * @return the reason, or null while open.
     */
    public String disconnectReason()
    {
        return state == OPEN ? null : disconnectReason;
    }

    /**
     * The node's id for this session.
     *
     * @return the session id.
     */
    public long sessionId()
    {
        return sessionId;
    }

    /**
     * The longest command the node takes, envelope included.
     *
     * @return length in bytes.
     */
    public int maxCommandLength()
    {
        return maxCommandLength;
    }

    /**
     * Commands sent whose {@link #submit} futures are not complete yet.
     *
     * @return the count.
     */
    public int pendingCount()
    {
        return pending.size();
    }

    private void sendClose()
    {
        final SessionCloseEncoder encoder = new SessionCloseEncoder()
            .wrapAndApplyHeader(controlBuffer, 0, headerEncoder)
            .sessionId(sessionId);
        ingress.offer(controlBuffer, 0, MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength());
    }

    /**
     * Close the session and release the client's Aeron resources.
     */
    @Override
    public void close()
    {
        if (state == CLOSED)
        {
            return;
        }
        if (state == OPEN)
        {
            sendClose();
        }
        disconnected("the client is closed");
        for (int i = subscriptions.size() - 1; i >= 0; i--)
        {
            subscriptions.get(i).close();
        }
        state = CLOSED;
        CloseHelper.quietCloseAll(ingress, egress);
        if (ownsAeron)
        {
            CloseHelper.quietClose(aeron);
        }
    }

    /**
     * Configuration of a client.
     */
    public static final class Context
    {
        /**
         * Default ingress channel: a node on this host.
         */
        public static final String INGRESS_CHANNEL_DEFAULT = "aeron:udp?endpoint=localhost:20121";

        /**
         * Default ingress stream id.
         */
        public static final int INGRESS_STREAM_ID_DEFAULT = 101;

        /**
         * Default response channel: loopback UDP on a port the driver chooses.
         */
        public static final String RESPONSE_CHANNEL_DEFAULT = "aeron:udp?endpoint=localhost:0";

        /**
         * Default response stream id.
         */
        public static final int RESPONSE_STREAM_ID_DEFAULT = 102;

        private boolean isConcluded;
        private Aeron aeron;
        private String aeronDirectoryName;
        private List<String> ingressChannels = List.of(INGRESS_CHANNEL_DEFAULT);
        private boolean leaderOnly = true;
        private int ingressStreamId = INGRESS_STREAM_ID_DEFAULT;
        private String responseChannel = RESPONSE_CHANNEL_DEFAULT;
        private int responseStreamId = RESPONSE_STREAM_ID_DEFAULT;
        private byte[] credentials = new byte[0];
        private long connectTimeoutNs = TimeUnit.SECONDS.toNanos(10);
        private long keepAliveIntervalNs = TimeUnit.SECONDS.toNanos(1);
        private ClientListener listener;
        private IdleStrategy idleStrategy;
        private NanoClock nanoClock;
        private Upcasters upcasters = Upcasters.none();

        /**
         * Validate and fill in defaults.
         *
         * @return this, concluded.
         */
        public Context conclude()
        {
            if (isConcluded)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "context already concluded");
            }
            isConcluded = true;
            if (null == aeron && null == aeronDirectoryName)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "set an Aeron client or the aeronDirectoryName of a running media driver");
            }
            if (connectTimeoutNs <= 0 || keepAliveIntervalNs <= 0)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "timeouts must be positive");
            }
            if (null == idleStrategy)
            {
                idleStrategy = new BackoffIdleStrategy(10, 20, 1_000, 100_000);
            }
            if (null == nanoClock)
            {
                nanoClock = SystemNanoClock.INSTANCE;
            }
            return this;
        }

        /**
         * Use an Aeron client the caller owns (it is not closed with the client).
         *
         * @param aeron to use.
         * @return this for a fluent API.
         */
        public Context aeron(final Aeron aeron)
        {
            this.aeron = aeron;
            return this;
        }

        /**
         * The Aeron client given, or null if the client makes its own.
         *
         * @return the Aeron client or null.
         */
        public Aeron aeron()
        {
            return aeron;
        }

        /**
         * Set the directory of the media driver to connect to when no Aeron client is given.
         *
         * @param name of the driver's directory.
         * @return this for a fluent API.
         */
        public Context aeronDirectoryName(final String name)
        {
            this.aeronDirectoryName = name;
            return this;
        }

        /**
         * The directory of the media driver to connect to.
         *
         * @return the directory name.
         */
        public String aeronDirectoryName()
        {
            return aeronDirectoryName;
        }

        /**
         * Set the node's ingress channel.
         *
         * @param channel an Aeron channel URI.
         * @return this for a fluent API.
         */
        public Context ingressChannel(final String channel)
        {
            this.ingressChannels = List.of(channel);
            return this;
        }

        /**
         * Set the ingress channels of every node of a group (leader and followers): the client connects to the
         * leader among them, and after a failover {@link SkeinClient#reconnect(long)} finds the new one.
         *
         * @param channels Aeron channel URIs, tried in order.
         * @return this for a fluent API.
         */
        public Context ingressChannels(final String... channels)
        {
            if (channels.length == 0)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "give at least one ingress channel");
            }
            this.ingressChannels = List.of(channels);
            return this;
        }

        /**
         * The ingress channels tried, in order.
         *
         * @return the channels.
         */
        public List<String> ingressChannels()
        {
            return ingressChannels;
        }

        /**
         * Set whether, with several ingress channels, only a leader's session is kept (the default); false keeps the
         * first node that answers, for read-only queries on a follower.
         *
         * @param leaderOnly true to look for the leader.
         * @return this for a fluent API.
         */
        public Context leaderOnly(final boolean leaderOnly)
        {
            this.leaderOnly = leaderOnly;
            return this;
        }

        /**
         * Whether only a leader's session is kept.
         *
         * @return true to look for the leader.
         */
        public boolean leaderOnly()
        {
            return leaderOnly;
        }

        /**
         * The node's ingress channel.
         *
         * @return the channel.
         */
        public String ingressChannel()
        {
            return ingressChannels.get(0);
        }

        /**
         * Set the node's ingress stream id.
         *
         * @param streamId of the ingress.
         * @return this for a fluent API.
         */
        public Context ingressStreamId(final int streamId)
        {
            this.ingressStreamId = streamId;
            return this;
        }

        /**
         * The node's ingress stream id.
         *
         * @return the stream id.
         */
        public int ingressStreamId()
        {
            return ingressStreamId;
        }

        /**
         * Set the channel the node sends this client's replies on; a UDP port of 0 is chosen by the driver.
         *
         * @param channel an Aeron channel URI reachable from the node.
         * @return this for a fluent API.
         */
        public Context responseChannel(final String channel)
        {
            this.responseChannel = channel;
            return this;
        }

        /**
         * The channel the node sends replies on.
         *
         * @return the channel.
         */
        public String responseChannel()
        {
            return responseChannel;
        }

        /**
         * Set the stream id of the replies.
         *
         * @param streamId of the replies.
         * @return this for a fluent API.
         */
        public Context responseStreamId(final int streamId)
        {
            this.responseStreamId = streamId;
            return this;
        }

        /**
         * The stream id of the replies.
         *
         * @return the stream id.
         */
        public int responseStreamId()
        {
            return responseStreamId;
        }

        /**
         * Hand the events of remote subscriptions over through upcasters (see {@code EventUpcaster}): the same ones
         * the node's aggregate types register, so a subscriber sees stored events in their current form.
         *
         * @param upcasters of the aggregate types; each subscription uses a copy of its own.
         * @return this for a fluent API.
         */
        public Context upcasters(final Upcasters upcasters)
        {
            this.upcasters = null == upcasters ? Upcasters.none() : upcasters;
            return this;
        }

        /**
         * The upcasters of remote subscriptions.
         *
         * @return the upcasters (empty by default).
         */
        public Upcasters upcasters()
        {
            return upcasters;
        }

        /**
         * Set the credentials presented to the node's authenticator.
         *
         * @param credentials bytes, empty for none.
         * @return this for a fluent API.
         */
        public Context credentials(final byte[] credentials)
        {
            this.credentials = null == credentials ? new byte[0] : credentials.clone();
            return this;
        }

        /**
         * Set a shared secret as the credentials.
         *
         * @param secret shared with the node.
         * @return this for a fluent API.
         */
        public Context secret(final String secret)
        {
            return credentials(null == secret ? null : secret.getBytes(StandardCharsets.UTF_8));
        }

        /**
         * The credentials presented to the node.
         *
         * @return the credential bytes.
         */
        public byte[] credentials()
        {
            return credentials;
        }

        /**
         * Set how long to wait for the node when connecting.
         *
         * @param timeoutNs the longest wait.
         * @return this for a fluent API.
         */
        public Context connectTimeoutNs(final long timeoutNs)
        {
            this.connectTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * How long to wait for the node when connecting.
         *
         * @return the timeout in nanoseconds.
         */
        public long connectTimeoutNs()
        {
            return connectTimeoutNs;
        }

        /**
         * Set how long the session may be idle before the client sends a keep-alive (well under the node's session
         * timeout).
         *
         * @param intervalNs between keep-alives.
         * @return this for a fluent API.
         */
        public Context keepAliveIntervalNs(final long intervalNs)
        {
            this.keepAliveIntervalNs = intervalNs;
            return this;
        }

        /**
         * How long the session may be idle before a keep-alive.
         *
         * @return the interval in nanoseconds.
         */
        public long keepAliveIntervalNs()
        {
            return keepAliveIntervalNs;
        }

        /**
         * Set what receives replies and session events.
         *
         * @param listener called from {@link SkeinClient#poll()}.
         * @return this for a fluent API.
         */
        public Context listener(final ClientListener listener)
        {
            this.listener = listener;
            return this;
        }

        /**
         * What receives replies and session events.
         *
         * @return the listener, or null.
         */
        public ClientListener listener()
        {
            return listener;
        }

        /**
         * Set how the blocking conveniences (connect, send, admin) wait.
         *
         * @param idleStrategy for waits.
         * @return this for a fluent API.
         */
        public Context idleStrategy(final IdleStrategy idleStrategy)
        {
            this.idleStrategy = idleStrategy;
            return this;
        }

        /**
         * How the blocking conveniences wait.
         *
         * @return the idle strategy.
         */
        public IdleStrategy idleStrategy()
        {
            return idleStrategy;
        }

        /**
         * Set the clock for timeouts and keep-alives.
         *
         * @param clock for time.
         * @return this for a fluent API.
         */
        public Context nanoClock(final NanoClock clock)
        {
            this.nanoClock = clock;
            return this;
        }

        /**
         * The clock for timeouts and keep-alives.
         *
         * @return the clock.
         */
        public NanoClock nanoClock()
        {
            return nanoClock;
        }
    }
}
