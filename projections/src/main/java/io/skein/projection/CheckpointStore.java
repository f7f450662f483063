package io.skein.projection;

/**
 * Where an at-least-once projection's checkpoint is kept between runs. Skein's own is {@link FileCheckpointStore};
 * an exactly-once projection keeps its checkpoint in its own sink instead ({@link TransactionalProjection}).
 */
public interface CheckpointStore
{
    /**
     * The stored checkpoint.
     *
     * @param projection the projection's name.
     * @return its checkpoint, or {@link Checkpoint#NONE}.
     * @throws Exception if the store cannot be read (the runner does not start rather than start from scratch).
     */
    Checkpoint load(String projection) throws Exception;

    /**
     * Store a checkpoint durably: once this returns, a crash does not take it back.
     *
     * @param projection the projection's name.
     * @param checkpoint to store.
     * @throws Exception if it could not be stored.
     */
    void store(String projection, Checkpoint checkpoint) throws Exception;
}
