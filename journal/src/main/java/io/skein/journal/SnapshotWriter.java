package io.skein.journal;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.ChannelUriStringBuilder;
import io.aeron.CommonContext;
import io.aeron.ExclusivePublication;
import io.aeron.Publication;
import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.codecs.SourceLocation;
import io.aeron.archive.status.RecordingPos;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.status.CountersReader;

/**
 * Writes one snapshot as its own archive recording. The snapshot counts only once {@link #finish(long, long)} has
 * seen it fully recorded, the journal durable up to the position it reflects, and its entry forced to the recording
 * log; anything less is discarded on the next start.
 */
public final class SnapshotWriter implements AutoCloseable
{
    private final Journal journal;
    private final AeronArchive archive;
    private final ExclusivePublication publication;
    private final CountersReader counters;
    private final IdleStrategy idle = new BackoffIdleStrategy();
    private final long timeoutNs;
    private final int counterId;
    private final long recordingId;
    private boolean finished;

    SnapshotWriter(
        final Journal journal,
        final Aeron aeron,
        final AeronArchive archive,
        final int streamId,
        final int termLength,
        final long timeoutNs)
    {
        this.journal = journal;
        this.archive = archive;
        this.timeoutNs = timeoutNs;
        this.counters = aeron.countersReader();
        final String channel = new ChannelUriStringBuilder().media(CommonContext.IPC_MEDIA).termLength(termLength)
            .build();
        publication = aeron.addExclusivePublication(channel, streamId);
        archive.startRecording(ChannelUri.addSessionId(channel, publication.sessionId()), streamId,
            SourceLocation.LOCAL, true);
        final long deadlineNs = System.nanoTime() + timeoutNs;
        int id;
        while (CountersReader.NULL_COUNTER_ID ==
            (id = RecordingPos.findCounterIdBySession(counters, publication.sessionId(), archive.archiveId())))
        {
            checkDeadline(deadlineNs, "the archive did not start recording the snapshot");
            idle.idle();
        }
        counterId = id;
        recordingId = RecordingPos.getRecordingId(counters, counterId);
    }

    /**
     * The snapshot's recording id.
     *
     * @return the recording id.
     */
    public long recordingId()
    {
        return recordingId;
    }

    /**
     * The largest message a snapshot takes.
     *
     * @return length in bytes.
     */
    public int maxMessageLength()
    {
        return publication.maxMessageLength();
    }

    /**
     * Append one snapshot message, waiting (bounded) out back-pressure.
     *
     * @param buffer holding the message.
     * @param offset of the message.
     * @param length of the message.
     */
    public void append(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length > publication.maxMessageLength())
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "snapshot message of " + length +
                " bytes exceeds the maximum of " + publication.maxMessageLength() + " (term length / 8)");
        }
        final long deadlineNs = System.nanoTime() + timeoutNs;
        idle.reset();
        long result;
        while ((result = publication.offer(buffer, offset, length)) < 0)
        {
            if (result != Publication.BACK_PRESSURED && result != Publication.ADMIN_ACTION)
            {
                throw new SkeinException(SkeinException.Code.STORAGE, "snapshot publication cannot take messages: " +
                    Publication.errorString(result));
            }
            checkDeadline(deadlineNs, "the snapshot stayed back-pressured");
            idle.idle();
        }
    }

    /**
     * Wait until the snapshot is fully recorded and the journal durable to the snapshot's position, stop the
     * recording, and enter the snapshot in the recording log.
     *
     * @param journalPosition the snapshot reflects.
     * @param epoch           in force.
     * @param timestampMs     of the snapshot by the engine's clock, so "as of a time" queries can choose it.
     * @return the recording log entry.
     */
    public RecordingLog.Entry finish(final long journalPosition, final long epoch, final long timestampMs)
    {
        final long end = publication.position();
        final long deadlineNs = System.nanoTime() + timeoutNs;
        idle.reset();
        while (counters.getCounterValue(counterId) < end)
        {
            checkDeadline(deadlineNs, "the snapshot was not recorded");
            idle.idle();
        }
        if (!journal.awaitDurable(journalPosition, timeoutNs))
        {
            throw new SkeinException(SkeinException.Code.STORAGE, "the journal did not become durable to " +
                journalPosition + " for the snapshot");
        }
        archive.stopRecording(publication);
        CloseHelper.quietClose(publication);
        finished = true;
        return journal.recordingLog().append(
            RecordingLog.TYPE_SNAPSHOT, recordingId, journalPosition, epoch, timestampMs);
    }

    /**
     * Abandon an unfinished snapshot: its recording is never entered in the log.
     */
    @Override
    public void close()
    {
        if (!finished)
        {
            try
            {
                archive.stopRecording(publication);
            }
            catch (final RuntimeException ignore)
            {
                // Already stopped.
            }
            CloseHelper.quietClose(publication);
        }
    }

    private void checkDeadline(final long deadlineNs, final String what)
    {
        if (System.nanoTime() - deadlineNs >= 0)
        {
            throw new SkeinException(SkeinException.Code.TIMEOUT, what + " within " + timeoutNs + "ns");
        }
    }
}
