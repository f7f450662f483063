package io.skein.cluster;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.client.ArchiveException;
import io.aeron.cluster.AllowBackupAndStandbyAuthorisationService;
import io.aeron.cluster.ConsensusModule;
import io.aeron.cluster.ElectionState;
import io.aeron.cluster.NanosecondClusterClock;
import io.aeron.cluster.codecs.AdminRequestType;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusterMarkFile;
import io.aeron.cluster.service.ClusteredServiceContainer;
import io.aeron.exceptions.AeronException;
import io.skein.aggregate.Aggregate;
import io.skein.engine.ClusterEngine;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.projection.EventSource;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;

/**
 * One member of a Skein cluster in this process: its archiving media driver ({@link EmbeddedArchive}, shared threading
 * and back-off idling), Aeron Cluster's consensus module, and the service container running
 * {@link SkeinClusteredService} with the engine. Everything lives under one directory: {@code aeron/},
 * {@code archive/} (the cluster's log and snapshots, and Skein's journal), {@code journal/} (the journal's index, so
 * the offline tools read a stopped member's directory as a node's) and {@code cluster/} (the consensus module's and
 * the service's files).
 * <p>
 * Threads: the driver's, the archive's, the consensus module's, the service's, the service's Aeron client conductor
 * and the member journal's Aeron client conductor, all idling with back-off.
 */
public final class SkeinClusterMember implements AutoCloseable
{
    private final Context ctx;
    private final EmbeddedArchive archive;
    private final ConsensusModule consensusModule;
    private final ClusteredServiceContainer container;
    private final SkeinClusteredService service;
    private final CountDownLatch terminated = new CountDownLatch(1);

    private SkeinClusterMember(final Context ctx)
    {
        this.ctx = ctx;
        final int memberId = ctx.memberId();
        final String host = ctx.members().host(memberId);
        final File baseDir = ctx.baseDir();
        final File clusterDir = new File(baseDir, "cluster");
        EmbeddedArchive archive = null;
        ConsensusModule consensusModule = null;
        ClusteredServiceContainer container = null;
        try
        {
            archive = EmbeddedArchive.launch(new EmbeddedArchive.Context()
                .baseDir(baseDir)
                .archiveId(memberId)
                .termLength(ctx.termLength())
                .segmentFileLength(ctx.segmentFileLength())
                .controlChannel("aeron:udp?endpoint=" + ctx.members().archiveEndpoint(memberId))
                .replicationChannel("aeron:udp?endpoint=" + host + ":0")
                .errorHandler(ctx::onError));
            final String aeronDir = archive.aeronDirectoryName();
            final EmbeddedArchive journalArchive = archive;
            removeStaleMarkFiles(clusterDir);

            consensusModule = ConsensusModule.launch(new ConsensusModule.Context()
                .aeronDirectoryName(aeronDir)
                .clusterDir(clusterDir)
                .clusterId(0)
                .clusterMemberId(memberId)
                .clusterMembers(ctx.members().consensusMembers())
                .ingressChannel("aeron:udp?term-length=" + ctx.ingressTermLength())
                .logChannel("aeron:udp?term-length=" + ctx.logTermLength())
                .replicationChannel("aeron:udp?endpoint=" + host + ":0")
                .archiveContext(localArchive(aeronDir))
                .clusterClock(new NanosecondClusterClock())
                .authorisationServiceSupplier(() -> SkeinClusterMember::isAuthorised)
                .leaderHeartbeatTimeoutNs(ctx.leaderHeartbeatTimeoutNs())
                .leaderHeartbeatIntervalNs(ctx.leaderHeartbeatIntervalNs())
                .electionTimeoutNs(ctx.electionTimeoutNs())
                .startupCanvassTimeoutNs(ctx.startupCanvassTimeoutNs())
                .sessionTimeoutNs(ctx.sessionTimeoutNs())
                .terminationTimeoutNs(ctx.terminationTimeoutNs())
                .idleStrategySupplier(BackoffIdleStrategy::new)
                .terminationHook(terminated::countDown)
                .errorHandler(ctx::onError));

            final ClusterEngine engine = ClusterEngine.of(ctx.aggregates(), ctx.idempotencyWindowCapacity(),
                ctx::onError);
            final File journalDir = new File(baseDir, "journal");
            final Supplier<Journal> journalFactory = () -> Journal.launch(new Journal.Context()
                .embeddedArchive(journalArchive)
                .journalDir(journalDir)
                .errorHandler(ctx::onError));
            service = new SkeinClusteredService(engine, journalFactory, ctx.snapshotEveryEntries(), ctx.probe());
            container = ClusteredServiceContainer.launch(new ClusteredServiceContainer.Context()
                .aeronDirectoryName(aeronDir)
                .clusterDir(clusterDir)
                .clusterId(0)
                .serviceId(0)
                .clusteredService(service)
                .archiveContext(localArchive(aeronDir))
                .idleStrategySupplier(BackoffIdleStrategy::new)
                .terminationHook(terminated::countDown)
                .errorHandler(ctx::onError));
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietCloseAll(container, consensusModule, archive);
            throw ex;
        }
        this.archive = archive;
        this.consensusModule = consensusModule;
        this.container = container;
    }

