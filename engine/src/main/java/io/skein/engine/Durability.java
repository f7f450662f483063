package io.skein.engine;

/**
 * When a command's reply is released.
 */
public enum Durability
{
    /**
     * As soon as the events are applied: for tests and purely in-memory use. A crash loses what was acknowledged.
     */
    NONE,

    /**
     * Once the archive has recorded the command's journal entry (its recorded position has passed the entry's end).
     * What that survives depends on the archive's file sync level: 0 survives a process crash, 1 and 2 also a machine
     * crash.
     */
    RECORDED,

    /**
     * Once the local archive has recorded the entry and enough followers have recorded it too (see
     * {@link SkeinEngine.Context#replicationGate(DurabilityGate)}): losing the leader's machine then loses no
     * acknowledged command.
     */
    REPLICATED
}
