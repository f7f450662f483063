package io.skein.node;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.exceptions.RegistrationException;
import io.aeron.CommonContext;
import io.aeron.Subscription;
import io.skein.aggregate.Aggregate;
import io.skein.engine.Durability;
import io.skein.engine.SkeinEngine;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.projection.EventSource;
import io.skein.protocol.SkeinException;
import io.skein.replication.JournalReplicator;
import io.skein.replication.ReplicationTracker;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.DynamicCompositeAgent;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.SystemNanoClock;

/**
 * A Skein node: an engine with the aggregate types found on the classpath, its embedded archiving media driver and
 * journal, and an ingress on an Aeron channel through which clients open sessions and send commands. Replies are
 * released once their events are recorded, on each session's own publication.
 * <pre>{@code
 * try (SkeinNode node = SkeinNode.launch(new SkeinNode.Context().dir(new File("node"))))
 * {
 *     // serve until the service stops; SkeinNodeMain waits for the process's shutdown
 * }
 * }</pre>
 * The facade only builds and starts the parts, in dependency order (archive, the replication role's copy of the
 * leader's journal, journal, engine, ingress and the role's agent) and closes them in reverse; the role's logic is
 * in {@link NodeRole}, the ingress in {@link IngressAgent}, admin in {@link AdminHandler}. This file is long because
 * of the nested {@link Context}, every setting of a node with its validation, kept nested as Aeron keeps its
 * contexts.
 */
public final class SkeinNode implements AutoCloseable
{
    private final Context ctx;
    private final EmbeddedArchive archive;
    private final Journal journal;
    private final SkeinEngine engine;
    private final Aeron aeron;
    private final NodeCounters counters;
    private final NodeRole role;
    private final IngressAgent ingressAgent;
    private final EventServer events;
    private final AgentRunner ingressRunner;
    private final ExecutorService adminExecutor;
    private volatile boolean closed;

