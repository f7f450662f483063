package io.skein.benchmarks;

import java.util.concurrent.TimeUnit;

import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import io.skein.engine.OfferResult;
import io.skein.engine.ReplyListener;
import io.skein.engine.RestingWaitStrategy;
import io.skein.engine.SkeinEngine;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.orderbook.OrderBook;
import io.skein.protocol.Reply;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Engine only, no journal: commands per second through the single writer (and reply stage), sent from the benchmark
 * thread in batches and each batch's replies awaited. Compare with {@link RawDisruptorBenchmark}, the same logic in
 * a hand-written loop over a raw Disruptor.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED" })
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EngineBenchmark
{
    static final int BATCH = 10_000;

    @Param({ "account", "orderbook" })
    String workload;

    /**
     * The writer's and reply stage's wait strategy: {@code resting}, the engine's default, or {@code sleeping},
     * Disruptor's {@code SleepingWaitStrategy} (the default before it), to compare them with
     * {@code -p wait=resting,sleeping}.
     */
    @Param({ "resting" })
    String wait;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
    private final Counter replies = new Counter();
    private Workload commands;
    private SkeinEngine engine;
    private long sent;

    /**
     * Start an in-memory engine and open the accounts.
     */
    @Setup
    public void setup()
    {
        commands = new Workload(workload);
        engine = SkeinEngine.launch(new SkeinEngine.Context()
            .name("bench")
            .aggregate(BankAccount::new)
            .aggregate(OrderBook::new)
            .ringSize(4096)
            .waitStrategy(waitStrategy(wait)));
        if (!commands.isOrderBook())
        {
            for (int i = 0; i < Workload.ACCOUNTS; i++)
            {
                send(commands.encodeOpen(buffer, i));
            }
            await();
        }
    }

    /**
     * Stop the engine.
     */
    @TearDown
    public void tearDown()
    {
        engine.close();
    }

    /**
     * Send a batch of commands and wait for every reply.
     *
     * @return replies so far, so the work is observed.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long commands()
    {
        for (int i = 0; i < BATCH; i++)
        {
            send(commands.encodeNext(buffer));
        }
        return await();
    }

    private void send(final int length)
    {
        // A steady producer: when the ring is full, yield (as the raw baseline does) rather than nap for the timer's
        // 50 µs or more, which would leave the writer idle and measure the nap.
        while (engine.tryOffer(buffer, 0, length, replies) != OfferResult.OFFERED)
        {
            Thread.yield();
        }
        sent++;
    }

    static WaitStrategy waitStrategy(final String name)
    {
        switch (name)
        {
            case "resting":
                return new RestingWaitStrategy();
            case "sleeping":
                return new SleepingWaitStrategy();
            default:
                throw new IllegalArgumentException("wait is resting or sleeping, not " + name);
        }
    }

    private long await()
    {
        long count;
        while ((count = replies.count) < sent)
        {
            Thread.yield();
        }
        return count;
    }

    static final class Counter implements ReplyListener
    {
        volatile long count;

        @Override
        public void onReply(final Reply reply)
        {
            count++;
        }
    }
}
