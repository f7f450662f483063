package io.skein.engine;

import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

import com.lmax.disruptor.AlertException;
import com.lmax.disruptor.Sequence;
import com.lmax.disruptor.SequenceBarrier;
import com.lmax.disruptor.WaitStrategy;

/**
 * How the writer and the reply stage wait: spin briefly, yield a little, then sleep until there is work, so an engine
 * at rest costs no CPU and the first command after a rest wakes the writer at once (one futex wake-up).
 * <ul>
 *     <li>The first stage (the writer, whose barrier follows the ring's cursor) blocks on a monitor once the ring is
 *     empty; a producer's publish notifies it, but only when it has said it is blocked, so a busy engine's producers
 *     pay a fence and a volatile read per publish, no lock.</li>
 *     <li>A later stage (the reply stage, waiting on the writer's sequence) naps in short sleeps while a published
 *     command is in the writer's hands. With nothing published it blocks on a monitor of its own that the writer
 *     signals through {@link #signalDownstream(long)}, not on the producers' publishes: a publish would wake it only to
 *     find the writer still busy with the command, and a command whose reply the writer hands over itself (a
 *     {@link SyncCaller}'s in memory) needs no reply stage at all. The writer also signals
 *     before it goes to sleep itself if it made steps it did not signal, and when it shuts down (a halt's alert
 *     goes through {@link #signalAllWhenBlocking()}, which only the writer's monitor hears); as a last resort the
 *     later stage wakes every {@value #DOWNSTREAM_SAFETY_MS} ms on its own.</li>
 * </ul>
 * The fence in each signal orders the signaller's sequence update before its read of the blocked flag; the waiting
 * stage sets the flag before it checks the sequence once more under the monitor, so a signal is never missed (the
 * Dekker pattern that Disruptor's lite blocking strategy gets from an atomic exchange).
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

    /**
     * The longest a later stage blocks without a signal, in milliseconds.
     */
    static final long DOWNSTREAM_SAFETY_MS = 100;

    private static final long NAP_NS = 20_000;

    private final int spins;
    private final int yields;
    private final Object monitor = new Object();
    private final Object downstreamMonitor = new Object();
    private volatile boolean blocked;
    private volatile boolean downstreamBlocked;
    private long signalledUpTo = -1;

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
            else if (dependentSequence != cursor && cursor.get() >= sequence)
            {
                // A later stage, and the command is published: the writer has it in hand and will be done soon.
                LockSupport.parkNanos(NAP_NS);
            }
            else if (dependentSequence != cursor)
            {
                // A later stage with nothing published: the writer signals when it has finished a step that left
                // this stage something to do.
                synchronized (downstreamMonitor)
                {
                    downstreamBlocked = true;
                    if (dependentSequence.get() < sequence)
                    {
                        barrier.checkAlert();
                        downstreamMonitor.wait(DOWNSTREAM_SAFETY_MS);
                    }
                }
            }
            else
            {
                if (signalledUpTo < sequence - 1)
                {
                    // Going to sleep with steps the later stage was not told of (replies the writer handed over
                    // itself): let it free those slots now rather than when its safety wake comes.
                    signalDownstream(sequence - 1);
                }
                synchronized (monitor)
                {
                    blocked = true;
                    if (cursor.get() < sequence)
                    {
                        barrier.checkAlert();
                        monitor.wait();
                    }
                }
                // Woken by a publish: spin and yield again.
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

    /**
     * Wake a later stage (the reply stage) blocked waiting for the first stage's sequence: called on the writer's
     * thread after it has made its sequence visible. Costs a fence and a volatile read when no stage is blocked.
     *
     * @param upTo the first stage's sequence made visible.
     */
    public void signalDownstream(final long upTo)
    {
        signalledUpTo = upTo;
        VarHandle.fullFence();
        if (downstreamBlocked)
        {
            synchronized (downstreamMonitor)
            {
                downstreamBlocked = false;
                downstreamMonitor.notifyAll();
            }
        }
    }
}