    /**
     * The embedded archive holds the lock on this member's archive directory for as long as the process lives (the
     * operating system releases it on SIGKILL too), so no other process runs this member: mark files the consensus
     * module and the service left are from a dead process. Aeron would refuse to start on them until they went stale
     * (ten seconds after a kill); remove them instead, so a killed member restarts at once.
     */
    private static void removeStaleMarkFiles(final File clusterDir)
    {
        for (final String name : new String[]{ ClusterMarkFile.FILENAME, ClusterMarkFile.markFilenameForService(0) })
        {
            final File markFile = new File(clusterDir, name);
            if (markFile.exists() && !markFile.delete())
            {
                throw new SkeinException(SkeinException.Code.STORAGE, "cannot remove the stale mark file " +
                    markFile);
            }
        }
    }

    private static AeronArchive.Context localArchive(final String aeronDir)
    {
        return new AeronArchive.Context()
            .aeronDirectoryName(aeronDir)
            .controlRequestChannel("aeron:ipc")
            .controlResponseChannel("aeron:ipc");
    }

    /**
     * Admin requests from clients: a snapshot may be asked for by any client the authenticator let in, besides the
     * requests cluster backup and standby need.
     */
    private static boolean isAuthorised(
        final int protocolId, final int actionId, final Object type, final byte[] encodedPrincipal)
    {
        return AdminRequestType.SNAPSHOT == type || AllowBackupAndStandbyAuthorisationService.INSTANCE.isAuthorised(
            protocolId, actionId, type, encodedPrincipal);
    }

    /**
     * Launch a member.
     *
     * @param ctx for the configuration; concluded here.
     * @return the running member.
     * @throws SkeinException if the configuration is wrong or a part fails to start.
     */
    public static SkeinClusterMember launch(final Context ctx)
    {
        return new SkeinClusterMember(ctx.conclude());
    }

    /**
     * This member's role in the cluster, from the consensus module.
     *
     * @return the role.
     */
    public Cluster.Role role()
    {
        return Cluster.Role.get(consensusModule.context().clusterNodeRoleCounter());
    }

    /**
     * The state of this member's election: {@code CLOSED} when none is under way.
     *
     * @return the election state.
     */
    public ElectionState electionState()
    {
        return ElectionState.get(consensusModule.context().electionStateCounter());
    }

    /**
     * Whether this member leads and its election is over.
     *
     * @return true if it is the leader.
     */
    public boolean isLeader()
    {
        return Cluster.Role.LEADER == role() &&
            ElectionState.CLOSED == ElectionState.get(consensusModule.context().electionStateCounter());
    }

    /**
     * The service, for its progress.
     *
     * @return the service.
     */
    public SkeinClusteredService service()
    {
        return service;
    }

    /**
     * The member's journal, once the service has started.
     *
     * @return the journal, or null before the service started.
     */
    public Journal journal()
    {
        return service.journal();
    }

    /**
     * Where this member's events can be read from and subscribed to: its own journal, which holds every entry the
     * cluster's log produced up to what this member has applied (the same on every member). Reads, subscriptions and
     * projections work on it as on a standalone node's.
     *
     * @return the event source.
     * @throws SkeinException NOT_CONNECTED before the service has started and opened the journal.
     */
    public EventSource eventSource()
    {
        final Journal journal = service.journal();
        if (null == journal)
        {
            throw new SkeinException(SkeinException.Code.NOT_CONNECTED, "cluster member " + ctx.memberId() +
                " has not opened its journal yet (its service is starting)");
        }
        return EventSource.of(journal, "cluster member " + ctx.memberId());
    }

