package io.skein.engine;

import java.util.concurrent.CountDownLatch;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.Sequence;
import io.skein.codecs.RejectReason;
import io.skein.protocol.Reply;
import org.agrona.ErrorHandler;

/**
 * The single writer: the one Disruptor event handler that owns every aggregate. For each slot it runs the command
 * through the {@link CommandExecutor} and copies the reply into the slot for the reply stage; after each batch it asks
 * the {@link SnapshotPolicy} whether a snapshot is due.
 * <p>
 * With {@link RestingWaitStrategy} the writer wakes the reply stage itself, after a batch that left a reply for it
 * (and at least every eighth of the ring, so the stage frees slots while every reply goes inline). When no reply
 * waits for durability (no durability gate), a {@link SyncCaller}'s reply is handed over here, on the writer: its
 * {@code onReply} only copies the reply and unparks the caller, and skipping the reply stage's thread is what lets
 * one synchronous caller get close to a raw hand-off.
 */
final class CommandProcessor implements EventHandler<CommandSlot>
{
    private final CommandExecutor executor;
    private final EngineCounters counters;
    private final SnapshotPolicy snapshotPolicy;
    private final EngineTask snapshotTask;
    private final RestingWaitStrategy resting;
    private final boolean inlineSyncReplies;
    private final ErrorHandler errorHandler;
    private final long signalEvery;
    private final Reply inlineReply = new Reply();
    private Sequence sequenceCallback;
    private boolean replyStageNeeded;
    private long lastSignalled = -1;
    private volatile boolean failRemaining;

    CommandProcessor(
        final CommandExecutor executor,
        final EngineCounters counters,
        final SnapshotPolicy snapshotPolicy,
        final EngineTask snapshotTask,
        final RestingWaitStrategy resting,
        final boolean inlineSyncReplies,
        final ErrorHandler errorHandler,
        final int ringSize)
    {
        this.executor = executor;
        this.counters = counters;
        this.snapshotPolicy = snapshotPolicy;
        this.snapshotTask = snapshotTask;
        this.resting = resting;
        this.inlineSyncReplies = inlineSyncReplies;
        this.errorHandler = errorHandler;
        this.signalEvery = Math.max(1, ringSize / 8);
    }

    @Override
    public void setSequenceCallback(final Sequence sequenceCallback)
    {
        this.sequenceCallback = sequenceCallback;
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
    public void onShutdown()
    {
        // A halted writer wakes the reply stage, which otherwise hears of the halt only at its safety wake.
        if (null != resting)
        {
            resting.signalDownstream(lastSignalled);
        }
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
        }
        else
        {
            command(slot);
        }
        if (endOfBatch)
        {
            endOfBatch(sequence, null == task);
        }
    }

    private void command(final CommandSlot slot)
    {
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
        slot.replyLength = replyLength;
        final ReplyListener listener = slot.listener;
        if (inlineSyncReplies && listener instanceof SyncCaller)
        {
            slot.listener = null;
            try
            {
                listener.onReply(inlineReply.wrapTrusted(executor.replyBuffer(), 0));
            }
            catch (final Throwable ex)
            {
                counters.listenerErrors().incrementRelease();
                errorHandler.onError(ex);
            }
        }
        else
        {
            slot.reply.putBytes(0, executor.replyBuffer(), 0, replyLength);
            replyStageNeeded |= null != listener;
        }
    }

    private void endOfBatch(final long sequence, final boolean lastWasCommand)
    {
        if (null != resting && (replyStageNeeded || sequence - lastSignalled >= signalEvery))
        {
            // Make this batch visible to the reply stage before waking it (the processor would set it after).
            sequenceCallback.set(sequence);
            resting.signalDownstream(sequence);
            lastSignalled = sequence;
            replyStageNeeded = false;
        }
        // A follower's entries are replicated: its policy runs after each applied chunk, at the applied position.
        if (lastWasCommand && !executor.isFollower() && snapshotPolicy.isDue(executor.state().lastEntrySequence()))
        {
            snapshotTask.run(executor);
        }
    }
}
