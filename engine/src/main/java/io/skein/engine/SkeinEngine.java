package io.skein.engine;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import io.skein.aggregate.Aggregate;
import io.skein.journal.Journal;
import io.skein.journal.JournalWatch;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.SleepingMillisIdleStrategy;
import org.agrona.concurrent.SystemNanoClock;
import io.skein.journal.ReadProgress;
import io.skein.protocol.CommandResult;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import io.skein.protocol.Upcasters;
import org.agrona.BitUtil;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.concurrent.AtomicBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

/**
 * The single-writer aggregate engine. Commands are copied into a multi-producer Disruptor ring; one thread, the
 * single writer, decides each against its aggregate and applies the resulting events; a reply stage on a second
 * thread hands each reply to the listener given with the command.
 * <pre>{@code
 * try (SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context().aggregate(BankAccount::new)))
 * {
 *     engine.tryOffer(buffer, 0, length, reply -> System.out.println(reply));
 * }
 * }</pre>
 * The facade only wires and starts: recovery is {@link EngineRecovery}, the decision path {@link CommandExecutor}
 * over {@link EngineState}, snapshots and their retention {@link EngineSnapshots}, the follower role
 * {@link FollowerRole}. The file is long because it holds the {@link Context}, every setting of the engine.
 */
public final class SkeinEngine implements AutoCloseable
{
    private final Context ctx;
    private final EngineCounters counters;
    private final Disruptor<CommandSlot> disruptor;
    private final RingBuffer<CommandSlot> ringBuffer;
    private final CommandProcessor commandProcessor;
    private final AtomicInteger activeProducers = new AtomicInteger();
    private final int maxCommandLength;
    private final long recoveredEntries;
    private final CommandExecutor executor;
    private final JournalWatch journalWatch;
    private final ReplyProcessor replyProcessor;
    private final DurabilityGate durability;
    private final AgentRunner watchRunner;
    private final EngineSnapshots snapshots;
    private final FollowerRole followerRole;
    private final long snapshotPosition;
    private final Upcasters upcasters;
    private volatile boolean closed;

