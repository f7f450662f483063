package io.skein.engine;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.engine.test.codecs.ReadEncoder;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.Reply;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Counts the bytes the engine's own threads allocate per command once warm, with HotSpot's per-thread allocation
 * counter: the single writer and the reply stage must allocate nothing in steady state. (JMH -prof gc in the
 * benchmarks is the referee for the whole path; this guards the engine threads in every build.)
 */
class SteadyStateAllocationTest
{
    private static final int AGGREGATES = 1_000;
    private static final int WARM_UP = 200_000;
    private static final int MEASURED = 200_000;

    @Test
    void shouldNotAllocateOnWriterOrReplyThreadsInSteadyState() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final SkeinEngine.Context ctx = new SkeinEngine.Context()
            .name("alloc")
            .aggregate(TestAggregates.Tally::new)
            .idempotencyWindowCapacity(1024)
            .ringSize(1024);

        try (SkeinEngine engine = SkeinEngine.launch(ctx))
        {
            final Sender sender = new Sender(engine);
            sender.send(WARM_UP, 0);
            sender.awaitReplies(WARM_UP);

            final Thread writer = thread("skein-alloc-writer");
            final Thread replier = thread("skein-alloc-replier");
            final long writerBefore = threads.getThreadAllocatedBytes(writer.getId());
            final long replierBefore = threads.getThreadAllocatedBytes(replier.getId());

            sender.send(MEASURED, WARM_UP);
            sender.awaitReplies(WARM_UP + MEASURED);

            final long writerBytes = threads.getThreadAllocatedBytes(writer.getId()) - writerBefore;
            final long replierBytes = threads.getThreadAllocatedBytes(replier.getId()) - replierBefore;
            System.out.println("writer bytes=" + writerBytes + " replier bytes=" + replierBytes + " over " + MEASURED);
            assertEquals(0, sender.notAccepted, "every command accepted");
            // A few hundred bytes of one-off noise (a lazily initialised JDK structure) is tolerated; a per-command
            // allocation of even 16 bytes would show as over 3 MB.
            assertTrue(writerBytes < 4096, "writer allocated " + writerBytes + " bytes over " + MEASURED + " commands");
            assertTrue(replierBytes < 4096,
                "reply stage allocated " + replierBytes + " bytes over " + MEASURED + " commands");
        }
    }

    @Test
    void shouldNotAllocateWhenRejectingCommandsOnAggregatesThatDoNotExist() throws Exception
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final SkeinEngine.Context ctx = new SkeinEngine.Context()
            .name("reject")
            .aggregate(TestAggregates.Tally::new)
            .idempotencyWindowCapacity(1024)
            .ringSize(1024);

        try (SkeinEngine engine = SkeinEngine.launch(ctx))
        {
            final Sender sender = new Sender(engine);
            sender.rejected = true;
            sender.send(WARM_UP, 0);
            sender.awaitReplies(WARM_UP);

            final Thread writer = thread("skein-reject-writer");
            final Thread replier = thread("skein-reject-replier");
            final long writerBefore = threads.getThreadAllocatedBytes(writer.getId());
            final long replierBefore = threads.getThreadAllocatedBytes(replier.getId());

            sender.send(MEASURED, WARM_UP);
            sender.awaitReplies(WARM_UP + MEASURED);

            final long writerBytes = threads.getThreadAllocatedBytes(writer.getId()) - writerBefore;
            final long replierBytes = threads.getThreadAllocatedBytes(replier.getId()) - replierBefore;
            System.out.println("rejections: writer bytes=" + writerBytes + " replier bytes=" + replierBytes +
                " over " + MEASURED);
            assertEquals(WARM_UP + MEASURED, sender.notAccepted, "every command rejected");
            assertEquals(0, engine.aggregateCount(TimeUnit.SECONDS.toNanos(10)), "no aggregate was created");
            assertTrue(writerBytes < 4096, "writer allocated " + writerBytes + " bytes over " + MEASURED +
                " rejections");
            assertTrue(replierBytes < 4096,
                "reply stage allocated " + replierBytes + " bytes over " + MEASURED + " rejections");
        }
    }

    @Test
    void shouldNotAllocateOnTheCallerWriterOrReplyThreadsForSynchronousCalls()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        final SkeinEngine.Context ctx = new SkeinEngine.Context()
            .name("sync")
            .aggregate(TestAggregates.Tally::new)
            .idempotencyWindowCapacity(1024)
            .ringSize(1024);

        try (SkeinEngine engine = SkeinEngine.launch(ctx))
        {
            final SyncCaller caller = engine.newSyncCaller();
            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
            final CommandWriter writer = new CommandWriter();
            final AddEncoder add = new AddEncoder();
            final long[] notAccepted = new long[1];
            final Runnable calls = () ->
            {
                for (int i = 0; i < MEASURED; i++)
                {
                    writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % AGGREGATES)
                        .idempotencyKey(i + 1, 5);
                    writer.body(add).amount(1).repeat(1).behaviour(0).putNote(TestAggregates.NO_NOTE, 0, 0);
                    if (caller.call(buffer, 0, writer.length(), TimeUnit.SECONDS.toNanos(10)).outcome() !=
                        Outcome.ACCEPTED)
                    {
                        notAccepted[0]++;
                    }
                }
            };
            calls.run();
            final Thread self = Thread.currentThread();
            final Thread writerThread = thread("skein-sync-writer");
            final Thread replier = thread("skein-sync-replier");
            final long callerBefore = threads.getThreadAllocatedBytes(self.getId());
            final long writerBefore = threads.getThreadAllocatedBytes(writerThread.getId());
            final long replierBefore = threads.getThreadAllocatedBytes(replier.getId());

            calls.run();

            final long callerBytes = threads.getThreadAllocatedBytes(self.getId()) - callerBefore;
            final long writerBytes = threads.getThreadAllocatedBytes(writerThread.getId()) - writerBefore;
            final long replierBytes = threads.getThreadAllocatedBytes(replier.getId()) - replierBefore;
            System.out.println("sync calls: caller bytes=" + callerBytes + " writer bytes=" + writerBytes +
                " replier bytes=" + replierBytes + " over " + MEASURED);
            assertEquals(0, notAccepted[0], "every command accepted");
            assertTrue(callerBytes < 4096, "caller allocated " + callerBytes + " bytes over " + MEASURED + " calls");
            assertTrue(writerBytes < 4096, "writer allocated " + writerBytes + " bytes over " + MEASURED + " calls");
            assertTrue(replierBytes < 4096,
                "reply stage allocated " + replierBytes + " bytes over " + MEASURED + " calls");
        }
    }

    private static Thread thread(final String prefix)
    {
        for (final Thread thread : Thread.getAllStackTraces().keySet())
        {
            if (thread.getName().startsWith(prefix))
            {
                return thread;
            }
        }
        assertNotNull(null, "no thread named " + prefix + "*");
        return null;
    }

    private static final class Sender implements ReplyListener
    {
        private final SkeinEngine engine;
        private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        private final CommandWriter writer = new CommandWriter();
        private final AddEncoder add = new AddEncoder();
        private final ReadEncoder read = new ReadEncoder();
        private volatile long replies;
        private long notAccepted;
        private boolean rejected;

        Sender(final SkeinEngine engine)
        {
            this.engine = engine;
        }

        void send(final int count, final long base)
        {
            for (int i = 0; i < count; i++)
            {
                final long n = base + i;
                if (rejected)
                {
                    // A negative amount on an aggregate that does not exist: refused by the handler.
                    writer.wrap(buffer, 0).correlationId(n).aggregate(TestAggregates.TYPE_ID, 1_000_000 + n)
                        .idempotencyKey(n + 1, 9);
                    writer.body(add).amount(-1).repeat(1).behaviour(0).putNote(TestAggregates.NO_NOTE, 0, 0);
                }
                else
                {
                    writer.wrap(buffer, 0).correlationId(n).aggregate(TestAggregates.TYPE_ID, n % AGGREGATES)
                        .idempotencyKey(n + 1, 7);
                    if (n % 10 == 9)
                    {
                        writer.body(read).unused(0);
                    }
                    else
                    {
                        writer.body(add).amount(1).repeat(1 + (int)(n % 3)).behaviour(0)
                            .putNote(TestAggregates.NO_NOTE, 0, 0);
                    }
                }
                final int length = writer.length();
                while (engine.tryOffer(buffer, 0, length, this) != OfferResult.OFFERED)
                {
                    Thread.onSpinWait();
                }
            }
        }

        void awaitReplies(final long expected) throws InterruptedException
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (replies < expected)
            {
                assertTrue(System.nanoTime() < deadlineNs, "waiting for " + expected + " replies, have " + replies);
                Thread.sleep(1);
            }
        }

        @Override
        public void onReply(final Reply reply)
        {
            if (reply.outcome() != Outcome.ACCEPTED)
            {
                notAccepted++;
            }
            replies++;
        }
    }
}
