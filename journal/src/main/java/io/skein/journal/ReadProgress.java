package io.skein.journal;

/**
 * Told, now and then, how far a long read of the journal has got.
 */
@FunctionalInterface
public interface ReadProgress
{
    /**
     * Progress so far.
     *
     * @param entries       read so far.
     * @param position      reached.
     * @param startPosition of the read.
     * @param endPosition   the read stops at.
     */
    void onProgress(long entries, long position, long startPosition, long endPosition);
}