    /**
     * The configuration.
     *
     * @return the context.
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * Whether the consensus module or the service terminated (the cluster was shut down, or this member failed).
     *
     * @return true once either has.
     */
    public boolean isTerminated()
    {
        return terminated.getCount() == 0;
    }

    /**
     * Wait until the consensus module or the service terminates.
     *
     * @throws InterruptedException if interrupted.
     */
    public void awaitTermination() throws InterruptedException
    {
        terminated.await();
    }

    /**
     * Errors the driver, archive, consensus module, service or engine reported (warnings not included).
     *
     * @return the errors so far.
     */
    public List<Throwable> errors()
    {
        return ctx.errors();
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(consensusModule, container, archive);
    }

    /**
     * Configuration of one member.
     */
    public static final class Context
    {
        /**
         * Default log term length: commands up to an eighth of it (2 MiB) fit in the log.
         */
        public static final int LOG_TERM_LENGTH_DEFAULT = 16 * 1024 * 1024;

        /**
         * Default ingress term length: commands up to an eighth of it (1 MiB).
         */
        public static final int INGRESS_TERM_LENGTH_DEFAULT = 8 * 1024 * 1024;

        /**
         * Default entries between snapshots the leader asks for.
         */
        public static final long SNAPSHOT_EVERY_ENTRIES_DEFAULT = 1_000_000;

        private boolean isConcluded;
        private int memberId = -1;
        private ClusterMembers members;
        private File baseDir;
        private List<? extends Supplier<? extends Aggregate<?>>> aggregates = List.of();
        private int idempotencyWindowCapacity = 64 * 1024;
        private long snapshotEveryEntries = SNAPSHOT_EVERY_ENTRIES_DEFAULT;
        private int termLength = EmbeddedArchive.Context.TERM_LENGTH_DEFAULT;
        private int segmentFileLength = EmbeddedArchive.Context.SEGMENT_FILE_LENGTH_DEFAULT;
        private int logTermLength = LOG_TERM_LENGTH_DEFAULT;
        private int ingressTermLength = INGRESS_TERM_LENGTH_DEFAULT;
        private long leaderHeartbeatTimeoutNs = TimeUnit.SECONDS.toNanos(2);
        private long leaderHeartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(200);
        private long electionTimeoutNs = TimeUnit.SECONDS.toNanos(1);
        private long startupCanvassTimeoutNs = TimeUnit.SECONDS.toNanos(10);
        private long sessionTimeoutNs = TimeUnit.SECONDS.toNanos(10);
        private long terminationTimeoutNs = TimeUnit.SECONDS.toNanos(5);
        private SkeinClusteredService.StateProbe probe;
        private final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        private final List<Throwable> warnings = Collections.synchronizedList(new ArrayList<>());

        /**
         * Validate and fill in defaults.
         *
         * @return this, concluded.
         * @throws SkeinException with code CONFIGURATION naming what is wrong.
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
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "members are required");
            }
            if (memberId < 0 || memberId >= members.size())
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "member id " + memberId +
                    " is not one of the " + members.size() + " members (0 to " + (members.size() - 1) + ")");
            }
            if (null == baseDir)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "baseDir is required: each member keeps its own directory");
            }
            if (aggregates.isEmpty())
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "no aggregate types given");
            }
            checkTerm("logTermLength", logTermLength);
            checkTerm("ingressTermLength", ingressTermLength);
            if (leaderHeartbeatTimeoutNs < 2 * leaderHeartbeatIntervalNs)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "leaderHeartbeatTimeoutNs must be at least twice leaderHeartbeatIntervalNs");
            }
            return this;
        }

        private static void checkTerm(final String name, final int length)
        {
            if (Integer.bitCount(length) != 1 || length < 64 * 1024 || length > 1024 * 1024 * 1024)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    name + " must be a power of two from 64 KiB to 1 GiB: " + length);
            }
        }

        /**
         * Use settings for tests: small terms and segments, and short timeouts, so elections take about a second.
         *
         * @return this for a fluent API.
         */
        public Context forTests()
        {
            termLength = 1024 * 1024;
            segmentFileLength = 1024 * 1024;
            logTermLength = 1024 * 1024;
            ingressTermLength = 256 * 1024;
            leaderHeartbeatTimeoutNs = TimeUnit.SECONDS.toNanos(1);
            leaderHeartbeatIntervalNs = TimeUnit.MILLISECONDS.toNanos(100);
            electionTimeoutNs = TimeUnit.MILLISECONDS.toNanos(500);
            startupCanvassTimeoutNs = TimeUnit.SECONDS.toNanos(5);
            terminationTimeoutNs = TimeUnit.SECONDS.toNanos(1);
            return this;
        }

