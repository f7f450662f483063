package io.skein.cli;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.skein.client.SendResult;
import io.skein.cluster.SkeinClusterClient;
import io.skein.codecs.AdminAction;
import io.skein.codecs.CommandEnvelopeDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.Outcome;
import io.skein.protocol.CommandResult;
import io.skein.protocol.SkeinException;
import org.agrona.DirectBuffer;

/**
 * A {@link CommandSession} to a cluster: a {@link SkeinClusterClient}, which follows the leader and resends the
 * commands in flight that carry an idempotency key after a failover. It holds every command until a leader takes it,
 * so {@link #offer} says SENT for each; the window of commands in flight is the caller's to bound. A command the
 * client gives up on (sent without a key before a leader change, for one) reaches the listener as UNKNOWN.
 */
final class ClusterSession implements CommandSession
{
    private final CommandSession.Listener listener;
    private final SkeinClusterClient client;
    private final CommandEnvelopeDecoder envelope = new CommandEnvelopeDecoder();

    ClusterSession(final SkeinClusterClient client, final CommandSession.Listener listener)
    {
        this.client = client;
        this.listener = listener;
    }

    @Override
    public CommandResult send(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        return client.send(buffer, offset, length, timeoutNs);
    }

    @Override
    public SendResult offer(final DirectBuffer buffer, final int offset, final int length)
    {
        final long correlationId = envelope.wrap(buffer, offset + MessageHeaderDecoder.ENCODED_LENGTH,
            CommandEnvelopeDecoder.BLOCK_LENGTH, CommandEnvelopeDecoder.SCHEMA_VERSION).correlationId();
        final CompletableFuture<CommandResult> future = client.submit(buffer, offset, length);
        if (null != listener)
        {
            // Completed by poll() on this thread (or at once if the client refused the command).
            future.whenComplete((result, error) -> onComplete(correlationId, result, error));
        }
        return SendResult.SENT;
    }

    private void onComplete(final long correlationId, final CommandResult result, final Throwable error)
    {
        if (null != result)
        {
            listener.onOutcome(correlationId, result.outcome(), result.reason());
            return;
        }
        final Throwable cause = error instanceof CompletionException && null != error.getCause() ?
            error.getCause() : error;
        final boolean unknown = cause instanceof SkeinException &&
            ((SkeinException)cause).code() == SkeinException.Code.UNKNOWN_OUTCOME;
        listener.onOutcome(correlationId, unknown ? Outcome.UNKNOWN : Outcome.ERROR, null);
    }

    @Override
    public long admin(final AdminAction action, final long timeoutNs)
    {
        return client.admin(action, timeoutNs);
    }

    @Override
    public int poll()
    {
        return client.poll();
    }

    @Override
    public String disconnectReason()
    {
        return "the cluster client lost its session";
    }

    @Override
    public long leaderChanges()
    {
        return client.leaderChanges();
    }

    @Override
    public long resent()
    {
        return client.resent();
    }

    @Override
    public long reconnects()
    {
        return client.reconnects();
    }

    @Override
    public void close()
    {
        client.close();
    }
}
