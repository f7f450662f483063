package io.skein.cli;

import io.skein.client.ClientListener;
import io.skein.client.SendResult;
import io.skein.client.SkeinClient;
import io.skein.codecs.AdminAction;
import io.skein.protocol.CommandResult;
import io.skein.protocol.Reply;
import org.agrona.DirectBuffer;

/**
 * A {@link CommandSession} to one node: a {@link SkeinClient} whose replies go to the listener.
 */
final class NodeSession implements CommandSession, ClientListener
{
    private final CommandSession.Listener listener;
    private final SkeinClient client;

    NodeSession(final ClientOptions.Connection connection, final CommandSession.Listener listener)
    {
        this.listener = listener;
        this.client = connection.connect(null == listener ? null : this);
    }

    @Override
    public CommandResult send(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        return client.send(buffer, offset, length, timeoutNs);
    }

    @Override
    public SendResult offer(final DirectBuffer buffer, final int offset, final int length)
    {
        return client.offer(buffer, offset, length);
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
        return client.disconnectReason();
    }

    @Override
    public long leaderChanges()
    {
        return 0;
    }

    @Override
    public long resent()
    {
        return 0;
    }

    @Override
    public long reconnects()
    {
        return 0;
    }

    @Override
    public void onReply(final Reply reply)
    {
        listener.onOutcome(reply.correlationId(), reply.outcome(), reply.reason());
    }

    @Override
    public void close()
    {
        client.close();
    }
}
