package io.skein.replication;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.Subscription;
import io.aeron.archive.client.AeronArchive;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.SnapshotBeginDecoder;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.CloseHelper;

/**
 * Reads a snapshot recording's begin marker (the journal position it reflects, its epoch and time) by replaying its
 * first message from the local archive.
 */
final class SnapshotHeader
{
    private static final int REPLAY_STREAM_ID = 1005;

    private SnapshotHeader()
    {
    }

    /**
     * Read a snapshot's begin marker.
     *
     * @return {recording id, journal position, epoch, timestamp in ms}.
     */
    static long[] read(final Aeron aeron, final AeronArchive archive, final long recordingId, final long timeoutNs)
    {
        final long startPosition = archive.getStartPosition(recordingId);
        final long replaySessionId = archive.startReplay(
            recordingId, startPosition, AeronArchive.NULL_LENGTH, "aeron:ipc", REPLAY_STREAM_ID);
        final Subscription subscription = aeron.addSubscription(
            ChannelUri.addSessionId("aeron:ipc", (int)replaySessionId), REPLAY_STREAM_ID);
        try
        {
            final long[] header = {recordingId, Aeron.NULL_VALUE, 0, 0};
            final long deadlineNs = System.nanoTime() + timeoutNs;
            while (Aeron.NULL_VALUE == header[1])
            {
                subscription.poll((buffer, offset, length, fragmentHeader) ->
                {
                    final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder().wrap(buffer, offset);
                    if (Aeron.NULL_VALUE == header[1] && headerDecoder.schemaId() == SkeinProtocol.SCHEMA_ID &&
                        headerDecoder.templateId() == SnapshotBeginDecoder.TEMPLATE_ID)
                    {
                        final SnapshotBeginDecoder begin = new SnapshotBeginDecoder().wrap(buffer,
                            offset + MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
                            headerDecoder.version());
                        header[1] = begin.journalPosition();
                        header[2] = begin.epoch();
                        header[3] = begin.timestampNs() / 1_000_000;
                    }
                }, 1);
                if (System.nanoTime() - deadlineNs > 0)
                {
                    throw new SkeinException(SkeinException.Code.TIMEOUT, "could not read the snapshot's begin marker");
                }
                Thread.yield();
            }
            return header;
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
                // The replay may have ended already.
            }
        }
    }
}
