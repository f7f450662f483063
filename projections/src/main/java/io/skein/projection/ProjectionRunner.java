package io.skein.projection;

import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.skein.engine.EngineCounters;
import io.skein.journal.JournalReplay;
import io.skein.protocol.EventFilter;
import io.skein.protocol.EventStream;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.SystemEpochNanoClock;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * Runs a named projection: follows the durable journal from the projection's checkpoint, hands its events over in
 * batches of whole entries, and commits a checkpoint after each batch, at least once (Skein stores the checkpoint
 * after the batch, {@link CheckpointStore}) or exactly once (the projection's sink stores it in the batch's own
 * transaction, {@link TransactionalProjection}). A batch ends when it holds {@link Context#batchSize()} entries or
 * when nothing more is durable yet.
 * <p>
 * When the projection throws, the batch is aborted ({@link Projection#onBatchAbort}) and the error strategy decides:
 * {@link ErrorStrategy#RETRY} from the last checkpoint after a back-off, {@link ErrorStrategy#SKIP} the refused event
 * (recorded, forced to the device, in {@code <name>.skipped} beside the checkpoints) and go on, or
 * {@link ErrorStrategy#STOP}. A journal that fails its checks always stops it, and so does a
 * {@link SkeinException} of category FATAL from the projection (a sink fenced by a newer runner says so this way).
 * Its status is a set of counters ({@code skein projection ...: <name>}, type {@link #PROJECTION_COUNTER_TYPE_ID}) on
 * the engine's counters: in a node, on its media driver, where AeronStat and {@code skein projection status} read
 * them.
 */
public final class ProjectionRunner implements Agent, AutoCloseable
{
    /**
     * Type id of the projection counters.
     */
    public static final int PROJECTION_COUNTER_TYPE_ID = 6201;

    /**
     * How a projection's checkpoint relates to its writes.
     */
    public enum Delivery
    {
        /**
         * The runner stores the checkpoint after the batch: after a crash, the last batch's events come again.
         */
        AT_LEAST_ONCE,

        /**
         * The projection stores the checkpoint in the batch's transaction: every event takes effect once.
         */
        EXACTLY_ONCE
    }

    /**
     * What the runner does when the projection throws.
     */
    public enum ErrorStrategy
    {
        /**
         * Abort the batch and try it again from the last checkpoint, backing off up to the maximum delay.
         */
        RETRY,

        /**
         * Abort the batch, record the refused event in the skip log, and go on without it.
         */
        SKIP,

        /**
         * Abort the batch and stop, until the runner is started again.
         */
        STOP
    }

    /**
     * The runner's state, as its {@code skein projection state} counter shows it.
     */
    public enum State
    {
        /**
         * Following the journal.
         */
        RUNNING,

        /**
         * Waiting to try again after an error.
         */
        RETRYING,

        /**
         * Stopped by the STOP strategy.
         */
        STOPPED,

        /**
         * Stopped for good: the journal failed its checks, or the projection threw a FATAL {@link SkeinException}
         * (its sink was fenced by a newer runner, its checkpoint is corrupt).
         */
        FAILED,

        /**
         * Closed.
         */
        CLOSED
    }

    private static final long RETRY_MIN_NS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long REFOLLOW_NS = TimeUnit.MILLISECONDS.toNanos(100);

    private final Context ctx;
    private final EventSource source;
    private final Projection projection;
    private final EventStream stream = new EventStream();
    private final AtomicCounter positionCounter;
    private final AtomicCounter lagEntriesCounter;
    private final AtomicCounter lagMsCounter;
    private final AtomicCounter errorsCounter;
    private final AtomicCounter skippedCounter;
    private final AtomicCounter stateCounter;
    private final File skipLog;
    private long refusedSequence;
    private String refusedDescription;
    private JournalReplay replay;
    private Checkpoint committed;
    private long committedTimestampNs;
    private boolean inBatch;
    private long batchStartEntries;
    private long retryAtNs;
    private long retryDelayNs = RETRY_MIN_NS;
    private boolean started;
    private volatile State state = State.RUNNING;
    private volatile Throwable lastError;
    private AgentRunner runner;

    private ProjectionRunner(final Context ctx)
    {
        this.ctx = ctx;
        this.source = ctx.source();
        stream.upcasters(source.upcasters());
        this.projection = ctx.projection();
        final String name = ctx.name();
        final EngineCounters.Factory counters = source.counterFactory();
        positionCounter = counters.newCounter(PROJECTION_COUNTER_TYPE_ID, "skein projection position: " + name);
        lagEntriesCounter = counters.newCounter(PROJECTION_COUNTER_TYPE_ID, "skein projection lag entries: " + name);
        lagMsCounter = counters.newCounter(PROJECTION_COUNTER_TYPE_ID, "skein projection lag ms: " + name);
        errorsCounter = counters.newCounter(PROJECTION_COUNTER_TYPE_ID, "skein projection errors: " + name);
        skippedCounter = counters.newCounter(PROJECTION_COUNTER_TYPE_ID, "skein projection skipped: " + name);
        stateCounter = counters.newCounter(PROJECTION_COUNTER_TYPE_ID, "skein projection state: " + name);
        skipLog = null == ctx.checkpointDir() ? null : new File(ctx.checkpointDir(), name + ".skipped");
    }

    /**
     * A runner to poll from a thread of the caller's ({@link #doWork()}).
     *
     * @param ctx the settings.
     * @return the runner; close it when done.
     */
    public static ProjectionRunner open(final Context ctx)
    {
        return new ProjectionRunner(ctx.conclude());
    }

    /**
     * A runner on a thread of its own, {@code skein-projection-<name>}, sleeping up to a millisecond when idle.
     *
     * @param ctx the settings.
     * @return the running runner; close it to stop the thread.
     */
    public static ProjectionRunner launch(final Context ctx)
    {
        final ProjectionRunner projectionRunner = open(ctx);
        projectionRunner.runner = new AgentRunner(
            new BackoffIdleStrategy(10, 20, 1_000, TimeUnit.MILLISECONDS.toNanos(1)), ctx.errorHandler(),
            projectionRunner.errorsCounter, projectionRunner);
        AgentRunner.startOnThread(projectionRunner.runner,
            (runnable) -> new Thread(runnable, "skein-projection-" + ctx.name()));
        return projectionRunner;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String roleName()
    {
        return "skein-projection-" + ctx.name();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int doWork()
    {
        final State current = state;
        if (State.RUNNING != current && State.RETRYING != current)
        {
            return 0;
        }
        if (null == replay)
        {
            return follow();
        }
        final int limit = (int)Math.max(1, ctx.batchSize() - (stream.entries() - batchStartEntries));
        final int fragments = replay.poll(stream, limit);
        if (null != stream.failure())
        {
            onFailure(stream.failure(), stream.handlerFailed(), stream.failedEvent());
            return 1;
        }
        final long batchEntries = stream.entries() - batchStartEntries;
        if (batchEntries > 0 && (batchEntries >= ctx.batchSize() || 0 == fragments))
        {
            commit();
            return 1;
        }
        if (0 == fragments)
        {
            updateLag();
            if (replay.isEnded())
            {
                stopReplay();
                retryAtNs = System.nanoTime() + REFOLLOW_NS;
            }
        }
        return fragments;
    }

    /**
     * The last committed checkpoint.
     *
     * @return it, or null before the runner has read it.
     */
    public Checkpoint checkpoint()
    {
        return committed;
    }

    /**
     * The state.
     *
     * @return the state.
     */
    public State state()
    {
        return state;
    }

    /**
     * The last error the projection or the journal raised.
     *
     * @return it, or null.
     */
    public Throwable lastError()
    {
        return lastError;
    }

    /**
     * Times the projection threw or a commit failed.
     *
     * @return the count.
     */
    public long errors()
    {
        return errorsCounter.get();
    }

    /**
     * Events skipped by the SKIP strategy.
     *
     * @return the count.
     */
    public long skipped()
    {
        return skippedCounter.get();
    }

    /**
     * Stop: the thread if it has one, then abort an open batch and free the counters.
     */
    @Override
    public void close()
    {
        if (null != runner)
        {
            CloseHelper.close(runner);
        }
        else
        {
            onClose();
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onClose()
    {
        if (inBatch)
        {
            inBatch = false;
            projection.onBatchAbort(new SkeinException(SkeinException.Code.CLOSED, "the projection runner closed"));
        }
        stopReplay();
        state(State.CLOSED);
        CloseHelper.quietCloseAll(positionCounter, lagEntriesCounter, lagMsCounter, errorsCounter, skippedCounter,
            stateCounter);
    }

    private int follow()
    {
        if (System.nanoTime() - retryAtNs < 0)
        {
            return 0;
        }
        if (source.isClosed())
        {
            state(State.CLOSED);
            return 1;
        }
        try
        {
            if (!started || ctx.delivery() == Delivery.EXACTLY_ONCE)
            {
                // Exactly once: the sink's committed checkpoint is the truth after any failure.
                committed = ctx.delivery() == Delivery.EXACTLY_ONCE ?
                    ((TransactionalProjection)projection).loadCheckpoint() : ctx.checkpointStore().load(ctx.name());
                if (!started)
                {
                    loadSkipLog();
                }
                started = true;
                positionCounter.setRelease(committed.position());
            }
            final long position = Math.max(committed.position(), source.startPosition());
            replay = source.follow(position);
            stream.reset(position, true, committed.entrySequence(), ctx.filter(), this::onEvent);
            batchStartEntries = stream.entries();
            state(State.RUNNING);
        }
        catch (final SkeinException ex)
        {
            if (ex.category() == SkeinException.Category.FATAL)
            {
                fail(ex);
                return 1;
            }
            retryLater(ex);
        }
        catch (final Exception ex)
        {
            retryLater(ex);
        }
        return 1;
    }

    private void onEvent(final JournalEvents event) throws Exception
    {
        if (!inBatch)
        {
            projection.onBatchStart();
            inBatch = true;
        }
        try
        {
            projection.onEvent(event);
        }
        catch (final Throwable ex)
        {
            // Read what identifies the refused event now, inside the replay's callback: the event is a view of the
            // replay's buffer, which may be reused or freed once the poll returns, and certainly once the replay
            // is stopped, so reading it later could skip and record the wrong event.
            refusedSequence = event.sequence();
            refusedDescription = describe(event, ex);
            throw ex;
        }
    }

    private void commit()
    {
        final Checkpoint checkpoint = new Checkpoint(stream.position(), stream.entrySequence());
        try
        {
            if (!inBatch)
            {
                // A batch of entries the filter left out: still move the checkpoint on, through the sink for
                // exactly once.
                projection.onBatchStart();
                inBatch = true;
            }
            projection.onBatchEnd(checkpoint);
            inBatch = false;
            if (ctx.delivery() == Delivery.AT_LEAST_ONCE)
            {
                ctx.checkpointStore().store(ctx.name(), checkpoint);
            }
        }
        catch (final Exception ex)
        {
            onFailure(ex, false, null);
            return;
        }
        committed = checkpoint;
        committedTimestampNs = stream.lastTimestampNs();
        batchStartEntries = stream.entries();
        retryDelayNs = RETRY_MIN_NS;
        positionCounter.setRelease(checkpoint.position());
        updateLag();
    }

    private void updateLag()
    {
        final long lag = Math.max(0, source.lastEntrySequence() - stream.entrySequence());
        lagEntriesCounter.setRelease(lag);
        lagMsCounter.setRelease(0 == lag || 0 == committedTimestampNs ? 0 :
            Math.max(0, TimeUnit.NANOSECONDS.toMillis(ctx.clock().nanoTime() - committedTimestampNs)));
    }

    private void onFailure(final Throwable cause, final boolean fromHandler, final JournalEvents event)
    {
        final boolean skip = ctx.errorStrategy() == ErrorStrategy.SKIP && fromHandler && null != event &&
            null != refusedDescription;
        final long skipSequence = refusedSequence;
        final String skipLine = refusedDescription;
        refusedDescription = null;
        if (inBatch)
        {
            inBatch = false;
            projection.onBatchAbort(cause);
        }
        stopReplay();
        lastError = cause;
        if (cause instanceof SkeinException && ((SkeinException)cause).category() == SkeinException.Category.FATAL)
        {
            fail(cause);
            return;
        }
        errorsCounter.increment();
        final ErrorStrategy strategy = ctx.errorStrategy();
        if (strategy == ErrorStrategy.STOP)
        {
            // Reported before the state changes: whoever sees STOPPED can rely on the report having been made.
            ctx.errorHandler().onError(new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.ERROR,
                "projection " + ctx.name() + " stopped at " + committed + " after an error (strategy STOP)", cause));
            state(State.STOPPED);
            return;
        }
        if (skip)
        {
            try
            {
                recordSkip(skipLine);
            }
            catch (final IOException ex)
            {
                retryLater(ex);
                return;
            }
            stream.skip(skipSequence);
            skippedCounter.increment();
            ctx.errorHandler().onError(new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.WARNING,
                "projection " + ctx.name() + " skipped event " + skipSequence + " (recorded in " + skipLog + ")",
                cause));
            retryAtNs = System.nanoTime();
            state(State.RETRYING);
            return;
        }
        retryLater(cause);
    }

    private void retryLater(final Throwable cause)
    {
        lastError = cause;
        ctx.errorHandler().onError(new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.WARNING,
            "projection " + ctx.name() + " will try again from " + committed + " in " +
            TimeUnit.NANOSECONDS.toMillis(retryDelayNs) + " ms: " + cause, cause));
        retryAtNs = System.nanoTime() + retryDelayNs;
        retryDelayNs = Math.min(ctx.maxRetryDelayNs(), retryDelayNs * 2);
        state(State.RETRYING);
    }

    private void fail(final Throwable cause)
    {
        lastError = cause;
        ctx.errorHandler().onError(cause);
        state(State.FAILED);
    }

    private static String describe(final JournalEvents event, final Throwable cause)
    {
        return event.sequence() + " position=" + event.position() + " aggregate=" +
            event.aggregateTypeId() + "/" + event.aggregateId() + " version=" + event.version() + " template=" +
            event.templateId() + " error=" + String.valueOf(cause).replace('\n', ' ') + "\n";
    }

    private void recordSkip(final String line) throws IOException
    {
        if (null == skipLog)
        {
            return;
        }
        try (FileChannel channel = FileChannel.open(skipLog.toPath(),
            StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND))
        {
            channel.write(ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)));
            channel.force(true);
        }
    }

    private void loadSkipLog() throws IOException
    {
        if (null == skipLog || !skipLog.exists())
        {
            return;
        }
        final List<String> lines = Files.readAllLines(skipLog.toPath(), StandardCharsets.UTF_8);
        for (final String line : lines)
        {
            final int space = line.indexOf(' ');
            if (space > 0)
            {
                stream.skip(Long.parseLong(line.substring(0, space)));
                skippedCounter.increment();
            }
        }
    }

    private void stopReplay()
    {
        if (null != replay)
        {
            CloseHelper.quietClose(replay);
            replay = null;
        }
    }

    private void state(final State newState)
    {
        state = newState;
        stateCounter.setRelease(newState.ordinal());
    }

    /**
     * A projection runner's settings, checked in {@link #conclude()}.
     */
    public static final class Context
    {
        /**
         * Default batch size in entries.
         */
        public static final int BATCH_SIZE_DEFAULT = 500;

        private String name;
        private EventSource source;
        private Projection projection;
        private EventFilter filter = EventFilter.ALL;
        private Delivery delivery = Delivery.AT_LEAST_ONCE;
        private CheckpointStore checkpointStore;
        private File checkpointDir;
        private int batchSize = BATCH_SIZE_DEFAULT;
        private ErrorStrategy errorStrategy = ErrorStrategy.RETRY;
        private long maxRetryDelayNs = TimeUnit.SECONDS.toNanos(5);
        private ErrorHandler errorHandler;
        private EpochNanoClock clock = SystemEpochNanoClock.INSTANCE;

        /**
         * Check the settings and fill in defaults.
         *
         * @return this.
         * @throws SkeinException CONFIGURATION naming what is missing or wrong.
         */
        public Context conclude()
        {
            if (null == name || null == source || null == projection)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "a projection needs a name, an event source and a projection");
            }
            if (batchSize < 1)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "projection " + name +
                    ": batch size " + batchSize + " is less than 1");
            }
            if (delivery == Delivery.EXACTLY_ONCE && !(projection instanceof TransactionalProjection))
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "projection " + name +
                    " is EXACTLY_ONCE but does not store its own checkpoint: implement TransactionalProjection");
            }
            if (delivery == Delivery.AT_LEAST_ONCE && null == checkpointStore)
            {
                if (null == checkpointDir)
                {
                    throw new SkeinException(SkeinException.Code.CONFIGURATION, "projection " + name +
                        " is AT_LEAST_ONCE and needs a checkpoint directory or store: its checkpoint is never kept " +
                        "in memory only");
                }
                checkpointStore = new FileCheckpointStore(checkpointDir);
            }
            // The name keys files (checkpoint, skip log) and counters: one rule for every delivery mode.
            FileCheckpointStore.checkedName(name);
            if (errorStrategy == ErrorStrategy.SKIP && null == checkpointDir)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "projection " + name +
                    " skips refused events and needs a checkpoint directory for the record of what it skipped");
            }
            if (null == errorHandler)
            {
                errorHandler = Throwable::printStackTrace;
            }
            return this;
        }

        /**
         * Set the projection's name: its checkpoint's key, its counters' and thread's name.
         *
         * @param name letters, digits, '.', '_' or '-'.
         * @return this.
         */
        public Context name(final String name)
        {
            this.name = name;
            return this;
        }

        /**
         * The name.
         *
         * @return the name.
         */
        public String name()
        {
            return name;
        }

        /**
         * Set where the events come from.
         *
         * @param source of durable events.
         * @return this.
         */
        public Context source(final EventSource source)
        {
            this.source = source;
            return this;
        }

        /**
         * The source.
         *
         * @return the source.
         */
        public EventSource source()
        {
            return source;
        }

        /**
         * Set the projection.
         *
         * @param projection the handler; a {@link TransactionalProjection} for exactly once.
         * @return this.
         */
        public Context projection(final Projection projection)
        {
            this.projection = projection;
            return this;
        }

        /**
         * The projection.
         *
         * @return the projection.
         */
        public Projection projection()
        {
            return projection;
        }

        /**
         * Set which events the projection is given (the checkpoint moves past the others all the same).
         *
         * @param filter the filter.
         * @return this.
         */
        public Context filter(final EventFilter filter)
        {
            this.filter = filter;
            return this;
        }

        /**
         * The filter.
         *
         * @return the filter.
         */
        public EventFilter filter()
        {
            return filter;
        }

        /**
         * Set at least once (default) or exactly once.
         *
         * @param delivery the mode.
         * @return this.
         */
        public Context delivery(final Delivery delivery)
        {
            this.delivery = delivery;
            return this;
        }

        /**
         * The delivery mode.
         *
         * @return the mode.
         */
        public Delivery delivery()
        {
            return delivery;
        }

        /**
         * Set where an at-least-once checkpoint is stored (default: a {@link FileCheckpointStore} in the checkpoint
         * directory).
         *
         * @param store the store.
         * @return this.
         */
        public Context checkpointStore(final CheckpointStore store)
        {
            this.checkpointStore = store;
            return this;
        }

        /**
         * The checkpoint store.
         *
         * @return the store, null for exactly once.
         */
        public CheckpointStore checkpointStore()
        {
            return checkpointStore;
        }

        /**
         * Set the directory of the checkpoint files and the skip log.
         *
         * @param dir the directory.
         * @return this.
         */
        public Context checkpointDir(final File dir)
        {
            this.checkpointDir = dir;
            return this;
        }

        /**
         * The checkpoint directory.
         *
         * @return the directory, or null.
         */
        public File checkpointDir()
        {
            return checkpointDir;
        }

        /**
         * Set the most entries in one batch (one transaction, one checkpoint).
         *
         * @param entries at least 1.
         * @return this.
         */
        public Context batchSize(final int entries)
        {
            this.batchSize = entries;
            return this;
        }

        /**
         * The batch size.
         *
         * @return entries.
         */
        public int batchSize()
        {
            return batchSize;
        }

        /**
         * Set what to do when the projection throws.
         *
         * @param strategy the strategy.
         * @return this.
         */
        public Context errorStrategy(final ErrorStrategy strategy)
        {
            this.errorStrategy = strategy;
            return this;
        }

        /**
         * The error strategy.
         *
         * @return the strategy.
         */
        public ErrorStrategy errorStrategy()
        {
            return errorStrategy;
        }

        /**
         * Set the longest back-off between retries.
         *
         * @param delayNs nanoseconds.
         * @return this.
         */
        public Context maxRetryDelayNs(final long delayNs)
        {
            this.maxRetryDelayNs = delayNs;
            return this;
        }

        /**
         * The longest back-off.
         *
         * @return nanoseconds.
         */
        public long maxRetryDelayNs()
        {
            return maxRetryDelayNs;
        }

        /**
         * Set where errors and warnings go.
         *
         * @param errorHandler the handler.
         * @return this.
         */
        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }

        /**
         * The error handler.
         *
         * @return the handler.
         */
        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        /**
         * Set the clock the time lag is measured with (the engine's timestamps are epoch nanoseconds).
         *
         * @param clock the clock.
         * @return this.
         */
        public Context clock(final EpochNanoClock clock)
        {
            this.clock = clock;
            return this;
        }

        /**
         * The clock.
         *
         * @return the clock.
         */
        public EpochNanoClock clock()
        {
            return clock;
        }
    }
}
