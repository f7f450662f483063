package io.skein.cluster;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.Publication;
import io.aeron.cluster.client.AeronCluster;
import io.aeron.cluster.client.EgressListener;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.aeron.logbuffer.Header;
import io.skein.codecs.AdminAction;
import io.skein.codecs.AdminRequestEncoder;
import io.skein.codecs.AdminResponseDecoder;
import io.skein.codecs.AdminStatus;
import io.skein.codecs.CommandEnvelopeDecoder;
import io.skein.codecs.CommandReplyDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.protocol.CommandResult;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.IoUtil;
import org.agrona.collections.Long2ObjectHashMap;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Sends commands to a Skein cluster and follows its leader: an Aeron Cluster client session whose ingress goes to
 * whichever member leads. When a new leader is elected the client is told (Aeron Cluster's new-leader event) and
 * sends again every command still waiting for its reply, so each command gets one outcome:
 * <ul>
 *     <li>a command with an idempotency key is resent with the same key; if the first send was decided, the answer
 *     is DUPLICATE with the original outcome's aggregate, version and sequence;</li>
 *     <li>a command without a key that was sent but not answered is not resent (it may have been decided): its future
 *     fails with {@link SkeinException.Code#UNKNOWN_OUTCOME}; one that could not be sent yet is sent to the new
 *     leader;</li>
 *     <li>if the session itself is lost (no new leader within Aeron's new-leader timeout, or the session timed out),
 *     the client connects again to whichever member leads and resends in the same way.</li>
 * </ul>
 * Single-threaded like {@code SkeinClient}: one thread sends and calls {@link #poll()}. {@link #submit} copies each
 * command so it can be resent; it allocates per call.
 */
public final class SkeinClusterClient implements AutoCloseable
{
    private static final long KEEP_ALIVE_INTERVAL_NS = TimeUnit.SECONDS.toNanos(1);

    private final Context ctx;
    private final MediaDriver driver;
    private final File driverDir;
    private final Aeron aeron;
    private final Long2ObjectHashMap<Pending> pending = new Long2ObjectHashMap<>();
    private final Long2ObjectHashMap<CompletableFuture<Long>> pendingAdmin = new Long2ObjectHashMap<>();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final CommandEnvelopeDecoder envelopeDecoder = new CommandEnvelopeDecoder();
    private final AdminResponseDecoder adminDecoder = new AdminResponseDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final AdminRequestEncoder adminEncoder = new AdminRequestEncoder();
    private final ExpandableArrayBuffer adminBuffer = new ExpandableArrayBuffer(256);
    private final Reply reply = new Reply();
    private final Listener listener = new Listener();
    private AeronCluster cluster;
    private long nextAdminCorrelationId = Long.MIN_VALUE / 2;
    private long lastKeepAliveNs = System.nanoTime();
    private long leaderChanges;
    private long reconnects;
    private long resent;
    private boolean closed;

    private static final class Pending
    {
        final long correlationId;
        final byte[] command;
        final boolean hasKey;
        final CompletableFuture<CommandResult> future = new CompletableFuture<>();
        boolean sent;

        Pending(final long correlationId, final byte[] command, final boolean hasKey)
        {
            this.correlationId = correlationId;
            this.command = command;
            this.hasKey = hasKey;
        }
    }

    private SkeinClusterClient(final Context ctx)
    {
        this.ctx = ctx;
        MediaDriver driver = null;
        File driverDir = null;
        Aeron aeron = null;
        try
        {
            String aeronDir = ctx.aeronDirectoryName();
            if (null == aeronDir)
            {
                driverDir = Files.createTempDirectory("skein-cluster-client-").toFile();
                driver = MediaDriver.launch(new MediaDriver.Context()
                    .aeronDirectoryName(new File(driverDir, "aeron").getAbsolutePath())
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true)
                    .threadingMode(ThreadingMode.SHARED)
                    .sharedIdleStrategy(new BackoffIdleStrategy())
                    .publicationTermBufferLength(ctx.termLength())
                    .ipcTermBufferLength(64 * 1024));
                aeronDir = driver.aeronDirectoryName();
            }
            aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));
            this.driver = driver;
            this.driverDir = driverDir;
            this.aeron = aeron;
            this.cluster = connectCluster();
        }
        catch (final java.io.IOException ex)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, "cannot create a directory for the client's " +
                "media driver: " + ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(aeron, driver);
            if (null != driverDir)
            {
                IoUtil.delete(driverDir, true);
            }
            throw ex;
        }
    }

    private AeronCluster connectCluster()
    {
        try
        {
            return AeronCluster.connect(new AeronCluster.Context()
                .aeron(aeron)
                .ownsAeronClient(false)
                .ingressEndpoints(ctx.members().ingressEndpoints())
                .ingressChannel("aeron:udp?term-length=" + ctx.termLength())
                .egressChannel("aeron:udp?endpoint=" + ctx.egressHost() + ":0|term-length=" + ctx.termLength())
                .messageTimeoutNs(ctx.connectTimeoutNs())
                .egressListener(listener));
        }
        catch (final RuntimeException ex)
        {
            throw new SkeinException(SkeinException.Code.NOT_CONNECTED, SkeinException.Category.ERROR,
                "cannot connect to the cluster " + ctx.members() + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Connect to a cluster: waits, bounded by the context's connect timeout, until a leader accepts the session.
     *
     * @param ctx for the configuration; concluded here.
     * @return the connected client.
     * @throws SkeinException NOT_CONNECTED if no leader answered in time.
     */
    public static SkeinClusterClient connect(final Context ctx)
    {
        return new SkeinClusterClient(ctx.conclude());
    }

    /**
     * Send a command and get its outcome as a future, completed by a later {@link #poll()}. The command's
     * correlation id must be unique among those in flight.
     *
     * @param buffer holding the command: envelope and domain command.
     * @param offset of the command.
     * @param length of the command.
     * @return the future outcome.
     */
    public CompletableFuture<CommandResult> submit(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < SkeinProtocol.ENVELOPE_LENGTH)
        {
            return CompletableFuture.failedFuture(new SkeinException(SkeinException.Code.BAD_INPUT,
                "a command needs at least the " + SkeinProtocol.ENVELOPE_LENGTH + "-byte envelope"));
        }
        if (closed)
        {
            return CompletableFuture.failedFuture(new SkeinException(SkeinException.Code.CLOSED, "client closed"));
        }
        envelopeDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            CommandEnvelopeDecoder.BLOCK_LENGTH, CommandEnvelopeDecoder.SCHEMA_VERSION);
        final long correlationId = envelopeDecoder.correlationId();
        if (pending.containsKey(correlationId))
        {
            return CompletableFuture.failedFuture(new SkeinException(SkeinException.Code.BAD_INPUT,
                "correlation id " + correlationId + " is already in flight"));
        }
        final boolean hasKey = (envelopeDecoder.idempotencyKeyHi() | envelopeDecoder.idempotencyKeyLo()) != 0;
        final byte[] command = new byte[length];
        buffer.getBytes(offset, command);
        final Pending entry = new Pending(correlationId, command, hasKey);
        pending.put(correlationId, entry);
        trySend(entry);
        return entry.future;
    }

    private void trySend(final Pending entry)
    {
        final long result = cluster.offer(new UnsafeBuffer(entry.command), 0, entry.command.length);
        if (result > 0)
        {
            entry.sent = true;
        }
        else if (result == Publication.MAX_POSITION_EXCEEDED)
        {
            pending.remove(entry.correlationId);
            entry.future.completeExceptionally(new SkeinException(SkeinException.Code.BAD_INPUT,
                "command of " + entry.command.length + " bytes is too long for the cluster's ingress"));
        }
    }

    /**
     * Send a command and wait for its outcome, polling meanwhile (across a failover too).
     *
     * @param buffer    holding the command.
     * @param offset    of the command.
     * @param length    of the command.
     * @param timeoutNs the longest to wait.
     * @return the result.
     * @throws SkeinException TIMEOUT if no outcome came in time (the command is then forgotten: resend it with the
     *                        same idempotency key to learn its outcome), or UNKNOWN_OUTCOME (see the class).
     */
    public CommandResult send(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        final CompletableFuture<CommandResult> future = submit(buffer, offset, length);
        envelopeDecoder.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            CommandEnvelopeDecoder.BLOCK_LENGTH, CommandEnvelopeDecoder.SCHEMA_VERSION);
        final long correlationId = envelopeDecoder.correlationId();
        try
        {
            return await(future, timeoutNs, "no outcome for command " + correlationId + " in time: it may or may " +
                "not have taken effect; resend it with the same idempotency key to learn which");
        }
        finally
        {
            if (!future.isDone())
            {
                pending.remove(correlationId);
            }
        }
    }

    /**
     * Ask the cluster, through its log, for a value every member computes at the same log position: the state hash,
     * the aggregate count, or a snapshot (the value is then the log position at which every member takes it).
     *
     * @param action    STATE_HASH, AGGREGATE_COUNT or TAKE_SNAPSHOT.
     * @param timeoutNs the longest to wait.
     * @return the leader's answer.
     * @throws SkeinException if refused or not answered in time.
     */
    public long admin(final AdminAction action, final long timeoutNs)
    {
        final long correlationId = nextAdminCorrelationId++;
        final int length = MessageHeaderEncoder.ENCODED_LENGTH + adminEncoder
            .wrapAndApplyHeader(adminBuffer, 0, headerEncoder)
            .sessionId(cluster.clusterSessionId())
            .correlationId(correlationId)
            .action(action)
            .position(-1)
            .aggregateTypeId(0)
            .aggregateId(0)
            .leaderArchiveControlChannel("")
            .leaderStatusChannel("")
            .encodedLength();
        final CompletableFuture<Long> future = new CompletableFuture<>();
        pendingAdmin.put(correlationId, future);
        final long deadlineNs = System.nanoTime() + timeoutNs;
        final IdleStrategy idle = new BackoffIdleStrategy();
        try
        {
            while (cluster.offer(adminBuffer, 0, length) < 0)
            {
                if (System.nanoTime() - deadlineNs >= 0)
                {
                    throw new SkeinException(SkeinException.Code.TIMEOUT, "could not send the admin request");
                }
                poll();
                idle.idle();
            }
            return await(future, deadlineNs - System.nanoTime(), "no answer to " + action + " in time");
        }
        finally
        {
            pendingAdmin.remove(correlationId);
        }
    }

    private <T> T await(final CompletableFuture<T> future, final long timeoutNs, final String timeoutMessage)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        final IdleStrategy idle = new BackoffIdleStrategy();
        while (!future.isDone())
        {
            if (System.nanoTime() - deadlineNs >= 0)
            {
                throw new SkeinException(SkeinException.Code.TIMEOUT, timeoutMessage);
            }
            idle.idle(poll());
        }
        try
        {
            return future.join();
        }
        catch (final java.util.concurrent.CompletionException ex)
        {
            if (ex.getCause() instanceof SkeinException)
            {
                throw (SkeinException)ex.getCause();
            }
            throw ex;
        }
    }

    /**
     * Ask the leader's consensus module for a snapshot (Aeron Cluster's admin request); every member takes it at the
     * same log position.
     *
     * @return true if the request was sent.
     */
    public boolean requestSnapshot()
    {
        return cluster.sendAdminRequestToTakeASnapshot(nextAdminCorrelationId++);
    }

    /**
     * Read replies and leader changes, send what waits to be sent, keep the session alive, and connect again if the
     * session was lost.
     *
     * @return the amount of work done.
     */
    public int poll()
    {
        if (closed)
        {
            return 0;
        }
        if (cluster.isClosed())
        {
            reconnect();
            return 1;
        }
        int work = cluster.pollEgress();
        final long nowNs = System.nanoTime();
        if (nowNs - lastKeepAliveNs >= KEEP_ALIVE_INTERVAL_NS)
        {
            lastKeepAliveNs = nowNs;
            cluster.sendKeepAlive();
        }
        if (!pending.isEmpty())
        {
            for (final Pending entry : pending.values())
            {
                if (!entry.sent)
                {
                    trySend(entry);
                    work++;
                }
            }
        }
        return work;
    }

    private void reconnect()
    {
        CloseHelper.quietClose(cluster);
        cluster = connectCluster();
        reconnects++;
        resendAfterLeaderChange();
    }

    private void resendAfterLeaderChange()
    {
        final List<Pending> unknown = new ArrayList<>();
        for (final Pending entry : pending.values())
        {
            if (entry.sent && !entry.hasKey)
            {
                unknown.add(entry);
            }
            else
            {
                if (entry.sent)
                {
                    resent++;
                }
                entry.sent = false;
            }
        }
        for (final Pending entry : unknown)
        {
            pending.remove(entry.correlationId);
            entry.future.completeExceptionally(new SkeinException(SkeinException.Code.UNKNOWN_OUTCOME,
                "the cluster's leader changed before command " + entry.correlationId + " was answered and it has " +
                "no idempotency key, so it is not resent: it may or may not have taken effect"));
        }
        for (final Pending entry : pending.values())
        {
            trySend(entry);
        }
    }

    /**
     * The member that leads, as this client last heard.
     *
     * @return the member id.
     */
    public int leaderMemberId()
    {
        return cluster.leaderMemberId();
    }

    /**
     * New leaders this client followed.
     *
     * @return the count.
     */
    public long leaderChanges()
    {
        return leaderChanges;
    }

    /**
     * Times this client had to connect again because its session was lost.
     *
     * @return the count.
     */
    public long reconnects()
    {
        return reconnects;
    }

    /**
     * Commands sent again (with their idempotency keys) after a leader change.
     *
     * @return the count.
     */
    public long resent()
    {
        return resent;
    }

    /**
     * Commands waiting for their outcome.
     *
     * @return the count.
     */
    public int pendingCount()
    {
        return pending.size();
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        for (final Pending entry : pending.values())
        {
            entry.future.completeExceptionally(new SkeinException(SkeinException.Code.CLOSED, "client closed"));
        }
        pending.clear();
        CloseHelper.closeAll(cluster, aeron, driver);
        if (null != driverDir)
        {
            IoUtil.delete(driverDir, true);
        }
    }

    private final class Listener implements EgressListener
    {
        @Override
        public void onMessage(
            final long clusterSessionId,
            final long timestamp,
            final DirectBuffer buffer,
            final int offset,
            final int length,
            final Header header)
        {
            if (length < SkeinProtocol.HEADER_LENGTH)
            {
                return;
            }
            headerDecoder.wrap(buffer, offset);
            if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID)
            {
                return;
            }
            if (headerDecoder.templateId() == CommandReplyDecoder.TEMPLATE_ID)
            {
                reply.wrap(buffer, offset, length);
                final Pending entry = pending.remove(reply.correlationId());
                if (null != entry)
                {
                    entry.future.complete(reply.toResult());
                }
            }
            else if (headerDecoder.templateId() == AdminResponseDecoder.TEMPLATE_ID)
            {
                adminDecoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, headerDecoder.blockLength(),
                    headerDecoder.version());
                final CompletableFuture<Long> future = pendingAdmin.remove(adminDecoder.correlationId());
                if (null != future)
                {
                    if (adminDecoder.status() == AdminStatus.OK)
                    {
                        future.complete(adminDecoder.value());
                    }
                    else
                    {
                        future.completeExceptionally(new SkeinException(SkeinException.Code.BAD_INPUT,
                            adminDecoder.message()));
                    }
                }
            }
        }

        @Override
        public void onNewLeader(
            final long clusterSessionId,
            final long leadershipTermId,
            final int leaderMemberId,
            final String ingressEndpoints)
        {
            leaderChanges++;
            resendAfterLeaderChange();
        }
    }

    /**
     * Configuration of a cluster client.
     */
    public static final class Context
    {
        private boolean isConcluded;
        private ClusterMembers members;
        private String aeronDirectoryName;
        private String egressHost = "localhost";
        private int termLength = 1024 * 1024;
        private long connectTimeoutNs = TimeUnit.SECONDS.toNanos(10);

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
            if (null == members)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "the cluster's members are required");
            }
            return this;
        }

        /**
         * Set the cluster's members (the same list the members were started with).
         *
         * @param members of the cluster.
         * @return this for a fluent API.
         */
        public Context members(final ClusterMembers members)
        {
            this.members = members;
            return this;
        }

        /**
         * The cluster's members.
         *
         * @return the members.
         */
        public ClusterMembers members()
        {
            return members;
        }

        /**
         * Use a running media driver; by default the client starts one of its own (shared thread, back-off idling,
         * a temporary directory removed on close).
         *
         * @param name of the driver's Aeron directory.
         * @return this for a fluent API.
         */
        public Context aeronDirectoryName(final String name)
        {
            this.aeronDirectoryName = name;
            return this;
        }

        /**
         * The Aeron directory of the driver to use.
         *
         * @return the directory, or null for a driver of the client's own.
         */
        public String aeronDirectoryName()
        {
            return aeronDirectoryName;
        }

        /**
         * Set the host or address the members send replies to (this machine as they reach it).
         *
         * @param host for the egress.
         * @return this for a fluent API.
         */
        public Context egressHost(final String host)
        {
            this.egressHost = host;
            return this;
        }

        /**
         * The host the members send replies to.
         *
         * @return the host.
         */
        public String egressHost()
        {
            return egressHost;
        }

        /**
         * Set the term length of the ingress and egress: commands and replies up to an eighth of it.
         *
         * @param termLength power of two, at least 64 KiB.
         * @return this for a fluent API.
         */
        public Context termLength(final int termLength)
        {
            this.termLength = termLength;
            return this;
        }

        /**
         * The ingress and egress term length.
         *
         * @return the length.
         */
        public int termLength()
        {
            return termLength;
        }

        /**
         * Set how long to wait for a leader to accept the session.
         *
         * @param timeoutNs the timeout.
         * @return this for a fluent API.
         */
        public Context connectTimeoutNs(final long timeoutNs)
        {
            this.connectTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * How long to wait for a leader to accept the session.
         *
         * @return nanoseconds.
         */
        public long connectTimeoutNs()
        {
            return connectTimeoutNs;
        }
    }
}
