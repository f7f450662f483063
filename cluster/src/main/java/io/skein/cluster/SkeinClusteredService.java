package io.skein.cluster;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.cluster.ClusterControl;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import io.aeron.FragmentAssembler;
import io.skein.codecs.AdminAction;
import io.skein.codecs.AdminRequestDecoder;
import io.skein.codecs.AdminResponseEncoder;
import io.skein.codecs.AdminStatus;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.engine.ClusterEngine;
import io.skein.journal.Journal;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Skein's engine as an Aeron Cluster service. The cluster's service thread is the single writer: it decides each
 * command of the committed log with the engine's own decision path ({@link ClusterEngine}), writes the accepted
 * entry to this member's journal ({@link MemberJournal}) and offers the reply on the client session's egress (only
 * the leader's offers go out; Aeron Cluster mocks them on followers and while the log is replayed).
 * <p>
 * Since the service is only given log entries a majority of members have recorded, a reply is durable on a quorum
 * before it is sent. Every member runs every command, so nothing here decides from anything but the log: time is the
 * log's, positions are log positions, the epoch is the leadership term; the local journal is a copy and a failure to
 * write it stops this member (the others go on) rather than change an outcome.
 * <p>
 * Besides commands the log carries Skein's {@code AdminRequest}: {@code STATE_HASH} and {@code AGGREGATE_COUNT} are
 * answered at the request's log position, the same on every member (each member reports its own to the
 * {@link StateProbe}, so replicas can be compared); {@code TAKE_SNAPSHOT} makes the leader ask the cluster for a
 * snapshot, which every member then takes at the same log position.
 */
public final class SkeinClusteredService implements ClusteredService
{
    /**
     * Told of each state probe a member answers: the state hash at a log position.
     */
    @FunctionalInterface
    public interface StateProbe
    {
        /**
         * The member's state at a log position.
         *
         * @param memberId      of the member.
         * @param logPosition   of the probe in the log.
         * @param entrySequence of the last entry applied.
         * @param stateHash     of the state.
         */
        void onStateHash(int memberId, long logPosition, long entrySequence, long stateHash);
    }

    private static final long SNAPSHOT_DURABLE_TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int REPLY_ATTEMPTS = 100;

    private final ClusterEngine engine;
    private final Supplier<Journal> journalFactory;
    private final long snapshotEveryEntries;
    private final StateProbe probe;
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final AdminRequestDecoder adminDecoder = new AdminRequestDecoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final AdminResponseEncoder adminEncoder = new AdminResponseEncoder();
    private final ExpandableArrayBuffer adminBuffer = new ExpandableArrayBuffer(256);
    private Cluster cluster;
    private MemberJournal journal;
    private AtomicCounter controlToggle;
    private long lastSnapshotEntrySequence;
    private boolean snapshotRequested;
    private volatile Cluster.Role role = Cluster.Role.FOLLOWER;
    private volatile long logPosition;
    private volatile long entrySequence;
    private volatile long snapshots;
    private volatile long repliesDropped;
    private volatile long loadedSnapshotPosition = SkeinProtocol.NULL_POSITION;

    /**
     * A service over an engine.
     *
     * @param engine               that decides commands; empty (the service loads the cluster's snapshot into it).
     * @param journalFactory       opens this member's journal when the service starts, or null to keep none.
     * @param snapshotEveryEntries the leader asks for a snapshot after this many entries since the last; 0 never.
     * @param probe                told of state probes, or null.
     */
    public SkeinClusteredService(
        final ClusterEngine engine,
        final Supplier<Journal> journalFactory,
        final long snapshotEveryEntries,
        final StateProbe probe)
    {
        this.engine = engine;
        this.journalFactory = journalFactory;
        this.snapshotEveryEntries = snapshotEveryEntries;
        this.probe = probe;
    }

