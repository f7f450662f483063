package io.skein.benchmarks;

import java.util.concurrent.TimeUnit;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import com.lmax.disruptor.util.DaemonThreadFactory;
import io.skein.codecs.CommandEnvelopeDecoder;
import io.skein.examples.bank.codecs.DepositDecoder;
import io.skein.examples.orderbook.BookState;
import io.skein.examples.orderbook.DirectMatcher;
import io.skein.examples.orderbook.codecs.CancelOrderDecoder;
import io.skein.examples.orderbook.codecs.PlaceLimitOrderDecoder;
import io.skein.examples.orderbook.codecs.PlaceMarketOrderDecoder;
import io.skein.protocol.SkeinProtocol;
import org.agrona.collections.Long2ObjectHashMap;
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
 * The baseline for {@link EngineBenchmark}: the same commands copied into a raw multi-producer Disruptor (same ring
 * size and wait strategy) and handled by one hand-written event handler that decodes them and runs the same business
 * logic directly on the state: no validation, idempotency, versions, events, journal entry or reply stage.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED" })
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RawDisruptorBenchmark
{
    @Param({ "account", "orderbook" })
    String workload;

    /**
     * The consumer's wait strategy, as {@link EngineBenchmark#wait}.
     */
    @Param({ "resting" })
    String wait;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
    private Workload commands;
    private Disruptor<Slot> disruptor;
    private RingBuffer<Slot> ring;
    private Handler handler;
    private long sent;

    /**
     * Start the raw Disruptor.
     */
    @Setup
    public void setup()
    {
        commands = new Workload(workload);
        handler = new Handler();
        disruptor = new Disruptor<>(Slot::new, 4096, DaemonThreadFactory.INSTANCE, ProducerType.MULTI,
            EngineBenchmark.waitStrategy(wait));
        disruptor.handleEventsWith(handler);
        ring = disruptor.start();
    }

    /**
     * Stop the Disruptor.
     */
    @TearDown
    public void tearDown()
    {
        disruptor.shutdown();
    }

    /**
     * Send a batch of commands and wait until all are handled.
     *
     * @return commands handled so far.
     */
    @Benchmark
    @OperationsPerInvocation(EngineBenchmark.BATCH)
    public long commands()
    {
        for (int i = 0; i < EngineBenchmark.BATCH; i++)
        {
            final int length = commands.encodeNext(buffer);
            long sequence;
            while (true)
            {
                // A steady producer, as the engine benchmark's: yield while the ring is full.
                try
                {
                    sequence = ring.tryNext();
                    break;
                }
                catch (final InsufficientCapacityException ex)
                {
                    Thread.yield();
                }
            }
            final Slot slot = ring.get(sequence);
            slot.buffer.putBytes(0, buffer, 0, length);
            slot.length = length;
            ring.publish(sequence);
            sent++;
        }
        long handled;
        while ((handled = handler.handled) < sent)
        {
            Thread.yield();
        }
        return handled + handler.matcher.trades();
    }

    static final class Slot
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
        int length;
    }

    static final class Handler implements EventHandler<Slot>
    {
        final DirectMatcher matcher = new DirectMatcher();
        final Long2ObjectHashMap<BookState> books = new Long2ObjectHashMap<>();
        final long[] balances = new long[Workload.ACCOUNTS];
        final CommandEnvelopeDecoder envelope = new CommandEnvelopeDecoder();
        final DepositDecoder deposit = new DepositDecoder();
        final PlaceLimitOrderDecoder limit = new PlaceLimitOrderDecoder();
        final PlaceMarketOrderDecoder market = new PlaceMarketOrderDecoder();
        final CancelOrderDecoder cancel = new CancelOrderDecoder();
        volatile long handled;

        @Override
        public void onEvent(final Slot slot, final long sequence, final boolean endOfBatch)
        {
            final UnsafeBuffer buffer = slot.buffer;
            envelope.wrap(buffer, SkeinProtocol.HEADER_LENGTH, CommandEnvelopeDecoder.BLOCK_LENGTH,
                CommandEnvelopeDecoder.SCHEMA_VERSION);
            final long id = envelope.aggregateId();
            final int headerOffset = SkeinProtocol.ENVELOPE_LENGTH;
            final int templateId = buffer.getShort(headerOffset + 2) & 0xFFFF;
            final int body = headerOffset + SkeinProtocol.HEADER_LENGTH;
            if (templateId == DepositDecoder.TEMPLATE_ID)
            {
                deposit.wrap(buffer, body, DepositDecoder.BLOCK_LENGTH, DepositDecoder.SCHEMA_VERSION);
                balances[(int)id] += deposit.amount();
            }
            else
            {
                BookState book = books.get(id);
                if (null == book)
                {
                    book = matcher.newBook();
                    books.put(id, book);
                }
                if (templateId == PlaceLimitOrderDecoder.TEMPLATE_ID)
                {
                    matcher.placeLimit(book,
                        limit.wrap(buffer, body, PlaceLimitOrderDecoder.BLOCK_LENGTH, limit.sbeSchemaVersion()));
                }
                else if (templateId == PlaceMarketOrderDecoder.TEMPLATE_ID)
                {
                    matcher.placeMarket(book,
                        market.wrap(buffer, body, PlaceMarketOrderDecoder.BLOCK_LENGTH, market.sbeSchemaVersion()));
                }
                else
                {
                    matcher.cancel(book,
                        cancel.wrap(buffer, body, CancelOrderDecoder.BLOCK_LENGTH, cancel.sbeSchemaVersion()));
                }
            }
            handled = handled + 1;
        }
    }
}
