package io.skein.benchmarks;

import io.aeron.Aeron;
import io.aeron.ExclusivePublication;
import io.aeron.FragmentAssembler;
import io.aeron.Publication;
import io.aeron.Subscription;
import io.aeron.logbuffer.FragmentHandler;
import io.aeron.logbuffer.Header;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.AgentRunner;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The raw baseline: the same request and reply sizes as Skein's, echoed by a bare Aeron agent on its own thread with
 * the same idle strategy as a node's ingress. No ring, no engine, no journal.
 */
final class RawEchoRoundTrip implements RoundTrip, FragmentHandler
{
    private final ExclusivePublication requests;
    private final Subscription replies;
    private final FragmentAssembler assembler = new FragmentAssembler(this);
    private final AgentRunner echoRunner;
    private final UnsafeBuffer request;
    private ReplyHandler handler;

    RawEchoRoundTrip(
        final Aeron aeron,
        final String requestChannel,
        final String replyChannel,
        final int requestLength,
        final int replyLength)
    {
        request = new UnsafeBuffer(new byte[requestLength]);
        final Subscription echoIn = aeron.addSubscription(requestChannel, 301);
        replies = aeron.addSubscription(replyChannel, 302);
        final Publication echoOut = aeron.addPublication(replyChannel, 302);
        requests = aeron.addExclusivePublication(requestChannel, 301);
        echoRunner = new AgentRunner(new BackoffIdleStrategy(10, 20, 1_000, 250_000), Throwable::printStackTrace,
            null, new Echo(echoIn, echoOut, replyLength));
        AgentRunner.startOnThread(echoRunner);
        final long deadlineNs = System.nanoTime() + 10_000_000_000L;
        while (!requests.isConnected() || !echoOut.isConnected())
        {
            if (System.nanoTime() > deadlineNs)
            {
                throw new IllegalStateException("the raw echo did not connect");
            }
            Thread.yield();
        }
    }

    @Override
    public boolean offer(final long correlationId)
    {
        request.putLong(0, correlationId);
        final long result = requests.offer(request, 0, request.capacity());
        if (result > 0)
        {
            return true;
        }
        if (result == Publication.BACK_PRESSURED || result == Publication.ADMIN_ACTION)
        {
            return false;
        }
        throw new IllegalStateException("raw echo publication failed: " + result);
    }

    @Override
    public int poll(final ReplyHandler handler)
    {
        this.handler = handler;
        return replies.poll(assembler, 64);
    }

    @Override
    public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
    {
        handler.onReply(buffer.getLong(offset));
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(echoRunner, requests, replies);
    }

    private static final class Echo implements Agent, FragmentHandler
    {
        private final Subscription in;
        private final Publication out;
        private final UnsafeBuffer reply;
        private final FragmentAssembler assembler = new FragmentAssembler(this);

        Echo(final Subscription in, final Publication out, final int replyLength)
        {
            this.in = in;
            this.out = out;
            this.reply = new UnsafeBuffer(new byte[replyLength]);
        }

        @Override
        public int doWork()
        {
            return in.poll(assembler, 16);
        }

        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            reply.putLong(0, buffer.getLong(offset));
            while (out.offer(reply, 0, reply.capacity()) < 0)
            {
                Thread.yield();
            }
        }

        @Override
        public void onClose()
        {
            CloseHelper.closeAll(in, out);
        }

        @Override
        public String roleName()
        {
            return "raw-echo";
        }
    }
}
