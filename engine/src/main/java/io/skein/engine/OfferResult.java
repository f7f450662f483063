package io.skein.engine;

/**
 * What became of an attempt to put a command into the engine's ring.
 */
public enum OfferResult
{
    /**
     * The command is in the ring; exactly one reply will reach the listener.
     */
    OFFERED,

    /**
     * The ring is full: nothing was taken, the caller decides whether to retry.
     */
    BACK_PRESSURED,

    /**
     * The engine is closing or closed: nothing was taken.
     */
    CLOSED
}
