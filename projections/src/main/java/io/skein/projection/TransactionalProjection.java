package io.skein.projection;

/**
 * An exactly-once projection: its sink stores the checkpoint in the same transaction as the batch's writes (in
 * {@link #onBatchEnd}) and gives it back here, so after a crash the runner resumes exactly where the last committed
 * transaction ended: no event is lost and none is applied twice.
 */
public interface TransactionalProjection extends Projection
{
    /**
     * The checkpoint the sink's last committed transaction stored.
     *
     * @return it, or {@link Checkpoint#NONE} for a new projection.
     * @throws Exception if the sink cannot be read (the runner waits and tries again).
     */
    Checkpoint loadCheckpoint() throws Exception;
}
