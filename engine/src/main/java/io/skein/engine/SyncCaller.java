package io.skein.engine;

import java.util.concurrent.locks.LockSupport;

import io.skein.protocol.Reply;
import io.skein.protocol.SkeinException;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;

/**
 * A blocking call into the engine that allocates nothing: submit one command and wait for its reply. For a request
 * thread that calls the engine one command at a time, where {@code submit(...).get()} would allocate a future (and
 * its waiter node) per command.
 * <p>
 * One caller serves one thread at a time (make one per calling thread with {@link SkeinEngine#newSyncCaller()}).
 * The waiting spins briefly, then yields, then parks until the reply stage unparks it, so a caller waiting on a slow
 * (journaled) reply uses no CPU. The reply returned is a view of this caller's own copy, valid until its next call.
 * <p>
 * If no reply comes within the timeout the call throws {@link SkeinException.Code#UNKNOWN_OUTCOME}: the command was
 * offered and may still be decided. The next call first waits (within its own timeout) for that late reply and drops
 * it, so a late reply is never taken for the next command's.
 */
public final class SyncCaller implements ReplyListener
{
    private static final int SPINS = 100;
    private static final int YIELDS = 100;
    private static final long MAX_PARK_NS = 1_000_000;

    private final SkeinEngine engine;
    private final ExpandableArrayBuffer copy = new ExpandableArrayBuffer(512);
    private final Reply reply = new Reply();
    private volatile boolean replied = true;
    private volatile Thread waiter;

    SyncCaller(final SkeinEngine engine)
    {
        this.engine = engine;
    }

    /**
     * Submit a command and wait for its reply.
     *
     * @param buffer    holding the command.
     * @param offset    of the command.
     * @param length    of the command.
     * @param timeoutNs the longest to wait, for room in the ring and then for the reply.
     * @return the reply, valid until this caller's next call.
     * @throws SkeinException {@code TIMEOUT} if the ring stayed full (the command was not offered), {@code CLOSED} if
     * the engine is closed, {@code UNKNOWN_OUTCOME} if the command was offered but not answered in time.
     */
    public Reply call(final DirectBuffer buffer, final int offset, final int length, final long timeoutNs)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        if (!replied && !await(deadlineNs))
        {
            throw new SkeinException(SkeinException.Code.UNKNOWN_OUTCOME,
                "the previous command's reply has still not come; this command was not offered");
        }
        replied = false;
        final OfferResult result = engine.offer(buffer, offset, length, this, timeoutNs);
        if (result != OfferResult.OFFERED)
        {
            replied = true;
            if (result == OfferResult.CLOSED)
            {
                throw new SkeinException(SkeinException.Code.CLOSED, "the engine is closed");
            }
            throw new SkeinException(SkeinException.Code.TIMEOUT, "the ring stayed full for " + timeoutNs + "ns");
        }
        if (!await(deadlineNs))
        {
            throw new SkeinException(SkeinException.Code.UNKNOWN_OUTCOME,
                "no reply within " + timeoutNs + "ns; the command may still be decided");
        }
        return reply.wrapTrusted(copy, 0);
    }

    /**
     * Called by the engine's reply stage: copy the reply and wake the caller.
     *
     * @param incoming the reply, valid only during this call.
     */
    @Override
    public void onReply(final Reply incoming)
    {
        copy.putBytes(0, incoming.buffer(), incoming.offset(), incoming.encodedLength());
        replied = true;
        final Thread parked = waiter;
        if (null != parked)
        {
            LockSupport.unpark(parked);
        }
    }

    private boolean await(final long deadlineNs)
    {
        int counter = 0;
        while (!replied)
        {
            if (counter < SPINS)
            {
                Thread.onSpinWait();
                counter++;
            }
            else if (counter < SPINS + YIELDS)
            {
                Thread.yield();
                counter++;
            }
            else
            {
                final long leftNs = deadlineNs - System.nanoTime();
                if (leftNs <= 0)
                {
                    return false;
                }
                // Dekker with onReply: publish the waiter, then check once more before parking.
                waiter = Thread.currentThread();
                if (!replied)
                {
                    LockSupport.parkNanos(this, Math.min(leftNs, MAX_PARK_NS));
                }
                waiter = null;
            }
        }
        return true;
    }
}
