package io.skein.engine;

/**
 * Tells the reply stage how far the journal is durable, so a reply is released only once its entry is. Replication
 * supplies one for {@link Durability#REPLICATED}: how far enough followers have recorded the journal.
 */
@FunctionalInterface
public interface DurabilityGate
{
    /**
     * Position returned once the journal can no longer make entries durable.
     */
    long FAILED = Long.MIN_VALUE;

    /**
     * The journal position up to which entries are durable.
     *
     * @return the position, or {@link #FAILED} once the journal has failed.
     */
    long durablePosition();
}
