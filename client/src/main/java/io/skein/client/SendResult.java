package io.skein.client;

/**
 * What became of an attempt to send a command to the node.
 */
public enum SendResult
{
    /**
     * The command is on its way; its reply will arrive through {@link SkeinClient#poll()}.
     */
    SENT,

    /**
     * The ingress is full (the node is busy or the network is slow): nothing was sent, try again later.
     */
    BACK_PRESSURED,

    /**
     * The node cannot be reached or the session is not open: nothing was sent. Reconnect, then resend with the
     * same idempotency key.
     */
    NOT_CONNECTED,

    /**
     * The client is closed.
     */
    CLOSED
}
