package io.skein.journal;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.FragmentAssembler;
import io.aeron.Image;
import io.aeron.Subscription;
import io.aeron.archive.client.AeronArchive;
import io.aeron.logbuffer.Header;
import io.skein.protocol.EntryCheck;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Reads the journal recording, bounded (between two positions) or following (live, as entries are recorded), entries
 * reassembled from fragments and handed over whole and in order. A bounded read of a journal whose archive directory
 * is known reads the segment files directly ({@link RecordingScan#read}, after the frame scan); otherwise, and for
 * following, through an archive replay. Every entry's
 * message header and checksum are checked before it is handed over: an entry that is not a whole, valid Skein
 * journal entry stops the read with an error naming its position, so recovery never yields a silently wrong state.
 */
public final class JournalReader implements AutoCloseable
{
    private static final int FRAGMENT_LIMIT = 256;
    private static final StopRead STOP = new StopRead();
    private static final long PROGRESS_INTERVAL_NS = 1_000_000_000L;

    private final Aeron aeron;
    private final AeronArchive archive;
    private final long recordingId;
    private final int replayStreamId;
    private final long timeoutNs;
    private final boolean checkEntries;
    private final RecordingScan scan;
    private final EntryCheck entryCheck = new EntryCheck();
    private final FragmentAssembler assembler = new FragmentAssembler(this::onFragment);
    private EntryHandler handler;
    private RuntimeException failure;
    private long entries;
    private long lastPosition;
    private boolean followConnected;
    private Subscription followSubscription;
    private long followSessionId;

    JournalReader(
        final Aeron aeron,
        final AeronArchive archive,
        final long recordingId,
        final int replayStreamId,
        final long timeoutNs,
        final boolean checkEntries,
        final RecordingScan scan)
    {
        this.scan = scan;
        this.checkEntries = checkEntries;
        this.aeron = aeron;
        this.archive = archive;
        this.recordingId = recordingId;
        this.replayStreamId = replayStreamId;
        this.timeoutNs = timeoutNs;
    }

    /**
     * Read every entry in {@code [fromPosition, toPosition)}. Reading nothing when the range is empty.
     *
     * @param fromPosition where an entry starts.
     * @param toPosition   where an entry ends, at most the recording's end.
     * @param handler      for each entry.
     * @param progress     told about once a second how far the read has got; may be null.
     * @return the number of entries read.
     * @throws SkeinException if an entry does not decode, naming its position, or the replay stalls.
     */
    public long read(
        final long fromPosition, final long toPosition, final EntryHandler handler, final ReadProgress progress)
    {
        if (toPosition <= fromPosition)
        {
            return 0;
        }
        this.handler = handler;
        this.failure = null;
        this.entries = 0;
        this.lastPosition = fromPosition;
        if (null != scan)
        {
            // Check every frame header on disk first: a corrupt one is named at once, where a replay of it could
            // stall (or, for a corrupt frame type, never end).
            scan.scan(fromPosition, toPosition);
            return readFiles(fromPosition, toPosition, progress);
        }
        final String channel = CommonContext.IPC_CHANNEL;
        final long replaySessionId = archive.startReplay(
            recordingId, fromPosition, toPosition - fromPosition, channel, replayStreamId);
        final Subscription subscription = aeron.addSubscription(
            ChannelUri.addSessionId(channel, (int)replaySessionId), replayStreamId);
        try
        {
            final IdleStrategy idle = new BackoffIdleStrategy();
            long progressDeadlineNs = System.nanoTime() + timeoutNs;
            long nextReportNs = System.nanoTime() + PROGRESS_INTERVAL_NS;
            Image image = null;
            while (lastPosition < toPosition)
            {
                if (null == image)
                {
                    image = subscription.imageBySessionId((int)replaySessionId);
                }
                final int fragments = null == image ? 0 : image.poll(assembler, FRAGMENT_LIMIT);
                if (null != failure)
                {
                    throw failure;
                }
                if (null != image && image.position() >= toPosition)
                {
                    // Consumed to the end: what follows the last entry is padding to a term's end, or the start of
                    // an entry whose other fragments were never recorded (never acknowledged, so dropped).
                    break;
                }
                final long nowNs = System.nanoTime();
                if (fragments > 0)
                {
                    progressDeadlineNs = nowNs + timeoutNs;
                    if (null != progress && nowNs - nextReportNs >= 0)
                    {
                        progress.onProgress(entries, lastPosition, fromPosition, toPosition);
                        nextReportNs = nowNs + PROGRESS_INTERVAL_NS;
                    }
                }
                else
                {
                    if (null != image && image.isClosed() && image.position() < toPosition)
                    {
                        throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
                            "journal replay ended at position " + image.position() + " (last entry at " +
                            lastPosition + ") before " + toPosition, null);
                    }
                    if (nowNs - progressDeadlineNs >= 0)
                    {
                        throw new SkeinException(SkeinException.Code.TIMEOUT, SkeinException.Category.FATAL,
                            "journal replay made no progress for " + timeoutNs + "ns at position " + lastPosition,
                            null);
                    }
                    idle.idle();
                }
            }
            if (null != progress)
            {
                progress.onProgress(entries, lastPosition, fromPosition, toPosition);
            }
            return entries;
        }
        finally
        {
            CloseHelper.quietClose(subscription);
            try
            {
                archive.stopReplay(replaySessionId);
            }
            catch (final RuntimeException ignore)
            {
                // The replay has normally ended by itself once its length was sent.
            }
            this.handler = null;
        }
    }

    /**
     * The read of a local journal: the entries straight from the segment files just scanned, one pass over the page
     * cache, with the same checks as a replay's.
     */
    private long readFiles(final long fromPosition, final long toPosition, final ReadProgress progress)
    {
        final long[] nextReportNs = {System.nanoTime() + PROGRESS_INTERVAL_NS};
        scan.read(fromPosition, toPosition, (buffer, offset, length, position) ->
        {
            onEntry(buffer, offset, length, position);
            if (null != progress && (entries & 1023) == 0)
            {
                final long nowNs = System.nanoTime();
                if (nowNs - nextReportNs[0] >= 0)
                {
                    progress.onProgress(entries, lastPosition, fromPosition, toPosition);
                    nextReportNs[0] = nowNs + PROGRESS_INTERVAL_NS;
                }
            }
        });
        if (null != progress)
        {
            progress.onProgress(entries, lastPosition, fromPosition, toPosition);
        }
        return entries;
    }

    /**
     * Read entries from a position until the handler says stop (or the recording's end): for reads whose end is not
     * an entry boundary known in advance, such as "as of a timestamp".
     *
     * @param fromPosition where an entry starts.
     * @param endPosition  the recording's end; the read never goes past it.
     * @param handler      for each entry; returns false to stop before the next one.
     * @return the number of entries the handler accepted.
     */
    public long readUntil(final long fromPosition, final long endPosition, final StoppableEntryHandler handler)
    {
        final long[] accepted = new long[1];
        try
        {
            read(fromPosition, endPosition, (buffer, offset, length, position) ->
            {
                if (!handler.onEntry(buffer, offset, length, position))
                {
                    throw STOP;
                }
                accepted[0]++;
            }, null);
        }
        catch (final StopRead ignore)
        {
            // The handler asked to stop.
        }
        return accepted[0];
    }

    /**
     * Start following the journal from a position: a replay that continues live as entries are recorded. Poll it
     * with {@link #poll(EntryHandler, int)}; {@link #stopFollowing()} (or close) ends it.
     *
     * @param fromPosition where an entry starts.
     */
    public void follow(final long fromPosition)
    {
        if (null != followSubscription)
        {
            throw new IllegalStateException("already following");
        }
        lastPosition = fromPosition;
        failure = null;
        followSessionId = archive.startReplay(
            recordingId, fromPosition, AeronArchive.NULL_LENGTH, CommonContext.IPC_CHANNEL, replayStreamId);
        followSubscription = aeron.addSubscription(
            ChannelUri.addSessionId(CommonContext.IPC_CHANNEL, (int)followSessionId), replayStreamId);
        followConnected = false;
    }

    /**
     * Hand over the entries that have arrived since the last poll while following.
     *
     * @param handler      for each entry.
     * @param fragmentLimit the most fragments to take in this poll.
     * @return the number of fragments taken.
     * @throws SkeinException if an entry does not decode, naming its position.
     */
    public int poll(final EntryHandler handler, final int fragmentLimit)
    {
        this.handler = handler;
        final int fragments = followSubscription.poll(assembler, fragmentLimit);
        if (null != failure)
        {
            final RuntimeException ex = failure;
            stopFollowing();
            throw ex;
        }
        return fragments;
    }

    /**
     * Whether the follow has ended: the recording stopped (its source went away) and the replay reached its end, or
     * the replay failed. Follow again from {@link #position()} once the recording grows.
     *
     * @return true if no longer following.
     */
    public boolean followEnded()
    {
        if (null == followSubscription)
        {
            return true;
        }
        if (followSubscription.imageCount() > 0)
        {
            followConnected = true;
            final Image image = followSubscription.imageAtIndex(0);
            return image.isEndOfStream() || image.isClosed();
        }
        return followConnected;
    }

    /**
     * The position after the last entry handed over.
     *
     * @return the position.
     */
    public long position()
    {
        return lastPosition;
    }

    /**
     * Stop following.
     */
    public void stopFollowing()
    {
        if (null != followSubscription)
        {
            CloseHelper.quietClose(followSubscription);
            followSubscription = null;
            try
            {
                archive.stopReplay(followSessionId);
            }
            catch (final RuntimeException ignore)
            {
                // Already ended.
            }
        }
    }

    /**
     * The number of entries handed over by the last read.
     *
     * @return the count.
     */
    public long entries()
    {
        return entries;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        stopFollowing();
    }

    /**
     * Aeron's image catches what a fragment handler throws, so a failure is kept here, later fragments ignored, and
     * the read loop throws it.
     */
    private void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        if (null != failure)
        {
            return;
        }
        try
        {
            onEntry(buffer, offset, length, header.position());
        }
        catch (final RuntimeException ex)
        {
            failure = ex;
        }
    }

    private void onEntry(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        if (!checkEntries)
        {
            handler.onEntry(buffer, offset, length, position);
            entries++;
            lastPosition = position;
            return;
        }
        final String problem = entryCheck.problem(buffer, offset, length);
        if (null != problem)
        {
            throw corrupt(problem, position);
        }
        try
        {
            handler.onEntry(buffer, offset, length, position);
        }
        catch (final SkeinException ex)
        {
            throw new SkeinException(ex.code(), SkeinException.Category.FATAL, "journal entry between positions " +
                lastPosition + " and " + position + " cannot be applied: " + ex.getMessage(), ex);
        }
        entries++;
        lastPosition = position;
    }

    private SkeinException corrupt(final String what, final long position)
    {
        return new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.FATAL,
            "journal entry between positions " + lastPosition + " and " + position + " " + what +
            ": the journal is corrupt or from another schema (skein journal verify names the first bad entry; " +
            "skein journal repair can cut the journal back to the last valid entry)", null);
    }

    /**
     * Thrown through the replay to end a read early; preallocated, no stack trace.
     */
    static final class StopRead extends RuntimeException
    {
        private static final long serialVersionUID = 1L;

        StopRead()
        {
            super("stop", null, false, false);
        }
    }
}
