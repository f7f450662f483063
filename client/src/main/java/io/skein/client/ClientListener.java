package io.skein.client;

import io.skein.protocol.Reply;

/**
 * Receives what the node sends to a client, on the thread calling {@link SkeinClient#poll()}. An exception thrown
 * from a callback goes to the Aeron client's error handler and delivery carries on with the next message.
 */
public interface ClientListener
{
    /**
     * One command's reply.
     *
     * @param reply a view valid only during this call; copy with {@link Reply#toResult()} to keep it.
     */
    void onReply(Reply reply);

    /**
     * The node closed the session (it timed out, the node is shutting down) or sent an error about it.
     *
     * @param closed  true if the session is closed, false for an error on a session that stays open.
     * @param message the node's reason.
     */
    default void onSessionEvent(final boolean closed, final String message)
    {
    }
}
