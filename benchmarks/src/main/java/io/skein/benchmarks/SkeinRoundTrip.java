package io.skein.benchmarks;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.skein.client.ClientListener;
import io.skein.client.SendResult;
import io.skein.client.SkeinClient;
import io.skein.codecs.Outcome;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Deposits into one of 1,000 bank accounts through Skein's client: each a command journaled and recorded before its
 * reply is released.
 */
final class SkeinRoundTrip implements RoundTrip, ClientListener
{
    static final int ACCOUNTS = 1_000;

    private final SkeinClient client;
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final DepositEncoder deposit = new DepositEncoder();
    private final long runId = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
    private ReplyHandler handler;

    SkeinRoundTrip(final Aeron aeron, final String ingressChannel, final String responseChannel)
    {
        client = SkeinClient.connect(new SkeinClient.Context()
            .aeron(aeron)
            .ingressChannel(ingressChannel)
            .responseChannel(responseChannel)
            .responseStreamId(202)
            .listener(this));
        final OpenAccountEncoder open = new OpenAccountEncoder();
        for (int account = 1; account <= ACCOUNTS; account++)
        {
            writer.wrap(buffer, 0).correlationId(-account).aggregate(BankAccount.TYPE_ID, account)
                .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
            writer.body(open).ownerId(account).initialDeposit(0);
            final CommandResult result = client.send(buffer, 0, writer.length(), TimeUnit.SECONDS.toNanos(10));
            if (result.outcome() != Outcome.ACCEPTED && result.outcome() != Outcome.CONFLICT)
            {
                throw new SkeinException(SkeinException.Code.GENERIC, "could not open account " + account);
            }
        }
    }

    /**
     * Bytes on the ingress per request: session header, envelope and the deposit.
     *
     * @return the length.
     */
    int requestLength()
    {
        writer.wrap(buffer, 0);
        writer.body(deposit).amount(1);
        return SkeinProtocol.HEADER_LENGTH + 8 + writer.length();
    }

    @Override
    public boolean offer(final long correlationId)
    {
        writer.wrap(buffer, 0).correlationId(correlationId)
            .aggregate(BankAccount.TYPE_ID, 1 + (correlationId % ACCOUNTS))
            .idempotencyKey(runId, correlationId + 1);
        writer.body(deposit).amount(1);
        final SendResult result = client.offer(buffer, 0, writer.length());
        if (result == SendResult.SENT)
        {
            return true;
        }
        if (result == SendResult.BACK_PRESSURED)
        {
            return false;
        }
        throw new SkeinException(SkeinException.Code.NOT_CONNECTED, "lost the node: " + client.disconnectReason());
    }

    @Override
    public int poll(final ReplyHandler handler)
    {
        this.handler = handler;
        return client.poll();
    }

    @Override
    public void onReply(final Reply reply)
    {
        if (reply.correlationId() < 0)
        {
            return;
        }
        if (reply.outcome() != Outcome.ACCEPTED)
        {
            throw new IllegalStateException("a benchmark deposit was not accepted: " + reply);
        }
        handler.onReply(reply.correlationId());
    }

    @Override
    public void close()
    {
        client.close();
    }
}
