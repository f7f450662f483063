package io.skein.projection;

import java.io.PrintStream;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.protocol.CommandWriter;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * What every projection crash process does (here and in the sinks' tests, through this module's test jar): write
 * tally commands on a thread of their own, poll a runner and print {@code B <position>} after each committed batch
 * until it is killed, or poll it to the end of the recovered journal.
 */
public final class CrashRun
{
    private CrashRun()
    {
    }

    /**
     * Start a daemon thread writing tally commands over 16 aggregates (1 to 3 events each, 32 in flight, a short
     * sleep every 64) while {@code keepGoing} holds, at most {@code maxCommands}.
     *
     * @param engine      to write to.
     * @param maxCommands the most commands.
     * @param keepGoing   checked before each command.
     * @return the thread.
     */
    public static Thread startWriter(final SkeinEngine engine, final long maxCommands, final BooleanSupplier keepGoing)
    {
        final Thread writer = new Thread(() -> write(engine, maxCommands, keepGoing), "writer");
        writer.setDaemon(true);
        writer.start();
        return writer;
    }

    /**
     * Poll the runner without end, printing {@code B <position>} each time its checkpoint moves (the parent kills
     * the process).
     *
     * @param runner to poll.
     * @param out    to print to, flushed per line.
     * @throws InterruptedException if interrupted.
     */
    public static void commitForever(final ProjectionRunner runner, final PrintStream out) throws InterruptedException
    {
        long lastPosition = -1;
        while (true)
        {
            if (runner.doWork() == 0)
            {
                Thread.sleep(1);
            }
            final Checkpoint checkpoint = runner.checkpoint();
            if (null != checkpoint && checkpoint.position() != lastPosition)
            {
                lastPosition = checkpoint.position();
                synchronized (out)
                {
                    out.println("B " + lastPosition);
                    out.flush();
                }
            }
        }
    }

    /**
     * Poll the runner until its checkpoint reaches a position, within 60 seconds.
     *
     * @param runner to poll.
     * @param end    the position to reach.
     * @throws InterruptedException if interrupted.
     */
    public static void finish(final ProjectionRunner runner, final long end) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (null == runner.checkpoint() || runner.checkpoint().position() < end)
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new IllegalStateException("projection did not reach " + end + ": " + runner.checkpoint());
            }
            if (runner.doWork() == 0)
            {
                Thread.sleep(1);
            }
        }
    }

    private static void write(final SkeinEngine engine, final long maxCommands, final BooleanSupplier keepGoing)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        final AddEncoder add = new AddEncoder();
        final Semaphore inFlight = new Semaphore(32);
        for (long i = 0; i < maxCommands && keepGoing.getAsBoolean(); i++)
        {
            inFlight.acquireUninterruptibly();
            writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, i % 16);
            writer.body(add).amount(1 + (i * 7919) % 1000).repeat(1 + (int)(i % 3)).behaviour(0)
                .putNote(TestAggregates.NO_NOTE, 0, 0);
            engine.submit(buffer, 0, writer.length()).whenComplete((result, ex) -> inFlight.release());
            if (i % 64 == 0)
            {
                try
                {
                    Thread.sleep(1);
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
            }
        }
    }
}
