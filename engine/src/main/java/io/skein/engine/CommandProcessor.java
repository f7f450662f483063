package io.skein.engine;

import java.util.concurrent.CountDownLatch;

import com.lmax.disruptor.EventHandler;
import io.skein.codecs.RejectReason;

/**
 * The single writer: the one Disruptor event handler that owns every aggregate. For each slot it runs the command
 * through the {@link CommandExecutor} and copies the reply into the slot for the reply stage; after each batch it asks
 * the {@link SnapshotPolicy} whether a snapshot is due.
 */
final class CommandProcessor implements EventHandler<CommandSlot>
{
    private final CommandExecutor executor;
    private final EngineCounters counters;
    private final SnapshotPolicy snapshotPolicy;
    private final EngineTask snapshotTask;
    private volatile boolean failRemaining;

    CommandProcessor(
        final CommandExecutor executor,
        final EngineCounters counters,
        final SnapshotPolicy snapshotPolicy,
        final EngineTask snapshotTask)
    {
        this.executor = executor;
        this.counters = counters;
        this.snapshotPolicy = snapshotPolicy;
        this.snapshotTask = snapshotTask;
    }

    /**
     * Answer every command still in the ring {@code SHUTTING_DOWN} instead of running it.
     */
    void failRemaining()
    {
        failRemaining = true;
    }

    @Override
    public void onBatchStart(final long batchSize, final long queueDepth)
    {
        counters.ringDepth().setRelease(queueDepth);
        executor.batchTimestamp(executor.clock().nanoTime());
    }

    /**
     * Counted down when this stage's thread runs: the engine's close waits for it, since the Disruptor's shutdown
     * does not count the backlog of a stage whose thread has not started yet and would halt it with commands in the
     * ring unanswered.
     */
    final CountDownLatch started = new CountDownLatch(1);

    @Override
    public void onStart()
    {
        started.countDown();
    }

    @Override
    public void onEvent(final CommandSlot slot, final long sequence, final boolean endOfBatch)
    {
        final EngineTask task = slot.task;
        if (null != task)
        {
            slot.task = null;
            slot.replyLength = 0;
            task.run(executor);
            return;
        }

        final int replyLength;
        if (failRemaining)
        {
            replyLength = executor.refuse(slot.command, 0, slot.keptLength, RejectReason.SHUTTING_DOWN,
                "the engine closed before running this command");
        }
        else if (slot.commandLength > slot.keptLength)
        {
            replyLength = executor.refuse(slot.command, 0, slot.keptLength, RejectReason.OVERSIZED,
                "command is longer than the engine's maximum command length");
        }
        else
        {
            replyLength = executor.execute(slot.command, 0, slot.commandLength);
        }
        slot.journalPosition = executor.entryPosition();
        slot.reply.putBytes(0, executor.replyBuffer(), 0, replyLength);
        slot.replyLength = replyLength;

        // A follower's entries are replicated: its policy runs after each applied chunk, at the applied position.
        if (endOfBatch && !executor.isFollower() && snapshotPolicy.isDue(executor.state().lastEntrySequence()))
        {
            snapshotTask.run(executor);
        }
    }
}
