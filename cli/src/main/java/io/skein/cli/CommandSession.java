package io.skein.cli;

import io.skein.client.SendResult;
import io.skein.codecs.AdminAction;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.protocol.CommandResult;
import org.agrona.DirectBuffer;

/**
 * One client session the send and load commands drive: to a node ({@link NodeSession}, a {@code SkeinClient}) or to a
 * cluster ({@link ClusterSession}, a {@code SkeinClusterClient} following the leader). Single-threaded: the thread
 * that sends also polls, and outcomes reach the listener on it.
 */
interface CommandSession extends AutoCloseable
{
    /**
     * Told each outcome of a command sent with {@link #offer}, on the polling thread.
     */
    interface Listener
    {
        /**
         * One command's outcome.
         *
         * @param correlationId of the command.
         * @param outcome       the outcome; UNKNOWN if the session could not learn it, ERROR if it could not send it.
         * @param reason        why it was rejected, or null.
         */
        void onOutcome(long correlationId, Outcome outcome, RejectReason reason);
    }

    /**
     * Send a command and wait for its outcome, polling meanwhile.
     *
     * @param buffer    holding the command: envelope and domain command.
     * @param offset    of the command.
     * @param length    of the command.
     * @param timeoutNs the longest to wait.
     * @return the result.
     * @throws io.skein.protocol.SkeinException if no outcome came in time or it cannot be known.
     */
    CommandResult send(DirectBuffer buffer, int offset, int length, long timeoutNs);

    /**
     * Send a command without waiting; its outcome goes to the listener from a later {@link #poll()}.
     *
     * @param buffer holding the command.
     * @param offset of the command.
     * @param length of the command.
     * @return SENT (a cluster session also says so for a command it holds until a leader takes it), BACK_PRESSURED
     * to try again later, or NOT_CONNECTED or CLOSED.
     */
    SendResult offer(DirectBuffer buffer, int offset, int length);

    /**
     * Ask for an operator value: a state hash, the aggregate count, or a snapshot (then its position).
     *
     * @param action    the action.
     * @param timeoutNs the longest to wait.
     * @return the value answered.
     * @throws io.skein.protocol.SkeinException if refused or not answered in time.
     */
    long admin(AdminAction action, long timeoutNs);

    /**
     * Read replies and do the session's housekeeping.
     *
     * @return the amount of work done.
     */
    int poll();

    /**
     * Why the session is not connected, for messages.
     *
     * @return the reason.
     */
    String disconnectReason();

    /**
     * New leaders the session followed.
     *
     * @return the count; 0 for a node.
     */
    long leaderChanges();

    /**
     * Commands sent again with their idempotency keys after a leader change.
     *
     * @return the count; 0 for a node.
     */
    long resent();

    /**
     * Times the session was lost and opened again.
     *
     * @return the count; 0 for a node.
     */
    long reconnects();

    /**
     * Close the session.
     */
    @Override
    void close();
}
