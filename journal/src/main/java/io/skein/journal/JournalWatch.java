package io.skein.journal;

import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.NanoClock;
import org.agrona.concurrent.status.AtomicCounter;

import io.skein.protocol.SkeinException;

/**
 * Watches a journal for the whole of its life: keeps the archive control session alive (and replaces one the archive
 * closed) and watches free space, so that a full disk stops the engine from taking commands, with a clear reason,
 * before the archive or the media driver can run out of space for what was already accepted. Taking commands
 * resumes once enough space is free again.
 */
public final class JournalWatch implements Agent
{
    /**
     * How often the watch looks.
     */
    public static final long INTERVAL_NS = 250_000_000L;

    private final Journal journal;
    private final NanoClock clock;
    private final ErrorHandler errorHandler;
    private final long minFreeLength;
    private final long resumeFreeLength;
    private final AtomicCounter storageLowEvents;
    private final AtomicCounter archiveReconnects;
    private long nextCheckNs;
    private volatile String refusal;

    /**
     * Watch a journal.
     *
     * @param journal           to watch.
     * @param clock             for the interval.
     * @param errorHandler      told of a low disk, space freed again and a replaced archive session.
     * @param storageLowEvents  counts the times free space fell below the threshold; may be null.
     * @param archiveReconnects counts replaced archive sessions; may be null.
     */
    public JournalWatch(
        final Journal journal,
        final NanoClock clock,
        final ErrorHandler errorHandler,
        final AtomicCounter storageLowEvents,
        final AtomicCounter archiveReconnects)
    {
        this.journal = journal;
        this.clock = clock;
        this.errorHandler = errorHandler;
        this.minFreeLength = journal.context().minFreeStorageLength();
        this.resumeFreeLength = minFreeLength + Math.max(minFreeLength / 4, 4L * 1024 * 1024);
        this.storageLowEvents = storageLowEvents;
        this.archiveReconnects = archiveReconnects;
    }

    @Override
    public String roleName()
    {
        return "skein-journal-watch";
    }

    @Override
    public int doWork()
    {
        final long nowNs = clock.nanoTime();
        if (nowNs - nextCheckNs < 0)
        {
            return 0;
        }
        nextCheckNs = nowNs + INTERVAL_NS;
        check();
        return 1;
    }

    /**
     * Look now: the archive session and the free space.
     */
    public void check()
    {
        try
        {
            if (journal.keepAlive() && null != archiveReconnects)
            {
                archiveReconnects.increment();
            }
        }
        catch (final RuntimeException ex)
        {
            errorHandler.onError(new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.ERROR,
                "cannot reach the archive to keep the journal's control session: " + ex.getMessage(), ex));
        }
        if (minFreeLength <= 0)
        {
            return;
        }
        final long usable = journal.usableStorage();
        if (null == refusal && usable < minFreeLength)
        {
            final String reason = "less than " + mib(minFreeLength) + " free for the journal (" + mib(usable) +
                " left): the engine takes no commands until space is freed (skein.storage.min.free.mb)";
            refusal = reason;
            if (null != storageLowEvents)
            {
                storageLowEvents.increment();
            }
            errorHandler.onError(new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.ERROR,
                reason, null));
        }
        else if (null != refusal && usable >= resumeFreeLength)
        {
            refusal = null;
            errorHandler.onError(new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.WARNING,
                mib(usable) + " free for the journal again: the engine takes commands", null));
        }
    }

    /**
     * Why commands are refused now, if they are.
     *
     * @return the reason, or null while commands are taken.
     */
    public String refusal()
    {
        return refusal;
    }

    private static String mib(final long length)
    {
        return (length / (1024 * 1024)) + " MiB";
    }
}
