package io.skein.engine;

/**
 * Where snapshots are built.
 */
public enum SnapshotMode
{
    /**
     * On the single writer, between commands: simple, no extra memory, but the writer pauses while the snapshot is
     * written (about the time to encode and record every aggregate).
     */
    INLINE,

    /**
     * On a separate thread that keeps its own copy of the state by replaying the journal through the same event
     * appliers (starting from the latest snapshot): the writer only notes the journal position, so it never pauses.
     * Costs a second copy of the state in memory and the replay's CPU. A snapshot built this way is the same bytes as
     * one taken inline at the same position.
     */
    OFF_WRITER
}
