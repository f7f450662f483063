package io.skein.journal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class WakeableIdleStrategyTest
{
    private static final long TEN_SECONDS_NS = TimeUnit.SECONDS.toNanos(10);

    @Test
    void aWakeCutsAParkShort() throws Exception
    {
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(TEN_SECONDS_NS, TEN_SECONDS_NS);
        final CountDownLatch parking = new CountDownLatch(1);
        final AtomicLong parkedNs = new AtomicLong();
        final Thread agent = new Thread(() ->
        {
            spinAndYieldThrough(idle);
            parking.countDown();
            final long startNs = System.nanoTime();
            idle.idle();
            parkedNs.set(System.nanoTime() - startNs);
        });
        agent.start();
        assertTrue(parking.await(10, TimeUnit.SECONDS));
        // Wake it only once it is really parked (TIMED_WAITING in parkNanos), not before it gets there.
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (agent.getState() != Thread.State.TIMED_WAITING)
        {
            assertTrue(System.nanoTime() < deadlineNs, "the agent parks: " + agent.getState());
            Thread.onSpinWait();
        }
        idle.wake();
        agent.join(TimeUnit.SECONDS.toMillis(5));
        assertTrue(!agent.isAlive() && parkedNs.get() < TimeUnit.SECONDS.toNanos(5),
            "the park of up to 10 s ended at the wake: " + parkedNs.get() / 1_000_000 + " ms");
    }

    @Test
    void aWakeDuringADutyCycleKeepsTheAgentFromParkingAfterIt()
    {
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(TEN_SECONDS_NS, TEN_SECONDS_NS);
        spinAndYieldThrough(idle);
        // The producer appends while the agent's duty cycle runs (after its poll): the next idle must not park.
        idle.wake();
        final long startNs = System.nanoTime();
        idle.idle(0);
        final long tookNs = System.nanoTime() - startNs;
        assertTrue(tookNs < TimeUnit.SECONDS.toNanos(5), "idle after a wake returned at once: " +
            tookNs / 1_000_000 + " ms");
    }

    @Test
    void workResetsTheBackOff()
    {
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(TEN_SECONDS_NS, TEN_SECONDS_NS);
        spinAndYieldThrough(idle);
        idle.idle(1);
        final long startNs = System.nanoTime();
        for (int i = 0; i < 15; i++)
        {
            idle.idle(0);
        }
        assertTrue(System.nanoTime() - startNs < TimeUnit.SECONDS.toNanos(5), "spins and yields again after work");
    }

    private static void spinAndYieldThrough(final WakeableIdleStrategy idle)
    {
        // Ten spins and five yields, then the next idle parks.
        for (int i = 0; i < 15; i++)
        {
            idle.idle();
        }
    }
}
