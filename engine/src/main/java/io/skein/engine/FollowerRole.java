package io.skein.engine;

import java.util.concurrent.locks.LockSupport;

import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.CloseHelper;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.status.AtomicCounter;

/**
 * The engine's follower role: while it follows, a {@link FollowerTail} agent, on its own {@link AgentRunner}, has the
 * writer apply the local copy of the leader's journal and the one {@link SnapshotPolicy} runs after each applied
 * chunk; {@link #stopFollowing(long)} ends the role (the first step of promotion) once every whole entry of the copy
 * is applied.
 */
final class FollowerRole implements AutoCloseable
{
    private final SnapshotPolicy policy;
    private final EngineSnapshots snapshots;
    private volatile FollowerTail tail;
    private volatile AgentRunner tailRunner;
    private volatile long lastAppliedPosition = SkeinProtocol.NULL_POSITION;

    FollowerRole(
        final SkeinEngine.Context ctx,
        final SnapshotPolicy policy,
        final EngineSnapshots snapshots,
        final FollowerTail.Writer writer,
        final AtomicCounter agentErrors)
    {
        this.policy = policy;
        this.snapshots = snapshots;
        if (ctx.follower())
        {
            final FollowerTail tail = new FollowerTail(ctx.journal(), ctx.journal().recoveredEndPosition(), writer,
                this::onApplied, ctx.errorHandler(), ctx.name());
            final AgentRunner runner = new AgentRunner(FollowerTail.idleStrategy(), ctx.errorHandler(), agentErrors,
                tail);
            AgentRunner.startOnThread(runner, (runnable) ->
            {
                final Thread thread = new Thread(runnable, tail.roleName());
                thread.setDaemon(true);
                return thread;
            });
            this.tail = tail;
            this.tailRunner = runner;
        }
    }

    /**
     * Whether the engine follows a leader now.
     */
    boolean isFollowing()
    {
        return null != tail;
    }

    /**
     * The journal position up to which replicated entries have been applied.
     *
     * @return the position, or {@link SkeinProtocol#NULL_POSITION} if the engine never followed.
     */
    long appliedPosition()
    {
        final FollowerTail tail = this.tail;
        return null == tail ? lastAppliedPosition : tail.appliedPosition();
    }

    /**
     * Wait until every whole entry of the local copy is applied, then stop following.
     *
     * @param timeoutNs the longest to wait.
     * @return the journal position up to which state is applied.
     * @throws SkeinException if the engine is not following or did not catch up in time.
     */
    long stopFollowing(final long timeoutNs)
    {
        final FollowerTail tail = this.tail;
        if (null == tail)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "this engine is not following a leader");
        }
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (!tail.caughtUp())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new SkeinException(SkeinException.Code.TIMEOUT, "the follower did not apply the rest of its " +
                    "copy of the journal in time");
            }
            LockSupport.parkNanos(1_000_000);
        }
        CloseHelper.close(tailRunner);
        lastAppliedPosition = tail.appliedPosition();
        this.tail = null;
        this.tailRunner = null;
        return lastAppliedPosition;
    }

    /**
     * On the writer after each chunk of replicated entries: the follower's turn of the snapshot policy.
     */
    private void onApplied(final CommandExecutor executor, final long position)
    {
        if (policy.isDue(executor.state().lastEntrySequence()))
        {
            snapshots.takeAsFollower(executor, position);
        }
    }

    @Override
    public void close()
    {
        CloseHelper.quietClose(tailRunner);
    }
}
