package io.skein.engine;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

/**
 * How the writer and the reply stage wait: spin briefly, yield a little, then sleep until a producer publishes, so
 * an engine at rest costs no CPU and the first command after a rest wakes the writer at once (one futex wake-up).
 * <ul>
 *     <li>Nothing published yet (the ring is empty): after the spins and yields the stage blocks on a monitor; a
 *     producer's publish notifies it, but only when a stage has said it is blocked, so a busy engine's producers pay
 *     a fence and a volatile read per publish, no lock.</li>
 *     <li>Published but the stage before is still working on it (the reply stage waiting for the writer): the
 *     writer is busy and will be done soon, so the stage parks in short naps instead of blocking, never spinning
 *     for long.</li>
 * </ul>
 * The fence in {@link #signalAllWhenBlocking()} orders the producer's publish before its read of the blocked flag;
 * the waiting stage sets the flag before it checks the sequence once more under the monitor, so a publish is never
 * missed (the Dekker pattern that Disruptor's lite blocking strategy gets from an atomic exchange).
 */
public final class RestingWaitStrategy implements WaitStrategy
{
    /**
     * Spins before yielding.
     */
    public static final int SPINS_DEFAULT = 200;

    /**
     * Yields before sleeping.
     */
    public static final int YIELDS_DEFAULT = 50;

    private static final long NAP_NS = 20_000;

    private final int spins;
    private final int yields;
    private final Object monitor = new Object();
    private volatile boolean blocked;

    /**
     * With the default spins and yields.
     */
    public RestingWaitStrategy()
    {
        this(SPINS_DEFAULT, YIELDS_DEFAULT);
    }

    /**
     * With given spins and yields before sleeping.
     *
     * @param spins  busy checks before yielding.
     * @param yields checks with a yield between them before sleeping.
     */
    public RestingWaitStrategy(final int spins, final int yields)
    {
        if (spins < 0 || yields < 0)
        {
            throw new IllegalArgumentException("spins and yields must not be negative: " + spins + ", " + yields);
        }
        this.spins = spins;
        this.yields = yields;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public long waitFor(
        final long sequence, final Sequence cursor, final Sequence dependentSequence, final SequenceBarrier barrier)
        throws AlertException, InterruptedException
    {
        long available;
        int counter = 0;
        while ((available = dependentSequence.get()) < sequence)
        {
            barrier.checkAlert();
            if (counter < spins)
            {
                Thread.onSpinWait();
                counter++;
            }
            else if (counter < spins + yields)
            {
                Thread.yield();
                counter++;
            }
            else if (cursor.get() >= sequence)
            {
                // Published; the stage before this one has it in hand.
                LockSupport.parkNanos(NAP_NS);
            }
            else
            {
                synchronized (monitor)
                {
                    blocked = true;
                    if (cursor.get() < sequence)
                    {
                        barrier.checkAlert();
                        monitor.wait();
                    }
                }
                // Woken by a publish: spin and yield again while the stage before this one handles it.
                counter = 0;
            }
        }
        return available;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void signalAllWhenBlocking()
    {
        VarHandle.fullFence();
        if (blocked)
        {
            synchronized (monitor)
            {
                blocked = false;
                monitor.notifyAll();
            }
        }
    }
}
