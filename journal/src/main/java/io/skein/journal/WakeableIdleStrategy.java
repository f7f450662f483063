package io.skein.journal;

import java.util.concurrent.locks.LockSupport;

import org.agrona.concurrent.IdleStrategy;

/**
 * The embedded archive's idle strategy: Agrona's back-off (spin, yield, then park with a doubling period up to a
 * limit) that a producer in the same process can cut short. {@link #wake()} is called by the journal after each
 * append, so the archive's recorder, parked for up to a millisecond on an idle duty cycle, records the entry at once
 * instead of at the end of its nap: replies wait on that recording.
 * <p>
 * A wake is never lost: the producer counts its wakes and then looks for a parked thread; the agent publishes
 * itself as parked and then looks at the count, not parking if it moved since its last duty cycle (a count that moved
 * during the cycle may mean an entry its poll did not see yet).
 */
final class WakeableIdleStrategy implements IdleStrategy
{
    private static final int MAX_SPINS = 10;
    private static final int MAX_YIELDS = 5;
    private static final long MIN_PARK_NS = 1_000;

    private final long minParkNs;
    private final long maxParkNs;
    private volatile long wakes;
    private volatile Thread parked;
    private long seenWakes;
    private int spins;
    private int yields;
    private long parkNs;

    /**
     * A strategy parking at most this long between duty cycles with nothing to do.
     *
     * @param maxParkNs the longest park.
     */
    WakeableIdleStrategy(final long maxParkNs)
    {
        this(MIN_PARK_NS, maxParkNs);
    }

    /**
     * A strategy whose parks start at {@code minParkNs} and double up to {@code maxParkNs}.
     *
     * @param minParkNs the first park.
     * @param maxParkNs the longest park.
     */
    WakeableIdleStrategy(final long minParkNs, final long maxParkNs)
    {
        this.minParkNs = minParkNs;
        this.maxParkNs = maxParkNs;
        this.parkNs = minParkNs;
    }

    /**
     * Wake the agent if it is parked, or keep it from parking after its current duty cycle.
     */
    void wake()
    {
        wakes = wakes + 1;
        final Thread thread = parked;
        if (null != thread)
        {
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void idle(final int workCount)
    {
        if (workCount > 0)
        {
            reset();
        }
        else
        {
            idle();
        }
    }

    @Override
    public void idle()
    {
        final long current = wakes;
        if (current != seenWakes)
        {
            seenWakes = current;
            reset();
            return;
        }
        if (spins < MAX_SPINS)
        {
            spins++;
            Thread.onSpinWait();
        }
        else if (yields < MAX_YIELDS)
        {
            yields++;
            Thread.yield();
        }
        else
        {
            parked = Thread.currentThread();
            if (wakes == seenWakes)
            {
                LockSupport.parkNanos(this, parkNs);
            }
            parked = null;
            parkNs = Math.min(parkNs << 1, maxParkNs);
        }
    }

    @Override
    public void reset()
    {
        spins = 0;
        yields = 0;
        parkNs = minParkNs;
    }

    @Override
    public String alias()
    {
        return "skein-wakeable-backoff";
    }
}
