package io.skein.benchmarks;

import java.util.concurrent.TimeUnit;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import io.skein.codecs.CommandEnvelopeDecoder;
import io.skein.engine.RestingWaitStrategy;
import io.skein.engine.SkeinEngine;
import io.skein.engine.SyncCaller;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.DepositDecoder;
import io.skein.protocol.CommandResult;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One caller submitting one deposit at a time and waiting for its reply, in memory (no journal): what a service that
 * calls the engine from a request thread gets. Three ways:
 * <ul>
 *     <li>{@code futureGet}: {@code submit(...).get()}, a future per command;</li>
 *     <li>{@code syncCall}: {@link SyncCaller#call}, the blocking call that allocates nothing;</li>
 *     <li>{@code rawHandOff}: the baseline, a raw Disruptor with the same wait strategy whose one handler applies
 *     the deposit and hands a flag back to the waiting caller: one hand-off each way, no reply stage.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
    "-Xms1g", "-Xmx1g" })
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class SyncCallerBenchmark
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
    private Workload commands;
    private SkeinEngine engine;
    private SyncCaller caller;
    private Disruptor<RawDisruptorBenchmark.Slot> disruptor;
    private RingBuffer<RawDisruptorBenchmark.Slot> ring;
    private Echo echo;

    /**
     * Start an in-memory engine with the accounts open, and the raw Disruptor.
     *
     * @throws Exception if an account cannot be opened.
     */
    @Setup
    public void setup() throws Exception
    {
        commands = new Workload("account");
        engine = SkeinEngine.launch(new SkeinEngine.Context()
            .name("bench-sync")
            .aggregate(BankAccount::new)
            .ringSize(4096));
        caller = engine.newSyncCaller();
        for (int i = 0; i < Workload.ACCOUNTS; i++)
        {
            caller.call(buffer, 0, commands.encodeOpen(buffer, i), TimeUnit.SECONDS.toNanos(10));
        }
        echo = new Echo();
        disruptor = new Disruptor<>(RawDisruptorBenchmark.Slot::new, 4096, DaemonThreadFactory.INSTANCE,
            ProducerType.MULTI, new RestingWaitStrategy());
        disruptor.handleEventsWith(echo);
        ring = disruptor.start();
    }

    /**
     * Stop both.
     */
    @TearDown
    public void tearDown()
    {
        engine.close();
        disruptor.shutdown();
    }

    /**
     * {@code submit(...).get()}.
     *
     * @return the result.
     * @throws Exception if the command fails.
     */
    @Benchmark
    public CommandResult futureGet() throws Exception
    {
        return engine.submit(buffer, 0, commands.encodeNext(buffer)).get();
    }

    /**
     * {@link SyncCaller#call}.
     *
     * @return the reply's version.
     */
    @Benchmark
    public long syncCall()
    {
        return caller.call(buffer, 0, commands.encodeNext(buffer), TimeUnit.SECONDS.toNanos(10)).version();
    }

    /**
     * The raw hand-off and back.
     *
     * @return the commands handled.
     */
    @Benchmark
    public long rawHandOff()
    {
        final int length = commands.encodeNext(buffer);
        final long sequence = ring.next();
        final RawDisruptorBenchmark.Slot slot = ring.get(sequence);
        slot.buffer.putBytes(0, buffer, 0, length);
        slot.length = length;
        ring.publish(sequence);
        int counter = 0;
        long handled;
        while ((handled = echo.handled) <= sequence)
        {
            // The same waiting as SyncCaller's: spin, then yield.
            if (++counter > 100)
            {
                Thread.yield();
            }
            else
            {
                Thread.onSpinWait();
            }
        }
        return handled;
    }

    static final class Echo implements EventHandler<RawDisruptorBenchmark.Slot>
    {
        final long[] balances = new long[Workload.ACCOUNTS];
        final CommandEnvelopeDecoder envelope = new CommandEnvelopeDecoder();
        final DepositDecoder deposit = new DepositDecoder();
        volatile long handled;

        @Override
        public void onEvent(final RawDisruptorBenchmark.Slot slot, final long sequence, final boolean endOfBatch)
        {
            final UnsafeBuffer in = slot.buffer;
            envelope.wrap(in, SkeinProtocol.HEADER_LENGTH, CommandEnvelopeDecoder.BLOCK_LENGTH,
                CommandEnvelopeDecoder.SCHEMA_VERSION);
            final int body = SkeinProtocol.ENVELOPE_LENGTH + SkeinProtocol.HEADER_LENGTH;
            deposit.wrap(in, body, DepositDecoder.BLOCK_LENGTH, DepositDecoder.SCHEMA_VERSION);
            balances[(int)envelope.aggregateId()] += deposit.amount();
            handled = sequence + 1;
        }
    }
}