        void onError(final Throwable error)
        {
            final boolean aeronWarning = error instanceof AeronException &&
                ((AeronException)error).category() != AeronException.Category.ERROR;
            final boolean skeinWarning = error instanceof SkeinException &&
                ((SkeinException)error).category() == SkeinException.Category.WARNING;
            if (aeronWarning || skeinWarning || isRefusedClientRequest(error))
            {
                warnings.add(error);
                System.err.println("skein cluster member " + memberId + " warning: " + error);
                return;
            }
            errors.add(error);
            System.err.println("skein cluster member " + memberId + " error: " + error);
        }

        /**
         * A subscriber's request that the member's archive refused (a replay from a position that is no frame, of a
         * replay already gone, to a channel no one listens on): the subscriber is told, the member is fine.
         */
        private static boolean isRefusedClientRequest(final Throwable error)
        {
            if (!(error instanceof ArchiveException))
            {
                return false;
            }
            final int code = ((ArchiveException)error).errorCode();
            final String message = String.valueOf(error.getMessage());
            return code == ArchiveException.INVALID_POSITION || code == ArchiveException.UNKNOWN_REPLAY ||
                message.contains("no connection established for replayChannel");
        }

        List<Throwable> errors()
        {
            return errors;
        }

        /**
         * Warnings reported (elections, lost leaders and the like, which a failover is expected to cause).
         *
         * @return the warnings so far.
         */
        public List<Throwable> warnings()
        {
            return warnings;
        }

        /**
         * Set which member this is.
         *
         * @param memberId index in the member list.
         * @return this for a fluent API.
         */
        public Context memberId(final int memberId)
        {
            this.memberId = memberId;
            return this;
        }

        /**
         * Which member this is.
         *
         * @return the member id.
         */
        public int memberId()
        {
            return memberId;
        }

        /**
         * Set the cluster's members.
         *
         * @param members of the cluster, this one included.
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
         * Set the member's directory.
         *
         * @param baseDir under which everything the member keeps lives.
         * @return this for a fluent API.
         */
        public Context baseDir(final File baseDir)
        {
            this.baseDir = baseDir;
            return this;
        }

        /**
         * The member's directory.
         *
         * @return the directory.
         */
        public File baseDir()
        {
            return baseDir;
        }

        /**
         * Set the aggregate types; every member must have the same.
         *
         * @param aggregates factories of the aggregate types.
         * @return this for a fluent API.
         */
        public Context aggregates(final List<? extends Supplier<? extends Aggregate<?>>> aggregates)
        {
            this.aggregates = List.copyOf(aggregates);
            return this;
        }

        /**
         * The aggregate types.
         *
         * @return their factories.
         */
        public List<? extends Supplier<? extends Aggregate<?>>> aggregates()
        {
            return aggregates;
        }

        /**
         * Set how many idempotency keys are remembered; every member must have the same. It bounds how late a client
         * may resend after a failover and still be answered DUPLICATE.
         *
         * @param capacity keys.
         * @return this for a fluent API.
         */
        public Context idempotencyWindowCapacity(final int capacity)
        {
            this.idempotencyWindowCapacity = capacity;
            return this;
        }

        /**
         * How many idempotency keys are remembered.
         *
         * @return the capacity.
         */
        public int idempotencyWindowCapacity()
        {
            return idempotencyWindowCapacity;
        }

        /**
         * Set after how many entries since the last snapshot the leader asks the cluster for one.
         *
         * @param entries between snapshots; 0 never (ask with an admin request).
         * @return this for a fluent API.
         */
        public Context snapshotEveryEntries(final long entries)
        {
            this.snapshotEveryEntries = entries;
            return this;
        }

        /**
         * Entries between snapshots the leader asks for.
         *
         * @return the count, 0 for never.
         */
        public long snapshotEveryEntries()
        {
            return snapshotEveryEntries;
        }

        /**
         * Set the IPC term length: of the member journal (entries up to an eighth of it) and the snapshots (each
         * aggregate's state up to an eighth of it).
         *
         * @param termLength power of two.
         * @return this for a fluent API.
         */
        public Context termLength(final int termLength)
        {
            this.termLength = termLength;
            return this;
        }

