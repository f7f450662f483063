package io.skein.engine;

import com.lmax.disruptor.EventHandler;
import io.skein.codecs.RejectReason;

/**
 * The single writer: the one Disruptor event handler that owns every aggregate. For each slot it runs the command
 * through the {@link CommandExecutor} and copies the reply into the slot for the reply stage.
 */
final class CommandProcessor implements EventHandler<CommandSlot>
{
    private final CommandExecutor executor;
    private final EngineCounters counters;
    private final long snapshotEveryEntries;
    private final long snapshotIntervalNs;
    private final EngineTask snapshotTask;
    private long lastSnapshotEntrySequence;
    private long lastSnapshotTimeNs;
    private volatile boolean failRemaining;

    CommandProcessor(
        final CommandExecutor executor,
        final EngineCounters counters,
        final long snapshotEveryEntries,
        final long snapshotIntervalNs,
        final EngineTask snapshotTask)
    {
        this.executor = executor;
        this.counters = counters;
        this.snapshotEveryEntries = snapshotEveryEntries;
        this.snapshotIntervalNs = snapshotIntervalNs;
        this.lastSnapshotTimeNs = executor.clock().nanoTime();
        this.snapshotTask = snapshotTask;
    }

    /**
     * Where the snapshot policy counts from: the last snapshot's entry sequence and time, before the writer starts.
     *
     * @param entrySequence of the last entry the snapshot holds, 0 for none.
     * @param timeNs        of the snapshot's last entry, on the engine's clock.
     */
    void lastSnapshot(final long entrySequence, final long timeNs)
    {
        lastSnapshotEntrySequence = entrySequence;
        lastSnapshotTimeNs = timeNs;
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

        if (endOfBatch && (snapshotEveryEntries > 0 || snapshotIntervalNs > 0))
        {
            final long newEntries = executor.state().lastEntrySequence() - lastSnapshotEntrySequence;
            final long nowNs = snapshotIntervalNs > 0 ? executor.clock().nanoTime() : 0;
            if ((snapshotEveryEntries > 0 && newEntries >= snapshotEveryEntries) ||
                (snapshotIntervalNs > 0 && newEntries > 0 && nowNs - lastSnapshotTimeNs >= snapshotIntervalNs))
            {
                lastSnapshotEntrySequence = executor.state().lastEntrySequence();
                lastSnapshotTimeNs = nowNs;
                snapshotTask.run(executor);
            }
        }
    }
}