    private SkeinNode(final Context ctx)
    {
        this.ctx = ctx;
        EmbeddedArchive archive = null;
        Journal journal = null;
        SkeinEngine engine = null;
        Aeron aeron = null;
        NodeCounters counters = null;
        NodeRole role = null;
        ExecutorService adminExecutor = null;
        EventServer events = null;
        try
        {
            archive = EmbeddedArchive.launch(ctx.archiveContext());
            aeron = Aeron.connect(new Aeron.Context()
                .aeronDirectoryName(archive.aeronDirectoryName())
                .errorHandler(ctx.errorHandler())
                .clientName("skein-node-" + ctx.name()));
            role = new NodeRole(ctx, aeron);
            role.beforeJournal();
            journal = Journal.launch(ctx.journalContext().embeddedArchive(archive));
            role.afterJournal(journal);
            final Aeron counterClient = aeron;
            engine = SkeinEngine.launch(ctx.engineContext().journal(journal)
                .counterFactory((typeId, label) -> counterClient.addCounter(typeId, label)));
            adminExecutor = Executors.newSingleThreadExecutor((runnable) ->
            {
                final Thread thread = new Thread(runnable, "skein-admin");
                thread.setDaemon(true);
                return thread;
            });
            counters = new NodeCounters(aeron, ctx.name());
            role.afterEngine(engine, adminExecutor, counters.agentErrors());
            final Subscription subscription;
            try
            {
                subscription = aeron.addSubscription(ctx.ingressChannel(), ctx.ingressStreamId());
            }
            catch (final RegistrationException ex)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, SkeinException.Category.ERROR,
                    "cannot open the ingress channel " + ctx.ingressChannel() + ": " + ex.getMessage(), ex);
            }
            events = new EventServer(ctx, engine, aeron, adminExecutor, counters);
            ingressAgent = new IngressAgent(ctx, engine, aeron, subscription, counters, adminExecutor,
                role::promote, role::follow, role::isLeader, events);
            final List<Agent> agentList = new ArrayList<>();
            agentList.add(ingressAgent);
            final Agent roleAgent = role.agent();
            if (null != roleAgent)
            {
                agentList.add(roleAgent);
            }
            final DynamicCompositeAgent agents = new DynamicCompositeAgent("skein-node-" + ctx.name(), agentList);
            role.agents(agents);
            ingressRunner = new AgentRunner(ctx.idleStrategy(), ctx.errorHandler(), counters.agentErrors(), agents);
        }
        catch (final RuntimeException ex)
        {
            if (null != adminExecutor)
            {
                adminExecutor.shutdownNow();
            }
            CloseHelper.closeAll(ctx.errorHandler(), events, counters, engine, journal, role, aeron, archive);
            throw ex;
        }
        this.events = events;
        this.role = role;
        this.archive = archive;
        this.journal = journal;
        this.engine = engine;
        this.aeron = aeron;
        this.counters = counters;
        this.adminExecutor = adminExecutor;
        AgentRunner.startOnThread(ingressRunner);
    }

    /**
     * Start a node: launch the archive, recover the engine from its journal and snapshots, open the ingress.
     *
     * @param ctx for the configuration; concluded here if it was not already.
     * @return the running node.
     */
    public static SkeinNode launch(final Context ctx)
    {
        if (!ctx.isConcluded)
        {
            ctx.conclude();
        }
        return new SkeinNode(ctx);
    }

    /**
     * The node's engine, for embedding code that also submits commands directly.
     *
     * @return the engine.
     */
    public SkeinEngine engine()
    {
        return engine;
    }

    /**
     * The node's journal.
     *
     * @return the journal.
     */
    public Journal journal()
    {
        return journal;
    }

    /**
     * The node's embedded archive.
     *
     * @return the archive.
     */
    public EmbeddedArchive archive()
    {
        return archive;
    }

    /**
     * The node's counters.
     *
     * @return the counters.
     */
    public NodeCounters counters()
    {
        return counters;
    }

    /**
     * The node's configuration.
     *
     * @return the concluded context.
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * Promote this follower to leader: stop replicating, apply every whole entry of the local copy, cut the copy back
     * to the last whole entry and extend it as this node's journal, record a new epoch (in the recording log and the
     * archive's catalog, where other nodes find it), and take commands. The old leader, if it still runs and hears
     * this node's reports, stops taking commands. Other followers of the old leader are re-pointed at this node
     * ({@link #follow(String, String)}) or restarted pointing at it.
     *
     * @return the new epoch.
     * @throws SkeinException if this node is not a follower.
     */
    public long promote()
    {
        return role.promote();
    }

    /**
     * Re-point this follower at another leader without a restart (after a promotion elsewhere): it stops copying
     * from the old leader, copies the new leader's journal from where its own copy ends and reports to the new
     * leader. The node's configuration still names the old leader: change it too, or the next restart follows the
     * old one.
     *
     * @param leaderArchiveControlChannel the new leader archive's UDP control channel.
     * @param leaderStatusChannel         the new leader's channel for follower reports, or null to keep reporting
     *                                    where this follower reports now.
     * @throws SkeinException if this node is not a follower, or a channel is not a UDP channel with an endpoint.
     */
    public void follow(final String leaderArchiveControlChannel, final String leaderStatusChannel)
    {
        role.follow(leaderArchiveControlChannel, leaderStatusChannel);
    }

    /**
     * The leadership epoch this node writes under (a follower: the epoch of what it has applied).
     *
     * @return the epoch.
     */
    public long epoch()
    {
        return role.epoch();
    }

    /**
     * Whether this node takes commands: not a follower (or promoted) and not deposed.
     *
     * @return true for the leader.
     */
    public boolean isLeader()
    {
        return role.isLeader();
    }

    /**
     * For a follower: whether its leader has been unreachable for longer than {@link Context#followerTimeoutNs()}
     * (failure detection; promotion stays an explicit step).
     *
     * @return true while the leader is unreachable.
     */
    public boolean isLeaderUnreachable()
    {
        return role.isLeaderUnreachable();
    }

    /**
     * Whether a newer epoch's leader has deposed this node: it then refuses commands.
     *
     * @return true once deposed.
     */
    public boolean isDeposed()
    {
        return role.isDeposed();
    }

    /**
     * For a leader with followers: how far each has recorded the journal.
     *
     * @return the tracker, or null if this node takes no follower reports.
     */
    ReplicationTracker replicationTracker()
    {
        return role.tracker();
    }

    /**
     * For a follower: the local copy of the leader's journal.
     *
     * @return the replicator, or null for a leader.
     */
    JournalReplicator replicator()
    {
        return role.replicator();
    }

    /**
     * The node's durable events for a reader or a projection in this process, bounded as remote subscriptions are
     * (by the replicated position when replies wait for followers).
     *
     * @return the source.
     */
    public EventSource eventSource()
    {
        return events.eventSource();
    }

    /**
     * Number of client sessions open now.
     *
     * @return the count.
     */
    public int openSessions()
    {
        return ingressAgent.openSessionCount();
    }

    /**
     * Stop taking commands, let the engine answer those already taken, tell open sessions the node is closing,
     * snapshot if configured, and stop the journal and archive.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        final ErrorHandler errorHandler = ctx.errorHandler();
        // Reverse dependency order: stop taking commands, drain the engine (its replies still reach the sessions and
        // the replication gate still moves, both on the node's agent thread), then stop that thread, tell the
        // sessions, and close the journal, archive and driver.
        ingressAgent.stopTakingCommands();
        CloseHelper.close(errorHandler, engine);
        CloseHelper.close(errorHandler, ingressRunner);
        ingressAgent.closeSessions();
        adminExecutor.shutdownNow();
        try
        {
            if (!adminExecutor.awaitTermination(ctx.engineContext().shutdownTimeoutNs(), TimeUnit.NANOSECONDS))
            {
                errorHandler.onError(new SkeinException(SkeinException.Code.TIMEOUT, SkeinException.Category.ERROR,
                    "an admin action did not stop within the shutdown timeout", null));
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        CloseHelper.closeAll(errorHandler, events, counters, role, journal, aeron, archive);
    }

    /**
     * Configuration of a node: its directory, ingress, security and session settings, and the contexts of the
     * archive, journal and engine it hosts. Settings can also come from properties ({@link #properties(Properties)}),
     * with these keys:
     * <table>
     *     <caption>Node properties</caption>
     *     <tr><th>key</th><th>meaning</th><th>default</th></tr>
     *     <tr><td>skein.dir</td><td>directory of the archive, journal and driver files</td><td>required</td></tr>
     *     <tr><td>skein.name</td><td>name in counters and thread names</td><td>node</td></tr>
     *     <tr><td>skein.ingress.channel</td><td>Aeron channel clients send to</td><td>{@value #INGRESS_CHANNEL_DEFAULT}
     *     </td></tr>
     *     <tr><td>skein.ingress.stream.id</td><td>stream id of the ingress</td><td>{@value #INGRESS_STREAM_ID_DEFAULT}
     *     </td></tr>
     *     <tr><td>skein.secret</td><td>shared secret clients must present</td><td>none; required beyond loopback
     *     </td></tr>
     *     <tr><td>skein.operator.secret</td><td>secret of operators, whose sessions may do admin actions</td>
     *     <td>none: admin refused to every session</td></tr>
     *     <tr><td>skein.session.timeout.ms</td><td>close a session heard nothing from for this long</td><td>10000
     *     </td></tr>
     *     <tr><td>skein.max.sessions</td><td>most sessions open at once</td><td>64</td></tr>
     *     <tr><td>skein.subscriptions.per.session</td><td>most event subscriptions one session may hold (each is
     *     an archive replay; the archive runs at most 20 at once)</td><td>4</td></tr>
     *     <tr><td>skein.ring.size</td><td>slots in the engine's input ring</td><td>4096</td></tr>
     *     <tr><td>skein.snapshot.every.entries</td><td>snapshot after this many journal entries, 0 off</td><td>0
     *     </td></tr>
     *     <tr><td>skein.snapshot.interval.ms</td><td>snapshot at this interval, 0 off</td><td>0</td></tr>
     *     <tr><td>skein.snapshot.retention</td><td>snapshots kept, 0 all</td><td>3</td></tr>
     *     <tr><td>skein.snapshot.on.close</td><td>snapshot at clean shutdown</td><td>true</td></tr>
     *     <tr><td>skein.journal.compact</td><td>delete journal segments below the oldest kept snapshot</td>
     *     <td>false</td></tr>
     *     <tr><td>skein.archive.term.length</td><td>journal term length (entries are at most 1/8 of it)</td>
     *     <td>16777216</td></tr>
     *     <tr><td>skein.archive.sync.level</td><td>0 survives a process crash, 1-2 also a machine crash</td>
     *     <td>0</td></tr>
     *     <tr><td>skein.archive.control.channel</td><td>UDP control channel of the archive, for followers</td>
     *     <td>none (IPC only)</td></tr>
     *     <tr><td>skein.archive.replication.channel</td><td>where this archive receives a replicated journal</td>
     *     <td>aeron:udp?endpoint=localhost:0</td></tr>
     *     <tr><td>skein.replication.status.channel</td><td>the leader's channel for follower reports</td>
     *     <td>none</td></tr>
     *     <tr><td>skein.replication.followers</td><td>followers that must hold an entry before its reply</td>
     *     <td>0</td></tr>
     *     <tr><td>skein.replication.own.status.channel</td><td>a follower's own report channel once promoted</td>
     *     <td>none</td></tr>
     *     <tr><td>skein.leader.archive.control.channel</td><td>makes this node a follower of that archive</td>
     *     <td>none (a leader)</td></tr>
     *     <tr><td>skein.follower.id</td><td>this follower's id among its leader's followers</td><td>random on first
     *     start, then kept in the node directory's {@value #FOLLOWER_ID_FILE}</td></tr>
     *     <tr><td>skein.storage.min.free.mb</td><td>below this much free space for the archive, Aeron or journal
     *     directory, commands are refused until space is freed; 0 off</td><td>64, or six terms if more</td></tr>
     *     <tr><td>skein.idempotency.window</td><td>idempotency keys remembered (retries within it are safe)</td>
     *     <td>65536</td></tr>
     *     <tr><td>skein.egress.queue.kb</td><td>replies that may wait for a back-pressured client before more are
     *     dropped</td><td>1024</td></tr>
     *     <tr><td>skein.connect.timeout.ms</td><td>how long a client's session may take to connect, and one attempt
     *     of a follower to reach its leader</td><td>5000</td></tr>
     *     <tr><td>skein.follower.timeout.ms</td><td>a follower (or leader) not heard from for this long is not live
     *     </td><td>5000</td></tr>
     *     <tr><td>skein.follower.retention.ms</td><td>a leader forgets a follower gone this long: it stops holding the
     *     compaction floor</td><td>3600000</td></tr>
     *     <tr><td>skein.follower.response.channel</td><td>where the leader's archive answers this follower</td>
     *     <td>aeron:udp?endpoint=localhost:0</td></tr>
     * </table>
     */
    public static final class Context
    {
        /**
         * Default ingress channel: UDP on loopback, reachable from other processes on this host.
         */
        public static final String INGRESS_CHANNEL_DEFAULT = "aeron:udp?endpoint=localhost:20121";

        /**
         * Default stream id of the ingress.
         */
        public static final int INGRESS_STREAM_ID_DEFAULT = 101;

        /**
         * File in the node's directory holding a follower's id, written on its first start.
         */
        public static final String FOLLOWER_ID_FILE = "follower.id";

        private static final long NO_FOLLOWER_ID = 0;

        private boolean isConcluded;
        private File dir;
        private String name = "node";
        private String ingressChannel = INGRESS_CHANNEL_DEFAULT;
        private int ingressStreamId = INGRESS_STREAM_ID_DEFAULT;
        private String sharedSecret;
        private Authenticator authenticator;
        private String operatorSecret;
        private Authoriser authoriser;
        private long sessionTimeoutNs = TimeUnit.SECONDS.toNanos(10);
        private long connectTimeoutNs = TimeUnit.SECONDS.toNanos(5);
        private long adminTimeoutNs = TimeUnit.SECONDS.toNanos(60);
        private int maxSessions = 64;
        private int maxSubscriptionsPerSession = 4;
        private int egressQueueLength = 1024 * 1024;
        private int egressTermLength = 1024 * 1024;
        private NanoClock nanoClock;
        private ErrorHandler errorHandler;
        private IdleStrategy idleStrategy;
        private String leaderArchiveControlChannel;
        private int leaderArchiveControlStreamId = 10;
        private String followerResponseChannel = "aeron:udp?endpoint=localhost:0";
        private String replicationStatusChannel;
        private String ownReplicationStatusChannel;
        private int replicationStatusStreamId = 105;
        private int replicatedFollowers;
        private long followerTimeoutNs = TimeUnit.SECONDS.toNanos(5);
        private long followerRetentionNs = TimeUnit.HOURS.toNanos(1);
        private long followerId = NO_FOLLOWER_ID;
        private boolean persistFollowerId;
        private final SkeinEngine.Context engineContext =
            new SkeinEngine.Context().ringSize(4096).snapshotOnClose(true);
        private final EmbeddedArchive.Context archiveContext = new EmbeddedArchive.Context();
        private final Journal.Context journalContext = new Journal.Context();

        /**
         * Validate and fill in defaults: the archive lives in the node's directory, aggregate types come from the
         * classpath ({@code META-INF/services/io.skein.aggregate.Aggregate}) unless given, and a node whose ingress
         * is reachable beyond loopback refuses to start without a shared secret or an authenticator.
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
            if (null == dir)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "set the node's directory (skein.dir)");
            }
            if (null == errorHandler)
            {
                errorHandler = (ex) -> System.err.println("skein node " + name + ": " + ex);
            }
            if (null == nanoClock)
            {
                nanoClock = SystemNanoClock.INSTANCE;
            }
            if (null == idleStrategy)
            {
                idleStrategy = new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
            }
            requireChannel("skein.ingress.channel", ingressChannel);
            requireChannel("skein.leader.archive.control.channel", leaderArchiveControlChannel);
            requireChannel("skein.follower.response.channel", followerResponseChannel);
            requireChannel("skein.replication.status.channel", replicationStatusChannel);
            requireChannel("skein.replication.own.status.channel", ownReplicationStatusChannel);
            if (null == authenticator)
            {
                final String clientSecret = null == sharedSecret || sharedSecret.isEmpty() ? null : sharedSecret;
                final String operator = null == operatorSecret || operatorSecret.isEmpty() ? null : operatorSecret;
                if (null == clientSecret && !isLoopback(ingressChannel))
                {
                    throw new SkeinException(SkeinException.Code.CONFIGURATION, "the ingress " + ingressChannel +
                        " is reachable beyond this host: set a shared secret (skein.secret) or an authenticator");
                }
                if (null != clientSecret && clientSecret.equals(operator))
                {
                    throw new SkeinException(SkeinException.Code.CONFIGURATION, "the operator secret " +
                        "(skein.operator.secret) must differ from the clients' secret (skein.secret)");
                }
                authenticator = Authenticators.secrets(clientSecret, operator);
            }
            else if (null != operatorSecret)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "an operator secret " +
                    "(skein.operator.secret) applies only to the built-in authenticator: with your own " +
                    "authenticator, name operators through Authenticator.principal");
            }
            if (null == authoriser)
            {
                authoriser = Authorisers.operatorsOnly();
            }
            if (maxSubscriptionsPerSession < 0)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "skein.subscriptions.per.session must not be negative: " + maxSubscriptionsPerSession);
            }
            if (maxSessions < 1 || egressQueueLength < 0 || sessionTimeoutNs <= 0 || connectTimeoutNs <= 0)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "maxSessions and the timeouts must be positive");
            }
            if (Integer.bitCount(egressTermLength) != 1 || egressTermLength < 64 * 1024)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "egressTermLength must be a power of two of at least 64 KiB: " + egressTermLength);
            }
            if (replicatedFollowers < 0 || replicatedFollowers > ReplicationTracker.MAX_FOLLOWERS)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "skein.replication.followers must be " +
                    "between 0 and " + ReplicationTracker.MAX_FOLLOWERS + ", not " + replicatedFollowers);
            }
            if (replicatedFollowers > 0 && null == leaderArchiveControlChannel && null == replicationStatusChannel)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "skein.replication.followers=" +
                    replicatedFollowers + " needs skein.replication.status.channel, where followers report what " +
                    "they hold; without it no reply could ever be released (or would silently be only RECORDED)");
            }
            if (replicatedFollowers > 0 && null != leaderArchiveControlChannel && null == ownReplicationStatusChannel)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "a follower with " +
                    "skein.replication.followers=" + replicatedFollowers + " needs " +
                    "skein.replication.own.status.channel for the followers it will have once promoted");
            }
            if (followerTimeoutNs <= 0 || followerRetentionNs < followerTimeoutNs)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "skein.follower.timeout.ms must be " +
                    "positive and skein.follower.retention.ms at least as long");
            }
            if (NO_FOLLOWER_ID == followerId)
            {
                followerId = storedFollowerId(new File(dir, FOLLOWER_ID_FILE));
                persistFollowerId = NO_FOLLOWER_ID == followerId;
                if (persistFollowerId)
                {
                    followerId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
                }
            }
            if (null == archiveContext.baseDir() && null == archiveContext.archiveDir())
            {
                archiveContext.baseDir(dir);
            }
            if (null == journalContext.journalDir())
            {
                journalContext.journalDir(new File(dir, "journal"));
            }
            journalContext.errorHandler(errorHandler);
            archiveContext.errorHandler(errorHandler);
            if (engineContext.aggregates().isEmpty())
            {
                for (final ServiceLoader.Provider<Aggregate> provider : ServiceLoader.load(Aggregate.class).stream()
                    .toArray(ServiceLoader.Provider[]::new))
                {
                    engineContext.aggregate(provider::get);
                }
                if (engineContext.aggregates().isEmpty())
                {
                    throw new SkeinException(SkeinException.Code.CONFIGURATION, "no aggregate types found: put a " +
                        "jar registering io.skein.aggregate.Aggregate implementations (META-INF/services) on the " +
                        "classpath, or add them to the engine context");
                }
            }
            // The node's role decides how its journal and engine run: settled here, not in the node's constructor.
            if (isFollower())
            {
                journalContext.readOnly(true);
                engineContext.follower(true).snapshotOnClose(false);
            }
            final boolean replicated = replicatedFollowers > 0 &&
                (isFollower() ? null != ownReplicationStatusChannel : null != replicationStatusChannel);
            if (replicated)
            {
                if (null != engineContext.durability() && engineContext.durability() != Durability.REPLICATED)
                {
                    throw new SkeinException(SkeinException.Code.CONFIGURATION, "skein.replication.followers=" +
                        replicatedFollowers + " means REPLICATED acknowledgements, but the engine's durability is " +
                        "set to " + engineContext.durability());
                }
                engineContext.durability(Durability.REPLICATED);
            }
            else if (engineContext.durability() == Durability.REPLICATED)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "REPLICATED durability needs " +
                    "skein.replication.followers above 0 and a status channel for their reports");
            }
            engineContext.name(name).errorHandler(errorHandler);
            engineContext.validate();
            return this;
        }

        /**
         * Write a follower's id into its directory, once it has started there, so a restart keeps it (the leader
         * knows a follower by its id: a new id on every start would take a new slot each time).
         */
        void persistFollowerId()
        {
            if (persistFollowerId && isFollower())
            {
                final File file = new File(dir, FOLLOWER_ID_FILE);
                try
                {
                    Files.writeString(file.toPath(), Long.toString(followerId) + System.lineSeparator());
                    persistFollowerId = false;
                }
                catch (final IOException ex)
                {
                    throw new SkeinException(SkeinException.Code.STORAGE, "cannot write " + file + ": " + ex);
                }
            }
        }

        private static long storedFollowerId(final File file)
        {
            if (!file.isFile())
            {
                return NO_FOLLOWER_ID;
            }
            try
            {
                final long id = Long.parseLong(Files.readString(file.toPath()).trim());
                if (id <= 0)
                {
                    throw new NumberFormatException("not positive");
                }
                return id;
            }
            catch (final IOException | NumberFormatException ex)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, file + " does not hold a follower id " +
                    "(a positive number): " + ex.getMessage() + "; fix or delete it, or set skein.follower.id");
            }
        }

        private static void requireChannel(final String key, final String channel)
        {
            if (null == channel)
            {
                return;
            }
            try
            {
                ChannelUri.parse(channel);
            }
            catch (final RuntimeException ex)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    key + " is not a valid Aeron channel (" + channel + "): " + ex.getMessage());
            }
        }

        /**
         * Check that a channel is UDP with an endpoint, as a channel to another host's node must be.
         *
         * @param what    the channel's role, for the message.
         * @param channel to check.
         * @throws SkeinException if it is not.
         */
        static void requireUdpEndpoint(final String what, final String channel)
        {
            final ChannelUri uri;
            try
            {
                uri = ChannelUri.parse(channel);
            }
            catch (final RuntimeException ex)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    what + " is not a valid Aeron channel (" + channel + "): " + ex.getMessage());
            }
            if (!"udp".equals(uri.media()) || null == uri.get("endpoint"))
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    what + " must be a UDP channel with an endpoint (aeron:udp?endpoint=host:port), not " + channel);
            }
        }

        /**
         * Whether a channel can only be reached from this host: IPC, or UDP to a loopback address.
         *
         * @param channel an Aeron channel URI.
         * @return true if only local processes can send to it.
         */
        public static boolean isLoopback(final String channel)
        {
            final ChannelUri uri = ChannelUri.parse(channel);
            if (CommonContext.IPC_MEDIA.equals(uri.media()))
            {
                return true;
            }
            final String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
            if (null == endpoint)
            {
                return false;
            }
            final int colon = endpoint.lastIndexOf(':');
            String host = colon > 0 ? endpoint.substring(0, colon) : endpoint;
            if (host.startsWith("[") && host.endsWith("]"))
            {
                host = host.substring(1, host.length() - 1);
            }
            try
            {
                return "localhost".equalsIgnoreCase(host) || InetAddress.getByName(host).isLoopbackAddress();
            }
            catch (final UnknownHostException ex)
            {
                return false;
            }
        }

        /**
         * Apply settings from properties with the keys listed on {@link Context}. Unknown {@code skein.*} keys are
         * refused, so a misspelt setting is not silently ignored.
         *
         * @param properties to read.
         * @return this for a fluent API.
         * @throws SkeinException with code CONFIGURATION for an unknown key or a bad value.
         */
        public Context properties(final Properties properties)
        {
            for (final Map.Entry<Object, Object> entry : properties.entrySet())
            {
                final String key = String.valueOf(entry.getKey());
                if (key.startsWith("skein."))
                {
                    apply(key, String.valueOf(entry.getValue()).trim());
                }
            }
            return this;
        }

        /**
         * Apply settings from a properties file with the keys listed on {@link Context}.
         *
         * @param file to read.
         * @return this for a fluent API.
         */
        public Context propertiesFile(final File file)
        {
            final Properties properties = new Properties();
            try (InputStream in = Files.newInputStream(file.toPath()))
            {
                properties.load(in);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot read " + file + ": " + ex.getMessage(), ex);
            }
            return properties(properties);
        }

        private void apply(final String key, final String value)
        {
            try
            {
                switch (key)
                {
                    case "skein.dir" -> dir(new File(value));
                    case "skein.name" -> name(value);
                    case "skein.ingress.channel" -> ingressChannel(value);
                    case "skein.ingress.stream.id" -> ingressStreamId(Integer.parseInt(value));
                    case "skein.secret" -> sharedSecret(value);
                    case "skein.operator.secret" -> operatorSecret(value);
                    case "skein.session.timeout.ms" -> sessionTimeoutNs(
                        TimeUnit.MILLISECONDS.toNanos(Long.parseLong(value)));
                    case "skein.max.sessions" -> maxSessions(Integer.parseInt(value));
                    case "skein.subscriptions.per.session" -> maxSubscriptionsPerSession(Integer.parseInt(value));
                    case "skein.ring.size" -> engineContext.ringSize(Integer.parseInt(value));
                    case "skein.snapshot.every.entries" -> engineContext.snapshotEveryEntries(Long.parseLong(value));
                    case "skein.snapshot.interval.ms" -> engineContext.snapshotIntervalNs(
                        TimeUnit.MILLISECONDS.toNanos(Long.parseLong(value)));
                    case "skein.snapshot.retention" -> engineContext.snapshotRetention(Integer.parseInt(value));
                    case "skein.snapshot.on.close" -> engineContext.snapshotOnClose(parseBoolean(value));
                    case "skein.journal.compact" -> engineContext.compactJournal(parseBoolean(value));
                    case "skein.archive.term.length" -> archiveContext.termLength(Integer.parseInt(value));
                    case "skein.archive.sync.level" -> archiveContext.fileSyncLevel(Integer.parseInt(value));
                    case "skein.archive.control.channel" -> archiveContext.controlChannel(value);
                    case "skein.replication.status.channel" -> replicationStatusChannel(value);
                    case "skein.replication.followers" -> replicatedFollowers(Integer.parseInt(value));
                    case "skein.replication.own.status.channel" -> ownReplicationStatusChannel(value);
                    case "skein.leader.archive.control.channel" -> leaderArchiveControlChannel(value);
                    case "skein.follower.id" -> followerId(Long.parseLong(value));
                    case "skein.storage.min.free.mb" -> journalContext.minFreeStorageLength(
                        Long.parseLong(value) * 1024 * 1024);
                    case "skein.idempotency.window" -> engineContext.idempotencyWindowCapacity(
                        Integer.parseInt(value));
                    case "skein.egress.queue.kb" -> egressQueueLength(Math.toIntExact(Long.parseLong(value) * 1024));
                    case "skein.connect.timeout.ms" -> connectTimeoutNs(
                        TimeUnit.MILLISECONDS.toNanos(Long.parseLong(value)));
                    case "skein.follower.timeout.ms" -> followerTimeoutNs(
                        TimeUnit.MILLISECONDS.toNanos(Long.parseLong(value)));
                    case "skein.follower.retention.ms" -> followerRetentionNs(
                        TimeUnit.MILLISECONDS.toNanos(Long.parseLong(value)));
                    case "skein.follower.response.channel" -> followerResponseChannel(value);
                    case "skein.archive.replication.channel" -> archiveContext.replicationChannel(value);
                    default -> throw new SkeinException(SkeinException.Code.CONFIGURATION,
                        "unknown setting " + key + " (see SkeinNode.Context for the keys)");
                }
            }
            catch (final NumberFormatException ex)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "setting " + key + " needs a number, not '" + value + "'");
            }
        }

        private static boolean parseBoolean(final String value)
        {
            if ("true".equalsIgnoreCase(value) || "false".equalsIgnoreCase(value))
            {
                return Boolean.parseBoolean(value);
            }
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "expected true or false, not '" + value + "'");
        }

        /**
         * Set the node's directory: the archive, journal and media driver files live under it.
         *
         * @param dir of the node.
         * @return this for a fluent API.
         */
        public Context dir(final File dir)
        {
            this.dir = dir;
            return this;
        }

        /**
         * The node's directory.
         *
         * @return the directory.
         */
        public File dir()
        {
            return dir;
        }

        /**
         * Set the node's name, used in counters and thread names.
         *
         * @param name of the node.
         * @return this for a fluent API.
         */
        public Context name(final String name)
        {
            this.name = name;
            return this;
        }

        /**
         * The node's name.
         *
         * @return the name.
         */
        public String name()
        {
            return name;
        }

        /**
         * Set the Aeron channel clients send commands to.
         *
         * @param channel an Aeron channel URI, e.g. {@code aeron:udp?endpoint=0.0.0.0:20121} or {@code aeron:ipc}.
         * @return this for a fluent API.
         */
        public Context ingressChannel(final String channel)
        {
            this.ingressChannel = channel;
            return this;
        }

        /**
         * The Aeron channel clients send commands to.
         *
         * @return the channel.
         */
        public String ingressChannel()
        {
            return ingressChannel;
        }

        /**
         * Set the stream id of the ingress.
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
         * The stream id of the ingress.
         *
         * @return the stream id.
         */
        public int ingressStreamId()
        {
            return ingressStreamId;
        }

        /**
         * Set the secret operators present to open a session that may do admin actions (promote, snapshot, state
         * hash, time travel) under the default authoriser. Without one, no session may do admin. Only for the
         * built-in authenticator, and it must differ from the clients' secret.
         *
         * @param secret the operators' secret.
         * @return this for a fluent API.
         */
        public Context operatorSecret(final String secret)
        {
            this.operatorSecret = secret;
            return this;
        }

        /**
         * The operators' secret.
         *
         * @return the secret, or null for none.
         */
        public String operatorSecret()
        {
            return operatorSecret;
        }

        /**
         * Set who may do which admin action; by default {@link Authorisers#operatorsOnly()}.
         *
         * @param authoriser deciding on admin requests.
         * @return this for a fluent API.
         */
        public Context authoriser(final Authoriser authoriser)
        {
            this.authoriser = authoriser;
            return this;
        }

        /**
         * Who may do which admin action.
         *
         * @return the authoriser.
         */
        public Authoriser authoriser()
        {
            return authoriser;
        }

        /**
         * Set the secret clients must present to open a session (ignored if an authenticator is set).
         *
         * @param secret shared with the clients.
         * @return this for a fluent API.
         */
        public Context sharedSecret(final String secret)
        {
            this.sharedSecret = secret;
            return this;
        }

        /**
         * Set how connecting clients are authenticated.
         *
         * @param authenticator deciding on credentials.
         * @return this for a fluent API.
         */
        public Context authenticator(final Authenticator authenticator)
        {
            this.authenticator = authenticator;
            return this;
        }

        /**
         * How connecting clients are authenticated.
         *
         * @return the authenticator.
         */
        public Authenticator authenticator()
        {
            return authenticator;
        }

        /**
         * Set how long a session may stay silent (no command or keep-alive) before the node closes it.
         *
         * @param timeoutNs the longest silence.
         * @return this for a fluent API.
         */
        public Context sessionTimeoutNs(final long timeoutNs)
        {
            this.sessionTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * How long a session may stay silent before the node closes it.
         *
         * @return the timeout in nanoseconds.
         */
        public long sessionTimeoutNs()
        {
            return sessionTimeoutNs;
        }

        /**
         * Set how long a connecting client's response channel may take to become reachable.
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
         * How long a connecting client's response channel may take to become reachable.
         *
         * @return the timeout in nanoseconds.
         */
        public long connectTimeoutNs()
        {
            return connectTimeoutNs;
        }

        /**
         * Set how long an admin request (snapshot, state hash) may take.
         *
         * @param timeoutNs the longest wait.
         * @return this for a fluent API.
         */
        public Context adminTimeoutNs(final long timeoutNs)
        {
            this.adminTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * How long an admin request may take.
         *
         * @return the timeout in nanoseconds.
         */
        public long adminTimeoutNs()
        {
            return adminTimeoutNs;
        }

        /**
         * Set the most event subscriptions one session may hold at once (0: none).
         *
         * @param count the limit.
         * @return this for a fluent API.
         */
        public Context maxSubscriptionsPerSession(final int count)
        {
            this.maxSubscriptionsPerSession = count;
            return this;
        }

        /**
         * The most event subscriptions one session may hold.
         *
         * @return the limit.
         */
        public int maxSubscriptionsPerSession()
        {
            return maxSubscriptionsPerSession;
        }

        /**
         * Set the most sessions open at once.
         *
         * @param maxSessions the limit.
         * @return this for a fluent API.
         */
        public Context maxSessions(final int maxSessions)
        {
            this.maxSessions = maxSessions;
            return this;
        }

        /**
         * The most sessions open at once.
         *
         * @return the limit.
         */
        public int maxSessions()
        {
            return maxSessions;
        }

        /**
         * Set how many bytes of messages may wait for a session whose client is back-pressured (not reading its
         * replies fast enough); beyond it further messages to that session are dropped and counted. The reply thread
         * never waits for a client: it offers once, and queues behind what already waits.
         *
         * @param length in bytes, 0 to drop at once.
         * @return this for a fluent API.
         */
        public Context egressQueueLength(final int length)
        {
            this.egressQueueLength = length;
            return this;
        }

        /**
         * How many bytes of messages may wait for a back-pressured client.
         *
         * @return the length in bytes.
         */
        public int egressQueueLength()
        {
            return egressQueueLength;
        }

        /**
         * Set the term length of each session's reply publication, unless the client's channel names one.
         *
         * @param termLength a power of two of at least 64 KiB.
         * @return this for a fluent API.
         */
        public Context egressTermLength(final int termLength)
        {
            this.egressTermLength = termLength;
            return this;
        }

        /**
         * The term length of each session's reply publication.
         *
         * @return the term length.
         */
        public int egressTermLength()
        {
            return egressTermLength;
        }

        /**
         * Set the clock for session timeouts.
         *
         * @param clock for timeouts.
         * @return this for a fluent API.
         */
        public Context nanoClock(final NanoClock clock)
        {
            this.nanoClock = clock;
            return this;
        }

        /**
         * The clock for session timeouts.
         *
         * @return the clock.
         */
        public NanoClock nanoClock()
        {
            return nanoClock;
        }

        /**
         * Set where errors go.
         *
         * @param errorHandler that never throws.
         * @return this for a fluent API.
         */
        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }

        /**
         * Where errors go.
         *
         * @return the error handler.
         */
        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        /**
         * Set the idle strategy of the ingress thread. The default backs off to naps of up to 1 ms, as Aeron's own
         * agents do: a node at rest wakes about a thousand times a second; under load it never naps that long.
         *
         * @param idleStrategy for the ingress.
         * @return this for a fluent API.
         */
        public Context idleStrategy(final IdleStrategy idleStrategy)
        {
            this.idleStrategy = idleStrategy;
            return this;
        }

        /**
         * The idle strategy of the ingress thread.
         *
         * @return the idle strategy.
         */
        public IdleStrategy idleStrategy()
        {
            return idleStrategy;
        }

        /**
         * Make this node a follower of the leader whose archive answers on this UDP control channel: its archive
         * replicates the leader's journal and its engine applies it (queries answered, commands refused).
         *
         * @param channel the leader archive's control channel, or null for a leader.
         * @return this for a fluent API.
         */
        public Context leaderArchiveControlChannel(final String channel)
        {
            this.leaderArchiveControlChannel = channel;
            return this;
        }

        /**
         * The leader archive's control channel, for a follower.
         *
         * @return the channel, or null for a leader.
         */
        public String leaderArchiveControlChannel()
        {
            return leaderArchiveControlChannel;
        }

        /**
         * The leader archive's control stream id.
         *
         * @return the stream id.
         */
        public int leaderArchiveControlStreamId()
        {
            return leaderArchiveControlStreamId;
        }

        /**
         * Whether this node follows a leader.
         *
         * @return true for a follower.
         */
        public boolean isFollower()
        {
            return null != leaderArchiveControlChannel;
        }

        /**
         * Set the UDP channel on this host the leader's archive answers a follower's requests on.
         *
         * @param channel reachable from the leader; port 0 lets the driver choose.
         * @return this for a fluent API.
         */
        public Context followerResponseChannel(final String channel)
        {
            this.followerResponseChannel = channel;
            return this;
        }

        /**
         * The UDP channel the leader's archive answers this follower on.
         *
         * @return the channel.
         */
        public String followerResponseChannel()
        {
            return followerResponseChannel;
        }

        /**
         * Set the channel followers report their positions on: the leader listens on it, followers send to it.
         *
         * @param channel a UDP endpoint on the leader, or null for no replication.
         * @return this for a fluent API.
         */
        public Context replicationStatusChannel(final String channel)
        {
            this.replicationStatusChannel = channel;
            return this;
        }

        /**
         * The channel followers report their positions on.
         *
         * @return the channel, or null.
         */
        public String replicationStatusChannel()
        {
            return replicationStatusChannel;
        }

        /**
         * For a follower that may be promoted: the channel it listens on for its own followers' reports once it leads
         * (its followers are then restarted pointing at it), so {@link Durability#REPLICATED} holds after a failover.
         *
         * @param channel a UDP endpoint on this node, or null.
         * @return this for a fluent API.
         */
        public Context ownReplicationStatusChannel(final String channel)
        {
            this.ownReplicationStatusChannel = channel;
            return this;
        }

        /**
         * The channel this node listens on for follower reports once promoted.
         *
         * @return the channel, or null.
         */
        public String ownReplicationStatusChannel()
        {
            return ownReplicationStatusChannel;
        }

        /**
         * The stream id of follower reports.
         *
         * @return the stream id.
         */
        public int replicationStatusStreamId()
        {
            return replicationStatusStreamId;
        }

        /**
         * Set how many followers must have recorded an entry before its reply is released
         * ({@link Durability#REPLICATED}); 0 releases on the local recording alone.
         *
         * @param followers required.
         * @return this for a fluent API.
         */
        public Context replicatedFollowers(final int followers)
        {
            this.replicatedFollowers = followers;
            return this;
        }

        /**
         * How many followers must hold an entry before its reply is released.
         *
         * @return the count.
         */
        public int replicatedFollowers()
        {
            return replicatedFollowers;
        }

        /**
         * Set how long a follower may go unheard before it stops counting towards replicated acknowledgements.
         *
         * @param timeoutNs the longest silence.
         * @return this for a fluent API.
         */
        public Context followerTimeoutNs(final long timeoutNs)
        {
            this.followerTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * How long a follower may go unheard.
         *
         * @return the timeout in nanoseconds.
         */
        public long followerTimeoutNs()
        {
            return followerTimeoutNs;
        }

        /**
         * How long a leader keeps the slot of a follower it no longer hears from: while kept, the follower holds the
         * journal's compaction floor so it can continue its copy; once freed it must bootstrap from a snapshot if
         * the journal was compacted past its position.
         *
         * @param retentionNs the retention, at least the follower timeout.
         * @return this.
         */
        public Context followerRetentionNs(final long retentionNs)
        {
            this.followerRetentionNs = retentionNs;
            return this;
        }

        /**
         * How long a leader keeps the slot of a follower it no longer hears from.
         *
         * @return the retention.
         */
        public long followerRetentionNs()
        {
            return followerRetentionNs;
        }

        /**
         * Set this follower's id, unique among its leader's followers.
         *
         * @param followerId the id.
         * @return this for a fluent API.
         */
        public Context followerId(final long followerId)
        {
            this.followerId = followerId;
            return this;
        }

        /**
         * This follower's id.
         *
         * @return the id.
         */
        public long followerId()
        {
            return followerId;
        }

        /**
         * The hosted engine's context, to set aggregate types, ring size, snapshot policy and so on.
         *
         * @return the engine context.
         */
        public SkeinEngine.Context engineContext()
        {
            return engineContext;
        }

        /**
         * The embedded archive's context, to set term length, segment length and sync level.
         *
         * @return the archive context.
         */
        public EmbeddedArchive.Context archiveContext()
        {
            return archiveContext;
        }

        /**
         * The journal's context.
         *
         * @return the journal context.
         */
        public Journal.Context journalContext()
        {
            return journalContext;
        }
    }
}
