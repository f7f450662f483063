package io.skein.engine;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.skein.journal.Journal;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The engine's snapshots: taken on the writer ({@link SnapshotMode#INLINE}) or asked of the {@link SnapshotBuilder}
 * ({@link SnapshotMode#OFF_WRITER}, an agent on its own {@link AgentRunner}) when the policy or a caller asks for one
 * as leader, taken inline at the applied position as follower, and followed each time by {@link SnapshotRetention}.
 */
final class EngineSnapshots implements AutoCloseable
{
    private final Journal journal;
    private final ErrorHandler errorHandler;
    private final SnapshotTaker taker = new SnapshotTaker();
    private final SnapshotRetention retention;
    private final SnapshotBuilder builder;
    private final AgentRunner builderRunner;

    EngineSnapshots(final SkeinEngine.Context ctx, final AtomicCounter agentErrors)
    {
        this.journal = ctx.journal();
        this.errorHandler = ctx.errorHandler();
        this.retention = new SnapshotRetention(ctx);
        this.builder = ctx.snapshotMode() == SnapshotMode.OFF_WRITER && null != journal ?
            new SnapshotBuilder(journal, ctx.aggregates(), ctx.idempotencyWindowCapacity(), ctx.name(),
            retention::retainAndCompact, errorHandler, Math.max(ctx.shutdownTimeoutNs(),
            TimeUnit.SECONDS.toNanos(60))) : null;
        if (null != builder)
        {
            builderRunner = new AgentRunner(SnapshotBuilder.idleStrategy(), errorHandler, agentErrors, builder);
            AgentRunner.startOnThread(builderRunner, (runnable) ->
            {
                final Thread thread = new Thread(runnable, builder.roleName());
                thread.setDaemon(true);
                return thread;
            });
        }
        else
        {
            builderRunner = null;
        }
    }

    /**
     * The leader's policy said a snapshot is due: take it on the writer, or ask the builder (skipped, with a warning,
     * if the builder is still on the last one).
     *
     * @param executor owning the state, on the writer.
     */
    void onPolicy(final CommandExecutor executor)
    {
        if (null == builder)
        {
            takeOnWriter(executor);
        }
        else if (null == builder.request(journal.position()))
        {
            errorHandler.onError(new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.WARNING,
                "snapshot policy triggered while the previous snapshot is still being built; skipped", null));
        }
    }

    /**
     * On the writer, for a caller's snapshot: take it now (inline), or note the position the builder is to build at.
     *
     * @param executor owning the state, on the writer.
     * @return the position of the snapshot taken, or to await with {@link #awaitBuilt(long, long)}.
     */
    long takeOrNote(final CommandExecutor executor)
    {
        return null == builder ? takeOnWriter(executor) : journal.position();
    }

    /**
     * Whether snapshots are built off the writer, so a noted position must be awaited.
     */
    boolean isOffWriter()
    {
        return null != builder;
    }

    /**
     * A follower's snapshot, on the writer after a chunk of replicated entries: inline at the applied position (a
     * follower has no clients to pause for), then retention; a follower never compacts its copy.
     *
     * @param executor owning the state, on the writer.
     * @param position the state is applied to.
     */
    void takeAsFollower(final CommandExecutor executor, final long position)
    {
        try
        {
            taker.take(executor.state(), journal, position);
            retention.retain(journal);
        }
        catch (final RuntimeException ex)
        {
            errorHandler.onError(ex);
        }
    }

    /**
     * Take a snapshot on the writer at the journal's position, then retain and compact.
     *
     * @param executor owning the state, on the writer.
     * @return the position the snapshot reflects.
     */
    long takeOnWriter(final CommandExecutor executor)
    {
        final long position = taker.take(executor.state(), journal, journal.position()).position();
        retention.retainAndCompact(journal);
        return position;
    }

    /**
     * Ask the builder for a snapshot at a position and wait for it, waiting first for a snapshot still being built.
     *
     * @param position   an entry boundary the engine has appended up to.
     * @param deadlineNs on {@link System#nanoTime()}.
     * @return the position of the snapshot built.
     */
    long awaitBuilt(final long position, final long deadlineNs)
    {
        while (true)
        {
            final CompletableFuture<Long> built = builder.request(position);
            if (null != built)
            {
                return SkeinEngine.await(built, Math.max(0, deadlineNs - System.nanoTime()));
            }
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new SkeinException(SkeinException.Code.TIMEOUT, "another snapshot was still being built");
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * The clean close's snapshot, after the ring has drained: inline, or built and awaited.
     *
     * @param executor owning the state; the writer has stopped.
     */
    void takeOnClose(final CommandExecutor executor)
    {
        if (null == builder)
        {
            takeOnWriter(executor);
        }
        else
        {
            awaitBuilt(journal.position(), System.nanoTime() + TimeUnit.SECONDS.toNanos(60));
        }
    }

    @Override
    public void close()
    {
        if (null != builder)
        {
            builder.failPending();
            CloseHelper.quietClose(builderRunner);
        }
    }
}
