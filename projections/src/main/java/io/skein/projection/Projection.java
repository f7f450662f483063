package io.skein.projection;

import io.skein.protocol.JournalEvents;

/**
 * A projection: the handler a {@link ProjectionRunner} gives the journal's events, in batches of whole entries. The
 * runner calls, per batch, {@link #onBatchStart()}, {@link #onEvent} for each event, then {@link #onBatchEnd} with the
 * checkpoint the batch reaches; if any of them throws, {@link #onBatchAbort} and the runner's error strategy.
 * <p>
 * At least once ({@link ProjectionRunner.Delivery#AT_LEAST_ONCE}): the runner stores the checkpoint after
 * {@code onBatchEnd} returns, so after a crash the events of the last uncommitted batch come again: make the writes
 * idempotent. Exactly once: implement {@link TransactionalProjection} and write the checkpoint in the same
 * transaction as the batch.
 * <p>
 * Anything a method throws goes to the runner's error strategy, except a {@link io.skein.protocol.SkeinException} of
 * category FATAL, which stops the runner for good: throw one when going on would be wrong (the sink was fenced by a
 * newer runner of the same projection).
 */
public interface Projection
{
    /**
     * One event, in journal order; the flyweight is valid only during the call.
     *
     * @param event positioned on the event, with its entry's metadata.
     * @throws Exception to refuse it: the batch is aborted and the error strategy decides.
     */
    void onEvent(JournalEvents event) throws Exception;

    /**
     * A batch begins (begin a transaction).
     *
     * @throws Exception to abort the batch.
     */
    default void onBatchStart() throws Exception
    {
    }

    /**
     * The batch's events have all been handed over (flush, or commit with the checkpoint).
     *
     * @param checkpoint where the batch ends.
     * @throws Exception to abort the batch: nothing of it counts as done.
     */
    default void onBatchEnd(final Checkpoint checkpoint) throws Exception
    {
    }

    /**
     * The batch failed (roll back). Not called for a batch that ended.
     *
     * @param cause why.
     */
    default void onBatchAbort(final Throwable cause)
    {
    }
}
