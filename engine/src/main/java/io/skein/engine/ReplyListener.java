package io.skein.engine;

import io.skein.protocol.Reply;

/**
 * Receives the reply to a command, on the engine's reply thread, never on the single writer. A listener that is slow
 * holds up later replies but never the writer; one that throws has its error counted and reported.
 */
@FunctionalInterface
public interface ReplyListener
{
    /**
     * One command's reply.
     *
     * @param reply a view valid only during this call; copy with {@link Reply#toResult()} to keep it.
     */
    void onReply(Reply reply);
}