    private SkeinEngine(final Context ctx)
    {
        this.ctx = ctx;
        this.maxCommandLength = ctx.maxCommandLength();
        this.counters = null != ctx.counterFactory() ? new EngineCounters(ctx.counterFactory(), ctx.name()) :
            new EngineCounters(ctx.countersManager(), ctx.name());

        final Int2ObjectHashMap<AggregateRuntime<Object>> runtimes = EngineState.newRuntimes(ctx.aggregates());
        this.upcasters = EngineState.upcasters(runtimes);
        for (final AggregateRuntime<Object> runtime : runtimes.values())
        {
            if (ctx.compactJournal() && null == runtime.definition().stateCodec())
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "journal compaction needs every " +
                    "aggregate type to have a state codec, and " + runtime.definition().name() + " has none: its " +
                    "state is rebuilt from the journal, so the journal must be kept");
            }
        }

        final CommandExecutor executor = new CommandExecutor(
            new EngineState(runtimes, ctx.idempotencyWindowCapacity(), counters),
            ctx.epochNanoClock(),
            counters,
            ctx.errorHandler(),
            ctx.maxEntryLength(),
            ctx.maxReplyLength(),
            ctx.entryAppender());
        this.executor = executor;
        final SnapshotPolicy snapshotPolicy = new SnapshotPolicy(ctx.snapshotEveryEntries(),
            ctx.snapshotIntervalNs(), ctx.epochNanoClock());
        try
        {
            final EngineRecovery recovery = new EngineRecovery().recover(ctx, executor.applier());
            recoveredEntries = recovery.entries();
            snapshotPosition = recovery.snapshotPosition();
            // The snapshot policy counts from the last snapshot, across restarts: entries since the one it was
            // taken at, time since the time of its last entry (from engine start when there is none).
            snapshotPolicy.lastSnapshot(recovery.snapshotEntrySequence(),
                SkeinProtocol.NULL_POSITION == recovery.snapshotTimeNs() ?
                executor.clock().nanoTime() : recovery.snapshotTimeNs());
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(counters);
            throw ex;
        }
        snapshots = new EngineSnapshots(ctx, counters.agentErrors());
        commandProcessor = new CommandProcessor(executor, counters, snapshotPolicy, (ex) ->
        {
            try
            {
                snapshots.onPolicy(ex);
            }
            catch (final RuntimeException failure)
            {
                ctx.errorHandler().onError(failure);
            }
        }, ctx.waitStrategy() instanceof RestingWaitStrategy ? (RestingWaitStrategy)ctx.waitStrategy() : null,
            ctx.durability() == Durability.NONE, ctx.errorHandler(), ctx.ringSize());

        final int maxReplyLength = ctx.maxReplyLength();
        disruptor = new Disruptor<>(
            () -> new CommandSlot(maxCommandLength, maxReplyLength),
            ctx.ringSize(),
            ctx.threadFactory(),
            ProducerType.MULTI,
            ctx.waitStrategy());
        disruptor.setDefaultExceptionHandler(new WriterExceptionHandler(ctx.errorHandler()));
        executor.follower(ctx.follower());
        durability = durabilityGate(ctx);
        replyProcessor = new ReplyProcessor(counters, ctx.errorHandler(), durability,
            new BackoffIdleStrategy(10, 20, 1_000, 20_000));
        disruptor.handleEventsWith(commandProcessor).then(replyProcessor);
        if (null != ctx.journal() && !ctx.follower())
        {
            journalWatch = new JournalWatch(ctx.journal(), SystemNanoClock.INSTANCE, ctx.errorHandler(),
                counters.storageLow(), counters.archiveReconnects());
            executor.storageWatch(journalWatch);
        }
        else if (null != ctx.journal())
        {
            journalWatch = new JournalWatch(ctx.journal(), SystemNanoClock.INSTANCE, ctx.errorHandler(), null,
                counters.archiveReconnects());
        }
        else
        {
            journalWatch = null;
        }
        watchRunner = null == journalWatch ? null :
            new AgentRunner(new SleepingMillisIdleStrategy(50), ctx.errorHandler(), counters.agentErrors(),
                journalWatch);
        ringBuffer = disruptor.start();
        if (null != watchRunner)
        {
            AgentRunner.startOnThread(watchRunner, ctx.threadFactory());
        }
        followerRole = new FollowerRole(ctx, snapshotPolicy, snapshots, this::submitTask, counters.agentErrors());
    }

    private boolean submitTask(final EngineTask task)
    {
        while (!closed)
        {
            try
            {
                runOnWriter(task, TimeUnit.SECONDS.toNanos(1));
                return true;
            }
            catch (final SkeinException ex)
            {
                if (ex.code() == SkeinException.Code.CLOSED)
                {
                    return false;
                }
            }
        }
        return false;
    }

    /**
     * The journal position up to which entries are durable, the bound of every read and subscription: what the
     * archive has recorded, and with {@link Durability#REPLICATED} also what enough followers have recorded. On a
     * follower, what its own copy has recorded. Entries ending at or below it cannot be taken back by a crash.
     *
     * @return the position, or {@link DurabilityGate#FAILED} once the journal has failed.
     * @throws SkeinException if the engine has no journal.
     */
    public long durablePosition()
    {
        final Journal journal = ctx.journal();
        if (null == journal)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION,
                "this engine has no journal: there are no durable events to read");
        }
        if (null == durability || followerRole.isFollowing())
        {
            final long position = journal.durablePosition();
            return Journal.FAILED_POSITION == position ? DurabilityGate.FAILED : position;
        }
        final long position = durability.durablePosition();
        // Before any follower has reported, the replicated position is unknown (-1): nothing past the journal's start
        // is durable yet.
        return DurabilityGate.FAILED == position ? position : Math.max(journal.startPosition(), position);
    }

    /**
     * For a follower: the journal position up to which replicated entries have been applied to its state.
     *
     * @return the position, or {@link SkeinProtocol#NULL_POSITION} for an engine that is not a follower.
     */
    public long appliedPosition()
    {
        return followerRole.appliedPosition();
    }

    /**
     * For a follower whose replication has been stopped: wait until every whole entry of the local copy is applied,
     * then stop following. The first step of promotion.
     *
     * @param timeoutNs the longest to wait.
     * @return the journal position up to which state is applied: where the last whole entry ends.
     * @throws SkeinException if this is not a follower or it did not catch up in time.
     */
    public long stopFollowing(final long timeoutNs)
    {
        return followerRole.stopFollowing(timeoutNs);
    }

    /**
     * Take commands as the leader of a new epoch (after {@link #stopFollowing(long)} and the journal's promotion):
     * every entry written from now on carries the epoch.
     *
     * @param epoch     the new leadership epoch.
     * @param timeoutNs the longest to wait for the writer.
     */
    public void lead(final long epoch, final long timeoutNs)
    {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        runOnWriter((executor) ->
        {
            executor.state().epoch(epoch);
            executor.follower(false);
            done.complete(epoch);
        }, timeoutNs);
        await(done, timeoutNs);
    }

    /**
     * Stop taking commands because another node leads a newer epoch (fencing): queries are still answered.
     *
     * @param epoch     the newer epoch seen.
     * @param timeoutNs the longest to wait for the writer.
     */
    public void depose(final long epoch, final long timeoutNs)
    {
        final CompletableFuture<Long> done = new CompletableFuture<>();
        runOnWriter((executor) ->
        {
            executor.follower(true);
            done.complete(epoch);
        }, timeoutNs);
        await(done, timeoutNs);
        ctx.errorHandler().onError(new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.WARNING,
            "deposed: another node leads epoch " + epoch + "; commands are refused", null));
    }

    /**
     * The leadership epoch of the entries this engine writes (or, for a follower, has applied).
     *
     * @param timeoutNs the longest to wait for the writer.
     * @return the epoch.
     */
    public long epoch(final long timeoutNs)
    {
        final CompletableFuture<Long> result = new CompletableFuture<>();
        runOnWriter((executor) -> result.complete(executor.state().epoch()), timeoutNs);
        return await(result, timeoutNs);
    }

    /**
     * Whether this engine follows a leader: it answers queries, refuses commands, and applies replicated entries.
     *
     * @return true for a follower.
     */
    public boolean isFollower()
    {
        return followerRole.isFollowing();
    }

    private static DurabilityGate durabilityGate(final Context ctx)
    {
        if (ctx.durability() == Durability.NONE)
        {
            return null;
        }
        final Journal journal = ctx.journal();
        final DurabilityGate replicated = ctx.durability() == Durability.REPLICATED ? ctx.replicationGate() : null;
        return () ->
        {
            final long position = journal.durablePosition();
            if (Journal.FAILED_POSITION == position)
            {
                return DurabilityGate.FAILED;
            }
            if (null == replicated)
            {
                return position;
            }
            final long followers = replicated.durablePosition();
            return DurabilityGate.FAILED == followers ? DurabilityGate.FAILED : Math.min(position, followers);
        };
    }

    /**
     * Start an engine: recover its state from the journal, if it has one, then take commands.
     *
     * @param ctx for the configuration; concluded here if it was not already.
     * @return the running engine.
     */
    public static SkeinEngine launch(final Context ctx)
    {
        ctx.conclude();
        return new SkeinEngine(ctx);
    }

    /**
     * Offer a command without blocking.
     *
     * @param buffer   holding the command: envelope followed by the domain command.
     * @param offset   of the command.
     * @param length   of the command.
     * @param listener to receive exactly one reply if the command is offered.
     * @return {@link OfferResult#OFFERED}, or why not.
     */
    public OfferResult tryOffer(
        final DirectBuffer buffer, final int offset, final int length, final ReplyListener listener)
    {
        activeProducers.getAndIncrement();
        try
        {
            if (closed)
            {
                return OfferResult.CLOSED;
            }
            final long sequence;
            try
            {
                sequence = ringBuffer.tryNext();
            }
            catch (final InsufficientCapacityException ex)
            {
                return OfferResult.BACK_PRESSURED;
            }
            publish(sequence, buffer, offset, length, listener);
            return OfferResult.OFFERED;
        }
        finally
        {
            activeProducers.getAndDecrement();
        }
    }

    /**
     * Offer a command, waiting up to a timeout for room in the ring.
     *
     * @param buffer    holding the command.
     * @param offset    of the command.
     * @param length    of the command.
     * @param listener  to receive exactly one reply if the command is offered.
     * @param timeoutNs the longest to wait for room.
     * @return {@link OfferResult#OFFERED}, {@link OfferResult#BACK_PRESSURED} if the wait ran out, or
     * {@link OfferResult#CLOSED}.
     */
    public OfferResult offer(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final ReplyListener listener,
        final long timeoutNs)
    {
        OfferResult result = tryOffer(buffer, offset, length, listener);
        if (result != OfferResult.BACK_PRESSURED)
        {
            return result;
        }
        final long deadlineNs = System.nanoTime() + timeoutNs;
        int attempts = 0;
        while (true)
        {
            if (++attempts < 100)
            {
                Thread.onSpinWait();
            }
            else if (attempts < 200)
            {
                Thread.yield();
            }
            else
            {
                LockSupport.parkNanos(20_000);
            }
            result = tryOffer(buffer, offset, length, listener);
            if (result != OfferResult.BACK_PRESSURED || System.nanoTime() - deadlineNs >= 0)
            {
                return result;
            }
        }
    }

    /**
     * A blocking caller for one thread: {@link SyncCaller#call} submits a command and waits for its reply without
     * allocating, where {@link #submit} allocates a future per command.
     *
     * @return a new caller; make one per calling thread.
     */
    public SyncCaller newSyncCaller()
    {
        return new SyncCaller(this);
    }

    /**
     * Submit a command and get its outcome as a future: a convenience that allocates per call. Waits up to
     * {@link Context#offerTimeoutNs()} for room in the ring.
     *
     * @param buffer holding the command.
     * @param offset of the command.
     * @param length of the command.
     * @return a future completed with the result, or exceptionally with a {@link SkeinException} if the command could
     * not be offered.
     */
    public CompletableFuture<CommandResult> submit(final DirectBuffer buffer, final int offset, final int length)
    {
        final CompletableFuture<CommandResult> future = new CompletableFuture<>();
        final OfferResult result = offer(
            buffer, offset, length, (reply) -> future.complete(reply.toResult()), ctx.offerTimeoutNs());
        if (result == OfferResult.BACK_PRESSURED)
        {
            future.completeExceptionally(new SkeinException(SkeinException.Code.TIMEOUT,
                "the ring stayed full for " + ctx.offerTimeoutNs() + "ns"));
        }
        else if (result == OfferResult.CLOSED)
        {
            future.completeExceptionally(new SkeinException(SkeinException.Code.CLOSED, "the engine is closed"));
        }
        return future;
    }

    /**
     * A hash over every aggregate's type, id, version and state, computed on the single writer between commands:
     * two engines that applied the same events have the same hash. State types must implement {@code hashCode}.
     *
     * @param timeoutNs the longest to wait for the writer.
     * @return the hash.
     * @throws SkeinException if the engine is closed or the writer did not answer in time.
     */
    public long stateHash(final long timeoutNs)
    {
        final CompletableFuture<Long> result = new CompletableFuture<>();
        runOnWriter((executor) ->
        {
            try
            {
                result.complete(executor.state().stateHash());
            }
            catch (final Throwable ex)
            {
                result.completeExceptionally(ex);
            }
        }, timeoutNs);
        return await(result, timeoutNs);
    }

    /**
     * The number of aggregates in memory, read on the single writer between commands.
     *
     * @param timeoutNs the longest to wait for the writer.
     * @return the count.
     */
    public long aggregateCount(final long timeoutNs)
    {
        final CompletableFuture<Long> result = new CompletableFuture<>();
        runOnWriter((executor) -> result.complete(executor.state().aggregateCount()), timeoutNs);
        return await(result, timeoutNs);
    }

    private void runOnWriter(final EngineTask task, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (true)
        {
            activeProducers.getAndIncrement();
            try
            {
                if (closed)
                {
                    throw new SkeinException(SkeinException.Code.CLOSED, "the engine is closed");
                }
                try
                {
                    final long sequence = ringBuffer.tryNext();
                    final CommandSlot slot = ringBuffer.get(sequence);
                    slot.task = task;
                    slot.isCommand = false;
                    slot.listener = null;
                    ringBuffer.publish(sequence);
                    return;
                }
                catch (final InsufficientCapacityException ex)
                {
                    if (System.nanoTime() - deadlineNs >= 0)
                    {
                        throw new SkeinException(SkeinException.Code.TIMEOUT, "the ring stayed full");
                    }
                }
            }
            finally
            {
                activeProducers.getAndDecrement();
            }
            LockSupport.parkNanos(20_000);
        }
    }

    static long await(final CompletableFuture<Long> result, final long timeoutNs)
    {
        try
        {
            return result.get(timeoutNs, TimeUnit.NANOSECONDS);
        }
        catch (final java.util.concurrent.ExecutionException ex)
        {
            throw new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.ERROR,
                "task on the writer failed: " + ex.getCause(), ex.getCause());
        }
        catch (final java.util.concurrent.TimeoutException ex)
        {
            throw new SkeinException(SkeinException.Code.TIMEOUT, "the writer did not answer within " + timeoutNs +
                "ns");
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.ERROR, "interrupted", ex);
        }
    }

    /**
     * Take a snapshot now. {@link SnapshotMode#INLINE}: on the single writer between commands, which pauses while it
     * is written. {@link SnapshotMode#OFF_WRITER}: the writer notes its journal position and the snapshot builder
     * writes the state as of that position on its own thread. Either way it counts once recorded, the journal is
     * durable to its position, and it is entered in the recording log.
     *
     * @param timeoutNs the longest to wait.
     * @return the journal position the snapshot reflects.
     * @throws SkeinException if there is no journal, a type has no state codec, or the snapshot failed.
     */
    public long takeSnapshot(final long timeoutNs)
    {
        if (null == ctx.journal())
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "snapshots need a journal");
        }
        if (followerRole.isFollowing())
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "a follower does not take snapshots");
        }
        final long deadlineNs = System.nanoTime() + timeoutNs;
        final CompletableFuture<Long> result = new CompletableFuture<>();
        runOnWriter((executor) ->
        {
            try
            {
                result.complete(snapshots.takeOrNote(executor));
            }
            catch (final Throwable ex)
            {
                result.completeExceptionally(ex);
            }
        }, timeoutNs);
        final long position = await(result, timeoutNs);
        return snapshots.isOffWriter() ? snapshots.awaitBuilt(position, deadlineNs) : position;
    }

    /**
     * The journal position of the snapshot the engine started from.
     *
     * @return the position, or {@link SkeinProtocol#NULL_POSITION} if it replayed the whole journal.
     */
    public long startedFromSnapshotAt()
    {
        return snapshotPosition;
    }

    /**
     * The number of journal entries replayed when the engine started (after the snapshot, if it loaded one).
     *
     * @return the count, 0 without a journal.
     */
    public long recoveredEntries()
    {
        return recoveredEntries;
    }

    /**
     * The upcasters of this engine's aggregate types (see {@link io.skein.aggregate.AggregateDefinition#upcaster}),
     * for a reader of its journal outside the engine (subscriptions, projections): each call gives a set of its own.
     *
     * @return the upcasters, empty if no type has one.
     */
    public Upcasters upcasters()
    {
        return upcasters.copy();
    }

    /**
     * The engine's counters.
     *
     * @return the counters.
     */
    public EngineCounters counters()
    {
        return counters;
    }

    /**
     * The configuration the engine runs with.
     *
     * @return the concluded context.
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * Whether the engine has been closed.
     *
     * @return true once {@link #close()} has begun.
     */
    public boolean isClosed()
    {
        return closed;
    }

    /**
     * Stop taking commands, run every command already in the ring (answering what is left
     * {@code SHUTTING_DOWN} if that takes longer than {@link Context#shutdownTimeoutNs()}), deliver every reply, then
     * stop the threads.
     */
    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        CloseHelper.quietClose(followerRole);
        while (activeProducers.get() > 0)
        {
            Thread.onSpinWait();
        }
        awaitStagesStarted();
        try
        {
            disruptor.shutdown(ctx.shutdownTimeoutNs(), TimeUnit.NANOSECONDS);
        }
        catch (final TimeoutException ex)
        {
            commandProcessor.failRemaining();
            replyProcessor.abandonWaits();
            try
            {
                disruptor.shutdown(ctx.shutdownTimeoutNs(), TimeUnit.NANOSECONDS);
            }
            catch (final TimeoutException ex2)
            {
                ctx.errorHandler().onError(new SkeinException(
                    SkeinException.Code.TIMEOUT,
                    SkeinException.Category.ERROR,
                    "engine threads did not stop within " + ctx.shutdownTimeoutNs() + "ns; halting",
                    ex2));
                disruptor.halt();
            }
        }
        if (ctx.snapshotOnClose() && null != ctx.journal() && null == executor.failure() &&
            !followerRole.isFollowing())
        {
            try
            {
                snapshots.takeOnClose(executor);
            }
            catch (final RuntimeException ex)
            {
                ctx.errorHandler().onError(ex);
            }
        }
        CloseHelper.quietClose(snapshots);
        CloseHelper.quietClose(watchRunner);
        CloseHelper.quietClose(counters);
    }

    /**
     * Wait, bounded by the shutdown timeout, until the writer's and the reply stage's threads run: the Disruptor's
     * shutdown skips stages that are not running yet when it looks for a backlog, so a close right after a launch
     * halted them with offered commands never answered.
     */
    private void awaitStagesStarted()
    {
        try
        {
            final long deadlineNs = System.nanoTime() + ctx.shutdownTimeoutNs();
            if (!commandProcessor.started.await(ctx.shutdownTimeoutNs(), TimeUnit.NANOSECONDS) ||
                !replyProcessor.started.await(Math.max(0, deadlineNs - System.nanoTime()), TimeUnit.NANOSECONDS))
            {
                ctx.errorHandler().onError(new SkeinException(SkeinException.Code.TIMEOUT,
                    SkeinException.Category.ERROR, "the engine's threads did not start within " +
                    ctx.shutdownTimeoutNs() + "ns of close", null));
            }
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The watch of the journal's archive session and free space, if the engine has a journal.
     *
     * @return the watch, or null.
     */
    public JournalWatch journalWatch()
    {
        return journalWatch;
    }

    private void publish(
        final long sequence,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final ReplyListener listener)
    {
        try
        {
            final CommandSlot slot = ringBuffer.get(sequence);
            final int kept = Math.max(0, Math.min(length, maxCommandLength));
            slot.commandLength = length;
            slot.keptLength = kept;
            slot.listener = listener;
            slot.task = null;
            slot.isCommand = true;
            slot.replyLength = 0;
            slot.command.putBytes(0, buffer, offset, kept);
        }
        finally
        {
            ringBuffer.publish(sequence);
        }
    }

    /**
     * Configuration of an engine: every setting, with fluent accessors, and a one-time {@link #conclude()} that
     * validates them and fills in defaults. It is large because it is the whole configuration (each setting is a
     * field, a setter and a getter with their javadoc); it holds no logic beyond validation and defaults.
     */
    public static final class Context
    {
        /**
         * Default number of slots in the input ring.
         */
        public static final int RING_SIZE_DEFAULT = 1024;

        /**
         * Default longest command, envelope included.
         */
        public static final int MAX_COMMAND_LENGTH_DEFAULT = 4096;

        /**
         * Default longest reply, payload and message included.
         */
        public static final int MAX_REPLY_LENGTH_DEFAULT = 2048;

        /**
         * Default longest journal entry: all the events of one command.
         */
        public static final int MAX_ENTRY_LENGTH_DEFAULT = 64 * 1024;

        /**
         * Default number of idempotency keys remembered.
         */
        public static final int IDEMPOTENCY_WINDOW_CAPACITY_DEFAULT = 64 * 1024;

        /**
         * Default wait for room in the ring by {@link SkeinEngine#submit(DirectBuffer, int, int)}.
         */
        public static final long OFFER_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(5);

        /**
         * Default wait for the ring to drain on close.
         */
        public static final long SHUTDOWN_TIMEOUT_NS_DEFAULT = TimeUnit.SECONDS.toNanos(10);

        /**
         * Default number of snapshots kept; older ones are purged.
         */
        public static final int SNAPSHOT_RETENTION_DEFAULT = 3;

        private static final int COUNTERS_METADATA_LENGTH = 64 * 1024;
        private static final int COUNTERS_VALUES_LENGTH = 16 * 1024;

        private boolean isConcluded;
        private String name = "engine";
        private final List<Supplier<? extends Aggregate<?>>> aggregates = new ArrayList<>();
        private int ringSize = RING_SIZE_DEFAULT;
        private int maxCommandLength = MAX_COMMAND_LENGTH_DEFAULT;
        private int maxReplyLength = MAX_REPLY_LENGTH_DEFAULT;
        private int maxEntryLength = MAX_ENTRY_LENGTH_DEFAULT;
        private int idempotencyWindowCapacity = IDEMPOTENCY_WINDOW_CAPACITY_DEFAULT;
        private long offerTimeoutNs = OFFER_TIMEOUT_NS_DEFAULT;
        private long shutdownTimeoutNs = SHUTDOWN_TIMEOUT_NS_DEFAULT;
        private WaitStrategy waitStrategy;
        private ThreadFactory threadFactory;
        private EpochNanoClock epochNanoClock;
        private ErrorHandler errorHandler;
        private CountersManager countersManager;
        private EngineCounters.Factory counterFactory;
        private EntryAppender entryAppender;
        private Journal journal;
        private Durability durability;
        private ReadProgress recoveryProgress;
        private long snapshotEveryEntries;
        private boolean snapshotOnClose;
        private SnapshotMode snapshotMode = SnapshotMode.INLINE;
        private boolean follower;
        private DurabilityGate replicationGate;
        private boolean useSnapshots = true;
        private long snapshotIntervalNs;
        private int snapshotRetention = SNAPSHOT_RETENTION_DEFAULT;
        private boolean compactJournal;
        private long compactionFloor = Long.MAX_VALUE;
        private LongSupplier compactionFloorSupplier;

        /**
         * Check the settings' values on their own, before anything is wired: sizes, lengths, the idempotency
         * window, timeouts and the snapshot policy. {@link #conclude()} calls it; a node's context calls it from its
         * own conclude, so a bad value is refused before the node creates anything.
         *
         * @throws SkeinException naming the setting and its value.
         */
        public void validate()
        {
            if (ringSize < 2 || !BitUtil.isPowerOfTwo(ringSize))
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "ringSize must be a power of two of at least 2: " + ringSize);
            }
            if (maxCommandLength < SkeinProtocol.ENVELOPE_LENGTH + SkeinProtocol.HEADER_LENGTH)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "maxCommandLength too small for an envelope and a command header: " + maxCommandLength);
            }
            if (maxReplyLength < ReplyBuilder.PAYLOAD_OFFSET + 2 * EntryApplier.VAR_LENGTH_FIELD + 64)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "maxReplyLength too small: " + maxReplyLength);
            }
            if (maxEntryLength < EntryBuilder.FIRST_EVENT_OFFSET + 64)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "maxEntryLength too small: " + maxEntryLength);
            }
            if (idempotencyWindowCapacity < 1 || idempotencyWindowCapacity > (1 << 28))
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "idempotencyWindowCapacity must be in [1, 2^28]: " + idempotencyWindowCapacity);
            }
            if (offerTimeoutNs < 0 || shutdownTimeoutNs < 0)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "timeouts must not be negative");
            }
            if (snapshotEveryEntries < 0)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "the snapshot policy's entry count " +
                    "(skein.snapshot.every.entries, --snapshot-every) must be 0 (off) or positive, not " +
                    snapshotEveryEntries);
            }
            if (snapshotIntervalNs < 0)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "the snapshot interval " +
                    "(skein.snapshot.interval.ms) must be 0 (off) or positive, not " + snapshotIntervalNs / 1_000_000 +
                    " ms");
            }
            if (snapshotRetention < 0)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "the snapshots kept " +
                    "(skein.snapshot.retention) must be 0 (all) or positive, not " + snapshotRetention);
            }
        }

        /**
         * Validate the settings and fill in defaults. Called once, by {@link SkeinEngine#launch(Context)}.
         *
         * @return this, concluded.
         * @throws SkeinException if a setting is invalid.
         */
        public Context conclude()
        {
            if (isConcluded)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "context already concluded");
            }
            isConcluded = true;

            if (aggregates.isEmpty())
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "no aggregate types registered");
            }
            validate();
            if (null != journal)
            {
                if (null != entryAppender)
                {
                    throw new SkeinException(SkeinException.Code.CONFIGURATION,
                        "set either a journal or an entry appender, not both");
                }
                entryAppender = journal::append;
                if (journal.maxEntryLength() > 0)
                {
                    maxEntryLength = Math.min(maxEntryLength, journal.maxEntryLength());
                }
                if (null == durability)
                {
                    durability = Durability.RECORDED;
                }
            }
            else if (durability == Durability.RECORDED || durability == Durability.REPLICATED || follower)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "durability " + durability + (follower ? " and a follower" : "") + " need a journal");
            }
            if (durability == Durability.REPLICATED && null == replicationGate)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "durability REPLICATED needs a replication gate (a node with followers supplies it)");
            }
            if (null == durability)
            {
                durability = Durability.NONE;
            }
            if (null == waitStrategy)
            {
                waitStrategy = new RestingWaitStrategy();
            }
            if (null == threadFactory)
            {
                threadFactory = new NamedThreadFactory("skein-" + name);
            }
            if (null == epochNanoClock)
            {
                // Epoch time from System.nanoTime() and a sampled offset: allocation-free, unlike the system clock.
                epochNanoClock = new OffsetEpochNanoClock();
            }
            if (null == errorHandler)
            {
                errorHandler = (throwable) -> throwable.printStackTrace(System.err);
            }
            if (null == countersManager && null == counterFactory)
            {
                final AtomicBuffer metadata = new UnsafeBuffer(ByteBuffer.allocateDirect(COUNTERS_METADATA_LENGTH));
                final AtomicBuffer values = new UnsafeBuffer(ByteBuffer.allocateDirect(COUNTERS_VALUES_LENGTH));
                countersManager = new CountersManager(metadata, values);
            }
            return this;
        }

        /**
         * Set the engine's name, used for its threads and counters.
         *
         * @param name of the engine.
         * @return this for a fluent API.
         */
        public Context name(final String name)
        {
            this.name = name;
            return this;
        }

        /**
         * The engine's name.
         *
         * @return the name.
         */
        public String name()
        {
            return name;
        }

        /**
         * Register an aggregate type. The factory is called once per engine.
         *
         * @param factory of the aggregate, e.g. {@code BankAccount::new}.
         * @return this for a fluent API.
         */
        public Context aggregate(final Supplier<? extends Aggregate<?>> factory)
        {
            aggregates.add(factory);
            return this;
        }

        /**
         * The registered aggregate factories.
         *
         * @return the factories.
         */
        public List<Supplier<? extends Aggregate<?>>> aggregates()
        {
            return aggregates;
        }

        /**
         * Set the number of slots in the input ring.
         *
         * @param ringSize a power of two.
         * @return this for a fluent API.
         */
        public Context ringSize(final int ringSize)
        {
            this.ringSize = ringSize;
            return this;
        }

        /**
         * The number of slots in the input ring.
         *
         * @return the ring size.
         */
        public int ringSize()
        {
            return ringSize;
        }

        /**
         * Set the longest command accepted, envelope included; longer ones are rejected {@code OVERSIZED}.
         *
         * @param maxCommandLength in bytes.
         * @return this for a fluent API.
         */
        public Context maxCommandLength(final int maxCommandLength)
        {
            this.maxCommandLength = maxCommandLength;
            return this;
        }

        /**
         * The longest command accepted.
         *
         * @return length in bytes.
         */
        public int maxCommandLength()
        {
            return maxCommandLength;
        }

        /**
         * Set the longest reply, payload and message included; longer payloads are rejected
         * {@code REPLY_TOO_LARGE} and longer messages are cut.
         *
         * @param maxReplyLength in bytes.
         * @return this for a fluent API.
         */
        public Context maxReplyLength(final int maxReplyLength)
        {
            this.maxReplyLength = maxReplyLength;
            return this;
        }

        /**
         * The longest reply.
         *
         * @return length in bytes.
         */
        public int maxReplyLength()
        {
            return maxReplyLength;
        }

        /**
         * Set the longest journal entry (all events of one command); a command whose events exceed it is rejected
         * {@code ENTRY_TOO_LARGE} before anything is applied. With a journal it must stay below the publication's
         * maximum message length (term length / 8).
         *
         * @param maxEntryLength in bytes.
         * @return this for a fluent API.
         */
        public Context maxEntryLength(final int maxEntryLength)
        {
            this.maxEntryLength = maxEntryLength;
            return this;
        }

        /**
         * The longest journal entry.
         *
         * @return length in bytes.
         */
        public int maxEntryLength()
        {
            return maxEntryLength;
        }

        /**
         * Set how many idempotency keys of accepted commands are remembered, oldest evicted first.
         *
         * @param capacity number of keys.
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
         * Set how long {@link SkeinEngine#submit(DirectBuffer, int, int)} waits for room in the ring.
         *
         * @param timeoutNs the wait.
         * @return this for a fluent API.
         */
        public Context offerTimeoutNs(final long timeoutNs)
        {
            this.offerTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * How long submit waits for room in the ring.
         *
         * @return the wait in nanoseconds.
         */
        public long offerTimeoutNs()
        {
            return offerTimeoutNs;
        }

        /**
         * Set how long close waits for the ring to drain before answering the rest {@code SHUTTING_DOWN}.
         *
         * @param timeoutNs the wait.
         * @return this for a fluent API.
         */
        public Context shutdownTimeoutNs(final long timeoutNs)
        {
            this.shutdownTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * How long close waits for the ring to drain.
         *
         * @return the wait in nanoseconds.
         */
        public long shutdownTimeoutNs()
        {
            return shutdownTimeoutNs;
        }

        /**
         * Set how the writer and reply stage wait for work. The default, {@link RestingWaitStrategy}, spins
         * briefly, yields, then sleeps until a command is published: no CPU at rest, gentle on a 2-core machine.
         * {@code SleepingWaitStrategy} naps instead of sleeping (about 15% of a core per stage at rest); busy-spinning
         * strategies are for machines with cores to spare.
         *
         * @param waitStrategy for the ring's consumers.
         * @return this for a fluent API.
         */
        public Context waitStrategy(final WaitStrategy waitStrategy)
        {
            this.waitStrategy = waitStrategy;
            return this;
        }

        /**
         * How the ring's consumers wait.
         *
         * @return the wait strategy.
         */
        public WaitStrategy waitStrategy()
        {
            return waitStrategy;
        }

        /**
         * Set the factory for the writer and reply threads.
         *
         * @param threadFactory for the engine's threads.
         * @return this for a fluent API.
         */
        public Context threadFactory(final ThreadFactory threadFactory)
        {
            this.threadFactory = threadFactory;
            return this;
        }

        /**
         * The factory for the engine's threads.
         *
         * @return the thread factory.
         */
        public ThreadFactory threadFactory()
        {
            return threadFactory;
        }

        /**
         * Set the clock that timestamps events; tests inject their own. It is read once per batch of commands. The
         * default is an allocation-free {@link OffsetEpochNanoClock}.
         *
         * @param clock of nanoseconds since the epoch.
         * @return this for a fluent API.
         */
        public Context epochNanoClock(final EpochNanoClock clock)
        {
            this.epochNanoClock = clock;
            return this;
        }

        /**
         * The clock that timestamps events.
         *
         * @return the clock.
         */
        public EpochNanoClock epochNanoClock()
        {
            return epochNanoClock;
        }

        /**
         * Set where errors are reported: handler exceptions, listener exceptions, fatal failures. It must not throw.
         *
         * @param errorHandler for the engine.
         * @return this for a fluent API.
         */
        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }

        /**
         * Where errors are reported.
         *
         * @return the error handler.
         */
        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        /**
         * Set the counters manager the engine's counters are allocated in (an Aeron client's, to make them visible
         * to {@code AeronStat}).
         *
         * @param countersManager for the engine's counters.
         * @return this for a fluent API.
         */
        public Context countersManager(final CountersManager countersManager)
        {
            this.countersManager = countersManager;
            return this;
        }

        /**
         * The counters manager the engine's counters live in.
         *
         * @return the counters manager.
         */
        public CountersManager countersManager()
        {
            return countersManager;
        }

        /**
         * Allocate the engine's counters with this factory instead of a counters manager: a node passes
         * {@code aeron::addCounter}, so its media driver's counters file (and {@code AeronStat}) shows them.
         *
         * @param factory making each counter.
         * @return this for a fluent API.
         */
        public Context counterFactory(final EngineCounters.Factory factory)
        {
            this.counterFactory = factory;
            return this;
        }

        /**
         * The factory of the engine's counters, if set.
         *
         * @return the factory, or null to use the counters manager.
         */
        public EngineCounters.Factory counterFactory()
        {
            return counterFactory;
        }

        /**
         * Set where accepted commands' journal entries are appended; null (the default) keeps the engine in memory.
         *
         * @param entryAppender for journal entries.
         * @return this for a fluent API.
         */
        public Context entryAppender(final EntryAppender entryAppender)
        {
            this.entryAppender = entryAppender;
            return this;
        }

        /**
         * Where journal entries are appended.
         *
         * @return the appender, or null.
         */
        public EntryAppender entryAppender()
        {
            return entryAppender;
        }

        /**
         * Set the journal: the engine recovers its state from it on launch, appends each accepted command's entry to
         * it, and (by default) releases replies only once entries are recorded. The caller owns the journal and
         * closes it after the engine.
         *
         * @param journal to recover from and append to.
         * @return this for a fluent API.
         */
        public Context journal(final Journal journal)
        {
            this.journal = journal;
            return this;
        }

        /**
         * The journal, or null for an in-memory engine.
         *
         * @return the journal.
         */
        public Journal journal()
        {
            return journal;
        }

        /**
         * Set when replies are released: {@link Durability#RECORDED} (the default with a journal) or
         * {@link Durability#NONE}.
         *
         * @param durability of replies.
         * @return this for a fluent API.
         */
        public Context durability(final Durability durability)
        {
            this.durability = durability;
            return this;
        }

        /**
         * When replies are released.
         *
         * @return the durability.
         */
        public Durability durability()
        {
            return durability;
        }

        /**
         * Set the snapshot policy: take a snapshot (inline, on the writer) once this many journal entries have been
         * written since the last one; 0 (the default) takes none by count.
         *
         * @param entries between snapshots, or 0.
         * @return this for a fluent API.
         */
        public Context snapshotEveryEntries(final long entries)
        {
            this.snapshotEveryEntries = entries;
            return this;
        }

        /**
         * Journal entries between snapshots.
         *
         * @return the count, 0 for none.
         */
        public long snapshotEveryEntries()
        {
            return snapshotEveryEntries;
        }

        /**
         * Set whether the engine follows a leader: its journal is the local copy that replication keeps growing
         * (opened read-only); it applies the entries as they arrive, answers queries on its own state, and refuses
         * commands until promoted.
         *
         * @param follower true for a follower.
         * @return this for a fluent API.
         */
        public Context follower(final boolean follower)
        {
            this.follower = follower;
            return this;
        }

        /**
         * Whether the engine follows a leader.
         *
         * @return true for a follower.
         */
        public boolean follower()
        {
            return follower;
        }

        /**
         * Set how far enough followers have recorded the journal, for {@link Durability#REPLICATED}: a reply is
         * released once both the local archive and this gate have passed its entry.
         *
         * @param gate reporting the replicated position.
         * @return this for a fluent API.
         */
        public Context replicationGate(final DurabilityGate gate)
        {
            this.replicationGate = gate;
            return this;
        }

        /**
         * How far enough followers have recorded the journal.
         *
         * @return the gate, or null.
         */
        public DurabilityGate replicationGate()
        {
            return replicationGate;
        }

        /**
         * Set where snapshots are built: on the writer ({@link SnapshotMode#INLINE}, the default) or on a builder
         * thread that keeps its own copy of the state from the journal ({@link SnapshotMode#OFF_WRITER}), so the
         * writer never pauses.
         *
         * @param mode for snapshots.
         * @return this for a fluent API.
         */
        public Context snapshotMode(final SnapshotMode mode)
        {
            this.snapshotMode = mode;
            return this;
        }

        /**
         * Where snapshots are built.
         *
         * @return the mode.
         */
        public SnapshotMode snapshotMode()
        {
            return snapshotMode;
        }

        /**
         * Set whether a clean close takes a snapshot after draining the ring, so the next start replays nothing.
         *
         * @param snapshotOnClose true to take one.
         * @return this for a fluent API.
         */
        public Context snapshotOnClose(final boolean snapshotOnClose)
        {
            this.snapshotOnClose = snapshotOnClose;
            return this;
        }

        /**
         * Whether a clean close takes a snapshot.
         *
         * @return true if it does.
         */
        public boolean snapshotOnClose()
        {
            return snapshotOnClose;
        }

        /**
         * Set the time-based snapshot policy: take a snapshot once this long has passed since the last one and new
         * entries were written (checked between batches); 0 (the default) takes none by time.
         *
         * @param intervalNs between snapshots, or 0.
         * @return this for a fluent API.
         */
        public Context snapshotIntervalNs(final long intervalNs)
        {
            this.snapshotIntervalNs = intervalNs;
            return this;
        }

        /**
         * Time between snapshots.
         *
         * @return nanoseconds, 0 for none.
         */
        public long snapshotIntervalNs()
        {
            return snapshotIntervalNs;
        }

        /**
         * Set how many snapshots to keep: after each new one, older ones beyond this many are invalidated in the
         * recording log and purged from the archive; 0 keeps all.
         *
         * @param count of snapshots kept.
         * @return this for a fluent API.
         */
        public Context snapshotRetention(final int count)
        {
            this.snapshotRetention = count;
            return this;
        }

        /**
         * How many snapshots are kept.
         *
         * @return the count, 0 for all.
         */
        public int snapshotRetention()
        {
            return snapshotRetention;
        }

        /**
         * Set whether, after each snapshot, journal segments below the oldest retained snapshot are deleted. Off by
         * default: the whole journal is history, and time travel before the oldest snapshot needs it.
         *
         * @param compact true to compact.
         * @return this for a fluent API.
         */
        public Context compactJournal(final boolean compact)
        {
            this.compactJournal = compact;
            return this;
        }

        /**
         * Whether the journal is compacted after snapshots.
         *
         * @return true if it is.
         */
        public boolean compactJournal()
        {
            return compactJournal;
        }

        /**
         * Set the position compaction never deletes at or beyond (for example, the oldest position a lagging follower
         * still needs).
         *
         * @param position the floor, {@code Long.MAX_VALUE} for none.
         * @return this for a fluent API.
         */
        public Context compactionFloor(final long position)
        {
            this.compactionFloor = position;
            return this;
        }

        /**
         * The compaction floor.
         *
         * @return the position.
         */
        public long compactionFloor()
        {
            return compactionFloor;
        }

        /**
         * Set a moving floor for journal compaction, read at each compaction: replication supplies the lowest
         * position any known follower has recorded, so compaction never deletes what a lagging follower still needs.
         *
         * @param floor supplying a position, or null for none.
         * @return this for a fluent API.
         */
        public Context compactionFloorSupplier(final LongSupplier floor)
        {
            this.compactionFloorSupplier = floor;
            return this;
        }

        /**
         * The moving floor for journal compaction.
         *
         * @return the supplier, or null.
         */
        public LongSupplier compactionFloorSupplier()
        {
            return compactionFloorSupplier;
        }

        /**
         * Set whether recovery starts from the latest valid snapshot (the default) or replays the whole journal.
         *
         * @param useSnapshots false to ignore snapshots.
         * @return this for a fluent API.
         */
        public Context useSnapshots(final boolean useSnapshots)
        {
            this.useSnapshots = useSnapshots;
            return this;
        }

        /**
         * Whether recovery starts from a snapshot.
         *
         * @return true if it does.
         */
        public boolean useSnapshots()
        {
            return useSnapshots;
        }

        /**
         * Set what is told, about once a second, how far recovery has got.
         *
         * @param progress listener, or null for none.
         * @return this for a fluent API.
         */
        public Context recoveryProgress(final ReadProgress progress)
        {
            this.recoveryProgress = progress;
            return this;
        }

        /**
         * What is told how far recovery has got.
         *
         * @return the listener, or null.
         */
        public ReadProgress recoveryProgress()
        {
            return recoveryProgress;
        }
    }
}