        /**
         * The IPC term length.
         *
         * @return the length.
         */
        public int termLength()
        {
            return termLength;
        }

        /**
         * Set the archive's segment file length.
         *
         * @param length power of two, a multiple of the term lengths.
         * @return this for a fluent API.
         */
        public Context segmentFileLength(final int length)
        {
            this.segmentFileLength = length;
            return this;
        }

        /**
         * The archive's segment file length.
         *
         * @return the length.
         */
        public int segmentFileLength()
        {
            return segmentFileLength;
        }

        /**
         * Set the term length of the replicated log: commands up to an eighth of it.
         *
         * @param length power of two.
         * @return this for a fluent API.
         */
        public Context logTermLength(final int length)
        {
            this.logTermLength = length;
            return this;
        }

        /**
         * The log's term length.
         *
         * @return the length.
         */
        public int logTermLength()
        {
            return logTermLength;
        }

        /**
         * Set the ingress term length: commands up to an eighth of it.
         *
         * @param length power of two.
         * @return this for a fluent API.
         */
        public Context ingressTermLength(final int length)
        {
            this.ingressTermLength = length;
            return this;
        }

        /**
         * The ingress term length.
         *
         * @return the length.
         */
        public int ingressTermLength()
        {
            return ingressTermLength;
        }

        /**
         * Set how long followers wait without the leader's heartbeat before they elect a new one.
         *
         * @param timeoutNs the timeout.
         * @return this for a fluent API.
         */
        public Context leaderHeartbeatTimeoutNs(final long timeoutNs)
        {
            this.leaderHeartbeatTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * The leader heartbeat timeout.
         *
         * @return nanoseconds.
         */
        public long leaderHeartbeatTimeoutNs()
        {
            return leaderHeartbeatTimeoutNs;
        }

        /**
         * Set how often the leader sends heartbeats.
         *
         * @param intervalNs the interval.
         * @return this for a fluent API.
         */
        public Context leaderHeartbeatIntervalNs(final long intervalNs)
        {
            this.leaderHeartbeatIntervalNs = intervalNs;
            return this;
        }

        /**
         * The leader heartbeat interval.
         *
         * @return nanoseconds.
         */
        public long leaderHeartbeatIntervalNs()
        {
            return leaderHeartbeatIntervalNs;
        }

        /**
         * Set the election timeout.
         *
         * @param timeoutNs the timeout.
         * @return this for a fluent API.
         */
        public Context electionTimeoutNs(final long timeoutNs)
        {
            this.electionTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * The election timeout.
         *
         * @return nanoseconds.
         */
        public long electionTimeoutNs()
        {
            return electionTimeoutNs;
        }

        /**
         * Set how long a starting member waits for the others before it elects with a quorum.
         *
         * @param timeoutNs the timeout.
         * @return this for a fluent API.
         */
        public Context startupCanvassTimeoutNs(final long timeoutNs)
        {
            this.startupCanvassTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * The startup canvass timeout.
         *
         * @return nanoseconds.
         */
        public long startupCanvassTimeoutNs()
        {
            return startupCanvassTimeoutNs;
        }

        /**
         * Set how long a silent client session lives.
         *
         * @param timeoutNs the timeout.
         * @return this for a fluent API.
         */
        public Context sessionTimeoutNs(final long timeoutNs)
        {
            this.sessionTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * The session timeout.
         *
         * @return nanoseconds.
         */
        public long sessionTimeoutNs()
        {
            return sessionTimeoutNs;
        }

        /**
         * Set how long the leader waits for followers to acknowledge a shutdown.
         *
         * @param timeoutNs the timeout.
         * @return this for a fluent API.
         */
        public Context terminationTimeoutNs(final long timeoutNs)
        {
            this.terminationTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * The termination timeout.
         *
         * @return nanoseconds.
         */
        public long terminationTimeoutNs()
        {
            return terminationTimeoutNs;
        }

        /**
         * Set who is told of state probes this member answers.
         *
         * @param probe the listener, or null.
         * @return this for a fluent API.
         */
        public Context probe(final SkeinClusteredService.StateProbe probe)
        {
            this.probe = probe;
            return this;
        }

        /**
         * Who is told of state probes.
         *
         * @return the listener, or null.
         */
        public SkeinClusteredService.StateProbe probe()
        {
            return probe;
        }
    }
}
