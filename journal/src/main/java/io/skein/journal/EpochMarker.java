package io.skein.journal;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.ExclusivePublication;
import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.codecs.SourceLocation;
import io.skein.protocol.SkeinException;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Records a leadership epoch where any follower can read it without a replay: a tiny archive recording whose channel
 * alias names the epoch and the journal position it began at ({@code skein-epoch-E-at-P}). Listing the leader's
 * recordings on the epoch stream finds the newest.
 */
final class EpochMarker
{
    static final int STREAM_ID = 1004;
    private static final String PREFIX = "skein-epoch-";

    private EpochMarker()
    {
    }

    static void record(
        final Aeron aeron, final AeronArchive archive, final long epoch, final long position, final long timeoutNs)
    {
        final String channel = "aeron:ipc?alias=" + PREFIX + epoch + "-at-" + position;
        try (ExclusivePublication publication = aeron.addExclusivePublication(channel, STREAM_ID))
        {
            final String recorded = ChannelUri.addSessionId(channel, publication.sessionId());
            archive.startRecording(recorded, STREAM_ID, SourceLocation.LOCAL, true);
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[16]);
            buffer.putLong(0, epoch);
            buffer.putLong(8, position);
            final long deadlineNs = System.nanoTime() + timeoutNs;
            while (publication.offer(buffer, 0, 16) < 0)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new SkeinException(SkeinException.Code.TIMEOUT, "could not record epoch " + epoch);
                }
                Thread.yield();
            }
            final long end = publication.position();
            // The archive starts the recording when it sees the publication's image: until then it is not listed.
            long recordingId;
            while (Aeron.NULL_VALUE == (recordingId = findRecording(archive, epoch)))
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new SkeinException(SkeinException.Code.TIMEOUT, "epoch " + epoch + " was not recorded");
                }
                Thread.yield();
            }
            while (archive.getRecordingPosition(recordingId) < end)
            {
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new SkeinException(SkeinException.Code.TIMEOUT, "epoch " + epoch + " was not recorded");
                }
                try
                {
                    Thread.sleep(1);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            archive.stopRecording(recorded, STREAM_ID);
        }
    }

    private static long findRecording(final AeronArchive archive, final long epoch)
    {
        final long[] found = {Aeron.NULL_VALUE};
        archive.listRecordingsForUri(0, 10_000, "aeron:ipc", STREAM_ID,
            (controlSessionId, correlationId, recordingId, startTimestamp, stopTimestamp, startPosition,
            stopPosition, initialTermId, segmentFileLength, termBufferLength, mtuLength, sessionId, streamId,
            strippedChannel, originalChannel, sourceIdentity) ->
            {
                final String alias = ChannelUri.parse(originalChannel).get("alias");
                if (null != alias && alias.startsWith(PREFIX + epoch + "-at-"))
                {
                    found[0] = recordingId;
                }
            });
        return found[0];
    }

    static long[] latest(final AeronArchive archive)
    {
        final long[] latest = {-1, -1};
        archive.listRecordingsForUri(0, 10_000, "aeron:ipc", STREAM_ID,
            (controlSessionId, correlationId, recordingId, startTimestamp, stopTimestamp, startPosition,
            stopPosition, initialTermId, segmentFileLength, termBufferLength, mtuLength, sessionId, streamId,
            strippedChannel, originalChannel, sourceIdentity) ->
            {
                final String alias = ChannelUri.parse(originalChannel).get("alias");
                if (null != alias && alias.startsWith(PREFIX))
                {
                    final String[] parts = alias.substring(PREFIX.length()).split("-at-");
                    final long epoch = Long.parseLong(parts[0]);
                    if (epoch > latest[0])
                    {
                        latest[0] = epoch;
                        latest[1] = Long.parseLong(parts[1]);
                    }
                }
            });
        return latest[0] < 0 ? null : latest;
    }
}
