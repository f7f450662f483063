package io.skein.cluster;

import java.io.File;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.client.ArchiveException;
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
import io.skein.journal.Journal;
import io.skein.protocol.CommandResult;
import io.skein.protocol.EventFilter;
import io.skein.protocol.EventHandler;
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
 * <p>
 * Events are read from any member: {@link #subscribe} has that member's archive replay its journal to this client,
 * then go on live, as a standalone node's subscriptions do.
 * <p>
 * Single-threaded like {@code SkeinClient}: one thread sends and calls {@link #poll()}. {@link #submit} copies each
 * command so it can be resent; it allocates per call.
 */
public final class SkeinClusterClient implements AutoCloseable
{
    /**
     * Subscribe from the start of a member's journal.
     */
    public static final long FROM_START = -1;

    /**
     * Subscribe from the end of what a member's journal holds now: live events only.
     */
    public static final long FROM_LIVE = -2;

    private static final int SUBSCRIPTION_STREAM_ID_BASE = 3001;
    private static final int SUBSCRIPTION_FRAGMENT_LIMIT = 64;
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
    private final AeronArchive[] archives;
    private final List<MemberSubscription> subscriptions = new ArrayList<>();
    private int nextSubscriptionStreamId = SUBSCRIPTION_STREAM_ID_BASE;
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
        this.archives = new AeronArchive[ctx.members().size()];
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
            this.cluster = ctx.commands() ? connectCluster() : null;
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
        if (null == cluster)
        {
            return CompletableFuture.failedFuture(eventsOnly());
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
        if (null == cluster)
        {
            throw eventsOnly();
        }
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
        if (null == cluster)
        {
            throw eventsOnly();
        }
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
        int subscriptionWork = 0;
        for (int i = subscriptions.size() - 1; i >= 0; i--)
        {
            subscriptionWork += subscriptions.get(i).poll(SUBSCRIPTION_FRAGMENT_LIMIT);
        }
        if (null == cluster)
        {
            return subscriptionWork;
        }
        if (cluster.isClosed())
        {
            reconnect();
            return 1;
        }
        int work = subscriptionWork + cluster.pollEgress();
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
     * Follow one member's events from a position, then live: the member's archive replays its journal to this
     * client, and {@link #poll()} hands the events over. Any member serves, leader or follower; every entry in its
     * journal was decided from the committed log.
     *
     * @param memberId          whose journal to read.
     * @param fromPosition      where an entry starts (a subscription's {@link MemberSubscription#position()}, from
     *                          this member or another), or {@link #FROM_START}, or {@link #FROM_LIVE}.
     * @param lastEntrySequence the sequence of the entry that ends at {@code fromPosition} if known (so the first
     *                          entry is checked to follow it), else 0.
     * @param filter            which events to hand over; null for all.
     * @param handler           for each event, called on the thread that polls.
     * @param timeoutNs         the longest to wait for the member's archive.
     * @return the subscription; close it to stop.
     * @throws SkeinException BAD_INPUT for an unknown member or a position outside the member's journal,
     *                        NOT_CONNECTED if the member's archive does not answer, STORAGE if it has no journal.
     */
    public MemberSubscription subscribe(
        final int memberId,
        final long fromPosition,
        final long lastEntrySequence,
        final EventFilter filter,
        final EventHandler handler,
        final long timeoutNs)
    {
        if (closed)
        {
            throw new SkeinException(SkeinException.Code.CLOSED, "client closed");
        }
        if (memberId < 0 || memberId >= archives.length)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "no member " + memberId + " in " +
                ctx.members() + " (members are numbered from 0)");
        }
        final AeronArchive archive = archive(memberId, timeoutNs);
        final long[] journal = memberJournal(memberId, archive);
        final long recordingId = journal[0];
        final long start = journal[1];
        final long end = journal[2];
        if (fromPosition != FROM_START && fromPosition != FROM_LIVE && (fromPosition < start || fromPosition > end))
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "position " + fromPosition + " is outside " +
                "member " + memberId + "'s journal [" + start + ", " + end + "]");
        }
        final long from = fromPosition == FROM_START ? start : fromPosition == FROM_LIVE ? end : fromPosition;
        final int streamId = nextSubscriptionStreamId++;
        final Subscription replay = aeron.addSubscription(
            "aeron:udp?endpoint=" + ctx.egressHost() + ":0|term-length=" + ctx.termLength(), streamId);
        final long replaySessionId;
        try
        {
            final String channel = resolve(replay, timeoutNs);
            replaySessionId = archive.startReplay(recordingId, from, AeronArchive.REPLAY_ALL_AND_FOLLOW, channel,
                streamId);
        }
        catch (final SkeinException ex)
        {
            CloseHelper.quietClose(replay);
            throw ex;
        }
        catch (final ArchiveException ex)
        {
            CloseHelper.quietClose(replay);
            throw new SkeinException(SkeinException.Code.BAD_INPUT, SkeinException.Category.ERROR,
                "member " + memberId + "'s archive refused " +
                "the replay of its journal from " + from + ": " + ex.getMessage(), ex);
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(replay);
            CloseHelper.quietClose(archive);
            archives[memberId] = null;
            throw new SkeinException(SkeinException.Code.NOT_CONNECTED, SkeinException.Category.ERROR,
                "member " + memberId + "'s archive did not start the replay: " + ex.getMessage(), ex);
        }
        final MemberSubscription subscription = new MemberSubscription(this, archive, replay, memberId,
            replaySessionId, from, FROM_LIVE != fromPosition, FROM_START == fromPosition ? 0 : lastEntrySequence,
            filter, handler);
        subscriptions.add(subscription);
        return subscription;
    }

    /**
     * Where a member's journal starts and ends now, as its archive records it.
     *
     * @param memberId  whose journal.
     * @param timeoutNs the longest to wait for the member's archive.
     * @return {start, end}.
     * @throws SkeinException as {@link #subscribe} does.
     */
    public long[] journalBounds(final int memberId, final long timeoutNs)
    {
        if (memberId < 0 || memberId >= archives.length)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "no member " + memberId + " in " +
                ctx.members() + " (members are numbered from 0)");
        }
        final long[] journal = memberJournal(memberId, archive(memberId, timeoutNs));
        return new long[] {journal[1], journal[2]};
    }

    private static SkeinException eventsOnly()
    {
        return new SkeinException(SkeinException.Code.NOT_CONNECTED, "this client has no session with the " +
            "cluster's leader: it was opened for events only (Context.commands(false))");
    }

    void removed(final MemberSubscription subscription)
    {
        subscriptions.remove(subscription);
    }

    private AeronArchive archive(final int memberId, final long timeoutNs)
    {
        AeronArchive archive = archives[memberId];
        if (null != archive)
        {
            return archive;
        }
        final String control = "aeron:udp?endpoint=" + ctx.members().archiveEndpoint(memberId);
        try
        {
            archive = AeronArchive.connect(new AeronArchive.Context()
                .aeron(aeron)
                .ownsAeronClient(false)
                .controlRequestChannel(control)
                .controlResponseChannel("aeron:udp?endpoint=" + ctx.egressHost() + ":0")
                .messageTimeoutNs(timeoutNs));
        }
        catch (final RuntimeException ex)
        {
            throw new SkeinException(SkeinException.Code.NOT_CONNECTED, SkeinException.Category.ERROR,
                "member " + memberId + "'s archive at " + control + " did not answer: " + ex.getMessage(), ex);
        }
        archives[memberId] = archive;
        return archive;
    }

    /**
     * The member's journal recording: {recording id, start, end}.
     */
    private long[] memberJournal(final int memberId, final AeronArchive archive)
    {
        final long[] found = {Aeron.NULL_VALUE, 0, 0};
        final int[] count = {0};
        try
        {
            archive.listRecordingsForUri(0, 1_000, CommonContext.IPC_CHANNEL, Journal.Context.STREAM_ID_DEFAULT,
                (controlSessionId, correlationId, recordingId, startTimestamp, stopTimestamp, startPosition,
                stopPosition, initialTermId, segmentFileLength, termBufferLength, mtuLength, sessionId, streamId,
                strippedChannel, originalChannel, sourceIdentity) ->
                {
                    count[0]++;
                    found[0] = recordingId;
                    found[1] = startPosition;
                    found[2] = stopPosition;
                });
            if (Aeron.NULL_VALUE == found[0])
            {
                throw new SkeinException(SkeinException.Code.STORAGE, "member " + memberId + " has no journal yet " +
                    "(its service has not started)");
            }
            if (count[0] > 1)
            {
                throw new SkeinException(SkeinException.Code.STORAGE, "member " + memberId + "'s archive holds " +
                    count[0] + " journal recordings where there should be one");
            }
            final long live = archive.getRecordingPosition(found[0]);
            if (AeronArchive.NULL_POSITION != live)
            {
                found[2] = live;
            }
        }
        catch (final SkeinException ex)
        {
            throw ex;
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(archive);
            archives[memberId] = null;
            throw new SkeinException(SkeinException.Code.NOT_CONNECTED, SkeinException.Category.ERROR,
                "member " + memberId + "'s archive did not list its journal: " + ex.getMessage(), ex);
        }
        return found;
    }

    private String resolve(final Subscription subscription, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        final IdleStrategy idle = new BackoffIdleStrategy();
        while (true)
        {
            final String resolved = subscription.tryResolveChannelEndpointPort();
            if (null != resolved)
            {
                return resolved;
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new SkeinException(SkeinException.Code.TIMEOUT, "could not bind a channel for the replay on " +
                    ctx.egressHost());
            }
            idle.idle();
        }
    }

    /**
     * The member that leads, as this client last heard.
     *
     * @return the member id.
     */
    public int leaderMemberId()
    {
        return null == cluster ? Aeron.NULL_VALUE : cluster.leaderMemberId();
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
        for (int i = subscriptions.size() - 1; i >= 0; i--)
        {
            subscriptions.get(i).close();
        }
        CloseHelper.quietCloseAll(archives);
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
        private boolean commands = true;

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

        /**
         * Whether to open a session with the cluster's leader for commands and admin requests (the default), or only
         * read members' events: a client for events alone needs no leader, so it subscribes even while the cluster
         * elects one or has lost its quorum.
         *
         * @param commands false for events only.
         * @return this for a fluent API.
         */
        public Context commands(final boolean commands)
        {
            this.commands = commands;
            return this;
        }

        /**
         * Whether the client opens a session with the leader.
         *
         * @return true unless opened for events only.
         */
        public boolean commands()
        {
            return commands;
        }
    }
}
