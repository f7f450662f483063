package io.skein.engine;

import org.agrona.DirectBuffer;

/**
 * Where a snapshot's messages go, one whole message per call, in order: a snapshot recording of the engine's own
 * journal, or another store (an Aeron Cluster snapshot publication in cluster mode).
 */
@FunctionalInterface
public interface SnapshotSink
{
    /**
     * Take one snapshot message, whole, waiting while the store is busy; never drop it.
     *
     * @param buffer holding the message.
     * @param offset of the message's header.
     * @param length of the message.
     * @throws io.skein.protocol.SkeinException if the message could not be stored; the snapshot is then unusable.
     */
    void append(DirectBuffer buffer, int offset, int length);
}
