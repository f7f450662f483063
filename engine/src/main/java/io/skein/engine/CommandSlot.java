package io.skein.engine;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * One pre-allocated entry of the input ring: the command's bytes, copied in by the producer, and the reply written by
 * the single writer for the reply stage to deliver. The reply stage runs after the writer on the same ring, so the
 * slot is not reused until its reply has been delivered.
 */
final class CommandSlot
{
    final UnsafeBuffer command;
    final UnsafeBuffer reply;
    int commandLength;
    int keptLength;
    int replyLength;
    long journalPosition;
    ReplyListener listener;
    EngineTask task;
    boolean isCommand;

    CommandSlot(final int maxCommandLength, final int maxReplyLength)
    {
        command = new UnsafeBuffer(new byte[maxCommandLength]);
        reply = new UnsafeBuffer(new byte[maxReplyLength]);
    }
}
