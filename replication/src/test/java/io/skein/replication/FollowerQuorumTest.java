package io.skein.replication;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FollowerQuorumTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(5);
    private static final long RETENTION_NS = TimeUnit.MINUTES.toNanos(10);

    @Test
    void shouldAnswerThePositionTheRequiredNumberOfFollowersHold()
    {
        for (int required = 1; required <= 3; required++)
        {
            final FollowerQuorum quorum = new FollowerQuorum(required, TIMEOUT_NS, RETENTION_NS);
            quorum.onStatus(1, 10, 1, 0);
            quorum.onStatus(2, 1000, 9, 0);
            quorum.onStatus(3, 50, 4, 0);
            final long expected = 1 == required ? 1000 : 2 == required ? 50 : 10;
            assertEquals(expected, quorum.durablePosition(), "required " + required);
            assertEquals(3, quorum.liveFollowers());
            assertEquals(10, quorum.lowestPosition());
        }
    }

    @Test
    void shouldHoldNothingUntilEnoughFollowersReport()
    {
        final FollowerQuorum quorum = new FollowerQuorum(2, TIMEOUT_NS, RETENTION_NS);
        assertEquals(-1, quorum.durablePosition());
        quorum.onStatus(1, 5000, 3, 0);
        assertEquals(-1, quorum.durablePosition(), "one follower of two required");
        quorum.onStatus(2, 4000, 2, 0);
        assertEquals(4000, quorum.durablePosition());
    }

    @Test
    void shouldNeverHoldBackWhenNoFollowerIsRequired()
    {
        final FollowerQuorum quorum = new FollowerQuorum(0, TIMEOUT_NS, RETENTION_NS);
        assertEquals(Long.MAX_VALUE, quorum.durablePosition());
        quorum.onStatus(1, 10, 1, 0);
        assertEquals(Long.MAX_VALUE, quorum.durablePosition());
    }

    @Test
    void shouldNotCountAFollowerPastItsTimeoutNorMoveTheQuorumBack()
    {
        final FollowerQuorum quorum = new FollowerQuorum(2, TIMEOUT_NS, RETENTION_NS);
        quorum.onStatus(1, 100, 1, 0);
        quorum.onStatus(2, 100, 1, 0);
        assertEquals(100, quorum.durablePosition());

        final long later = TIMEOUT_NS + 1;
        quorum.onStatus(1, 900, 5, later);
        assertEquals(1, quorum.liveFollowers(), "follower 2 timed out");
        assertEquals(100, quorum.durablePosition(), "900 is held by one live follower only; 100 stays durable");

        quorum.onStatus(2, 700, 4, later);
        assertEquals(700, quorum.durablePosition());
        assertEquals(2, quorum.liveFollowers());
    }

    @Test
    void shouldIgnoreAnOlderReportOfAPosition()
    {
        final FollowerQuorum quorum = new FollowerQuorum(1, TIMEOUT_NS, RETENTION_NS);
        quorum.onStatus(1, 800, 5, 0);
        quorum.onStatus(1, 300, 2, 1);
        assertEquals(800, quorum.followerPosition(1), "reports may arrive out of order over UDP");
        assertEquals(800, quorum.durablePosition());
    }

    @Test
    void shouldDropReportsWhenEverySlotIsTakenThenFreeSlotsOfFollowersGonePastTheRetention()
    {
        final FollowerQuorum quorum = new FollowerQuorum(1, TIMEOUT_NS, RETENTION_NS);
        for (int i = 1; i <= FollowerQuorum.CAPACITY; i++)
        {
            assertTrue(quorum.onStatus(i, 64L * i, i, 0));
        }
        assertFalse(quorum.onStatus(99, 10_000, 1, 1), "every slot is held by a follower within the retention");
        assertEquals(1, quorum.droppedReports());
        assertEquals(-1, quorum.followerPosition(99));
        assertEquals(64, quorum.lowestPosition(), "follower 1 holds the compaction floor");

        // Followers 2..16 keep reporting; follower 1 goes quiet for longer than the retention.
        final long later = RETENTION_NS + 1;
        for (int i = 2; i <= FollowerQuorum.CAPACITY; i++)
        {
            quorum.onStatus(i, 64L * i, i, later);
        }
        assertTrue(quorum.onStatus(99, 10_000, 1, later), "follower 1's slot was freed");
        assertEquals(-1, quorum.followerPosition(1));
        assertEquals(10_000, quorum.followerPosition(99));
        assertEquals(128, quorum.lowestPosition(), "a forgotten follower no longer pins the compaction floor");
        assertEquals(FollowerQuorum.CAPACITY, quorum.knownFollowers());
    }

    @Test
    void shouldFreeSlotsOnATickWithoutAnyReport()
    {
        final FollowerQuorum quorum = new FollowerQuorum(1, TIMEOUT_NS, RETENTION_NS);
        quorum.onStatus(1, 64, 1, 0);
        quorum.onTick(TIMEOUT_NS + 1);
        assertEquals(0, quorum.liveFollowers());
        assertEquals(1, quorum.knownFollowers());
        quorum.onTick(RETENTION_NS + 1);
        assertEquals(0, quorum.knownFollowers());
        assertEquals(Long.MAX_VALUE, quorum.lowestPosition());
        assertEquals(64, quorum.durablePosition(), "what a quorum once held stays durable");
    }

    @Test
    void shouldRefuseSettingsThatCannotWork()
    {
        assertThrows(IllegalArgumentException.class, () -> new FollowerQuorum(-1, TIMEOUT_NS, RETENTION_NS));
        assertThrows(IllegalArgumentException.class,
            () -> new FollowerQuorum(FollowerQuorum.CAPACITY + 1, TIMEOUT_NS, RETENTION_NS));
        assertThrows(IllegalArgumentException.class, () -> new FollowerQuorum(1, 0, RETENTION_NS));
        assertThrows(IllegalArgumentException.class, () -> new FollowerQuorum(1, TIMEOUT_NS, TIMEOUT_NS - 1));
    }

    /**
     * One follower runs far ahead (positions above {@code AHEAD}); two others stay below it. With two required, no
     * answer may ever reach {@code AHEAD}, however many threads ask at once while reports arrive.
     */
    @Test
    void shouldNeverAnswerAPositionOnlyOneFollowerHoldsWhileManyThreadsAsk() throws Exception
    {
        final long ahead = 1_000_000_000L;
        final FollowerQuorum quorum = new FollowerQuorum(2, TimeUnit.HOURS.toNanos(1), TimeUnit.HOURS.toNanos(2));
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicLong worst = new AtomicLong(-1);
        final AtomicLong answers = new AtomicLong();
        final int readers = 6;
        final CountDownLatch started = new CountDownLatch(readers);
        final Thread[] threads = new Thread[readers];
        for (int r = 0; r < readers; r++)
        {
            threads[r] = new Thread(() ->
            {
                started.countDown();
                while (running.get())
                {
                    final long answer = quorum.durablePosition();
                    answers.incrementAndGet();
                    if (answer >= ahead)
                    {
                        worst.accumulateAndGet(answer, Math::max);
                    }
                }
            }, "quorum-reader-" + r);
            threads[r].start();
        }
        started.await();
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        long i = 0;
        while (System.nanoTime() - deadlineNs < 0)
        {
            i++;
            quorum.onStatus(1, 10 + i, i, i);
            quorum.onStatus(2, ahead + i, i, i);
            quorum.onStatus(3, 50 + i, i, i);
            quorum.onTick(i);
        }
        running.set(false);
        for (final Thread thread : threads)
        {
            thread.join();
        }
        assertTrue(answers.get() > 1000, "readers asked " + answers.get() + " times");
        assertEquals(-1, worst.get(), "an answer only one follower held was given");
        assertEquals(50 + i, quorum.durablePosition());
    }
}