    @Override
    public void onStart(final Cluster cluster, final Image snapshotImage)
    {
        this.cluster = cluster;
        if (null != snapshotImage)
        {
            loadSnapshot(snapshotImage, cluster.logPosition());
            loadedSnapshotPosition = cluster.logPosition();
        }
        lastSnapshotEntrySequence = engine.lastEntrySequence();
        entrySequence = engine.lastEntrySequence();
        logPosition = cluster.logPosition();
        if (null != journalFactory)
        {
            journal = new MemberJournal(journalFactory.get());
            if (journal.lastSequence() < engine.lastEntrySequence())
            {
                final long last = journal.lastSequence();
                journal.close();
                journal = null;
                throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                    "this member's journal ends at entry " + last + " but the cluster's snapshot holds entries up " +
                    "to " + engine.lastEntrySequence() + ": the journal lost entries it cannot get back from the " +
                    "log; remove the member's whole directory for it to rejoin from the other members", null);
            }
        }
        controlToggle = ClusterControl.findControlToggle(cluster.aeron().countersReader(),
            cluster.context().clusterId());
    }

    private void loadSnapshot(final Image image, final long position)
    {
        engine.beginSnapshotLoad(position, "cluster snapshot at log position " + position);
        final boolean[] ended = new boolean[1];
        final FragmentHandler assembler = new FragmentAssembler(
            (buffer, offset, length, header) -> ended[0] |= engine.loadSnapshotMessage(buffer, offset, length));
        while (!ended[0])
        {
            final int fragments = image.poll(assembler, 16);
            if (0 == fragments)
            {
                if (image.isEndOfStream() || image.isClosed())
                {
                    break;
                }
                cluster.idleStrategy().idle();
            }
        }
        engine.endSnapshotLoad();
    }

    @Override
    public void onSessionOpen(final ClientSession session, final long timestamp)
    {
    }

    @Override
    public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
    {
    }

    @Override
    public void onSessionMessage(
        final ClientSession session,
        final long timestamp,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Header header)
    {
        final long position = header.position();
        if (length >= SkeinProtocol.HEADER_LENGTH)
        {
            headerDecoder.wrap(buffer, offset);
            if (headerDecoder.schemaId() == SkeinProtocol.SCHEMA_ID &&
                headerDecoder.templateId() == AdminRequestDecoder.TEMPLATE_ID)
            {
                onAdminRequest(session, buffer, offset, length, position);
                logPosition = position;
                return;
            }
        }
        final long before = engine.lastEntrySequence();
        final int replyLength = engine.execute(buffer, offset, length, cluster.timeUnit().toNanos(timestamp),
            position);
        if (engine.lastEntrySequence() != before && null != journal)
        {
            journal.append(engine.entryBuffer(), 0, engine.entryLength());
        }
        entrySequence = engine.lastEntrySequence();
        logPosition = position;
        reply(session, engine.replyBuffer(), 0, replyLength);
    }

    private void onAdminRequest(
        final ClientSession session,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final long position)
    {
        if (SkeinProtocol.HEADER_LENGTH + headerDecoder.blockLength() > length ||
            headerDecoder.blockLength() < AdminRequestDecoder.BLOCK_LENGTH)
        {
            return;
        }
        adminDecoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version());
        final AdminAction action = adminDecoder.action();
        long value = 0;
        AdminStatus status = AdminStatus.OK;
        String message = "log position " + position;
        switch (action)
        {
            case STATE_HASH ->
            {
                value = engine.stateHash();
                if (null != probe)
                {
                    probe.onStateHash(cluster.memberId(), position, engine.lastEntrySequence(), value);
                }
            }
            case AGGREGATE_COUNT -> value = engine.aggregateCount();
            case TAKE_SNAPSHOT ->
            {
                if (Cluster.Role.LEADER == cluster.role() && !snapshotRequested)
                {
                    snapshotRequested = ClusterControl.ToggleState.SNAPSHOT.toggle(controlToggle);
                }
                value = position;
                message = "snapshot requested at log position " + position + "; every member takes it there";
            }
            default ->
            {
                status = AdminStatus.FAILED;
                message = action + " is not available in cluster mode";
            }
        }
        final int replyLength = MessageHeaderEncoder.ENCODED_LENGTH + adminEncoder
            .wrapAndApplyHeader(adminBuffer, 0, headerEncoder)
            .correlationId(adminDecoder.correlationId())
            .action(action)
            .status(status)
            .value(value)
            .message(message)
            .encodedLength();
        reply(session, adminBuffer, 0, replyLength);
    }

    private void reply(final ClientSession session, final DirectBuffer buffer, final int offset, final int length)
    {
        if (null == session)
        {
            return;
        }
        for (int attempt = 0; attempt < REPLY_ATTEMPTS; attempt++)
        {
            final long result = session.offer(buffer, offset, length);
            if (result > 0 || result == ClientSession.MOCKED_OFFER)
            {
                return;
            }
            if (result != Publication.BACK_PRESSURED && result != Publication.ADMIN_ACTION)
            {
                break;
            }
            cluster.idleStrategy().idle();
        }
        // The client resends with the command's idempotency key and is answered DUPLICATE with the outcome.
        repliesDropped++;
    }

    @Override
    public void onTimerEvent(final long correlationId, final long timestamp)
    {
    }

    @Override
    public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
    {
        if (null != journal)
        {
            // A snapshot must never hold entries this member's journal could still lose.
            journal.awaitDurable(SNAPSHOT_DURABLE_TIMEOUT_NS);
        }
        final int maxMessageLength = snapshotPublication.maxMessageLength();
        engine.writeSnapshot(cluster.logPosition(), (buffer, offset, length) ->
        {
            if (length > maxMessageLength)
            {
                throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                    "a snapshot message of " + length + " bytes (one aggregate's state) exceeds the snapshot " +
                    "publication's maximum of " + maxMessageLength + " (an eighth of the IPC term length)", null);
            }
            while (true)
            {
                final long result = snapshotPublication.offer(buffer, offset, length);
                if (result > 0)
                {
                    return;
                }
                if (result != Publication.BACK_PRESSURED && result != Publication.ADMIN_ACTION)
                {
                    throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                        "the snapshot publication refused a message: " + Publication.errorString(result), null);
                }
                cluster.idleStrategy().idle();
            }
        });
        lastSnapshotEntrySequence = engine.lastEntrySequence();
        snapshotRequested = false;
        snapshots++;
    }

    @Override
    public void onRoleChange(final Cluster.Role newRole)
    {
        role = newRole;
        snapshotRequested = false;
    }

    @Override
    public void onTerminate(final Cluster cluster)
    {
        if (null != journal)
        {
            journal.close();
            journal = null;
        }
    }

    @Override
    public void onNewLeadershipTermEvent(
        final long leadershipTermId,
        final long logPosition,
        final long timestamp,
        final long termBaseLogPosition,
        final int leaderMemberId,
        final int logSessionId,
        final TimeUnit timeUnit,
        final int appVersion)
    {
        engine.epoch(leadershipTermId);
    }

    @Override
    public int doBackgroundWork(final long nowNs)
    {
        int work = null == journal ? 0 : journal.keepAlive(nowNs);
        if (snapshotEveryEntries > 0 && !snapshotRequested && Cluster.Role.LEADER == role &&
            engine.lastEntrySequence() - lastSnapshotEntrySequence >= snapshotEveryEntries)
        {
            // Only the leader's consensus module acts on the toggle; it logs the snapshot for every member.
            snapshotRequested = ClusterControl.ToggleState.SNAPSHOT.toggle(controlToggle);
            work++;
        }
        return work;
    }

    /**
     * This member's role, as last told by the cluster.
     *
     * @return the role.
     */
    public Cluster.Role role()
    {
        return role;
    }

    /**
     * The log position of the last message applied.
     *
     * @return the position.
     */
    public long logPosition()
    {
        return logPosition;
    }

    /**
     * The sequence of the last entry applied.
     *
     * @return the entry sequence.
     */
    public long entrySequence()
    {
        return entrySequence;
    }

    /**
     * The snapshots this member has taken since it started.
     *
     * @return the count.
     */
    public long snapshots()
    {
        return snapshots;
    }

    /**
     * The log position of the snapshot the service started from.
     *
     * @return the position, {@link SkeinProtocol#NULL_POSITION} if it started without one.
     */
    public long loadedSnapshotPosition()
    {
        return loadedSnapshotPosition;
    }

    /**
     * Replies the leader could not offer (the client's egress stayed back-pressured or was gone).
     *
     * @return the count.
     */
    public long repliesDropped()
    {
        return repliesDropped;
    }

    /**
     * The member's journal, while the service runs.
     *
     * @return the journal, or null.
     */
    Journal journal()
    {
        final MemberJournal current = journal;
        return null == current ? null : current.journal();
    }
}
