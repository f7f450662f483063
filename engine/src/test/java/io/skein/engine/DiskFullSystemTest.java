package io.skein.engine;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.engine.test.codecs.ReadEncoder;
import io.skein.engine.test.codecs.TotalDecoder;
import io.skein.journal.TestArchive;
import io.skein.journal.Tmpfs;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs an engine on a small file system of its own and fills it under load: the engine must stop taking commands
 * before anything crashes, answer every command with an outcome that is true, and recover every acknowledged command
 * once space is freed.
 */
class DiskFullSystemTest
{
    private static final long MIB = 1024 * 1024;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);
    private static final int AGGREGATES = 16;

    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
    private final CommandWriter writer = new CommandWriter();

    @Test
    void shouldStopTakingCommandsBeforeTheDiskIsFullAndRecoverEveryAcknowledgedOne() throws Exception
    {
        try (Tmpfs tmpfs = Tmpfs.mount(dir, 48 * MIB))
        {
            final File nodeDir = new File(tmpfs.dir(), "node");
            final File filler = new File(tmpfs.dir(), "filler");
            final long[] accepted = new long[AGGREGATES];
            final long[] unknown = new long[AGGREGATES];
            final List<Throwable> errors = new ArrayList<>();
            long refused = 0;
            try (TestArchive archive = TestArchive.launch(nodeDir))
            {
                final SkeinEngine engine = SkeinEngine.launch(context(archive, errors));
                try
                {
                    // Leave about 10 MiB: the engine must stop at 6 MiB free, long before the archive fails.
                    fill(filler, tmpfs.dir().getUsableSpace() - 10 * MIB);
                    final ArrayDeque<CompletableFuture<CommandResult>> inFlight = new ArrayDeque<>();
                    final ArrayDeque<long[]> sent = new ArrayDeque<>();
                    final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    long i = 0;
                    while (refused < 2_000)
                    {
                        assertTrue(System.nanoTime() < deadlineNs, "the engine never stopped taking commands");
                        i++;
                        final long aggregateId = i % AGGREGATES;
                        final long amount = 1 + (i % 7);
                        inFlight.add(submit(engine, aggregateId, amount, i));
                        if (0 == i % 32)
                        {
                            // At most about 3 MB/s of entries: the 4 MiB between the refusal threshold and a full
                            // disk take over a second, several of the free-space watch's 250 ms checks. Unpaced, an
                            // idle machine wrote them between two checks and the archive, not the engine, stopped.
                            Thread.sleep(1);
                        }
                        sent.add(new long[]{ aggregateId, amount });
                        if (inFlight.size() >= 256)
                        {
                            refused += settle(inFlight.poll().get(30, TimeUnit.SECONDS), sent.poll(), accepted,
                                unknown);
                        }
                    }
                    while (!inFlight.isEmpty())
                    {
                        refused += settle(inFlight.poll().get(30, TimeUnit.SECONDS), sent.poll(), accepted, unknown);
                    }
                    assertTrue(engine.counters().storageLow().get() >= 1, "the low disk was counted");
                    final CommandResult query = read(engine, 1);
                    assertEquals(Outcome.ACCEPTED, query.outcome(), "queries are still answered: " + query);
                }
                finally
                {
                    engine.close();
                }
            }
            assertTrue(filler.delete());

            try (TestArchive archive = TestArchive.launch(nodeDir))
            {
                final List<Throwable> restartErrors = new ArrayList<>();
                try (SkeinEngine engine = SkeinEngine.launch(context(archive, restartErrors)))
                {
                    for (int a = 0; a < AGGREGATES; a++)
                    {
                        final long total = total(read(engine, a));
                        assertTrue(total >= accepted[a] && total <= accepted[a] + unknown[a],
                            "aggregate " + a + ": recovered " + total + ", acknowledged " + accepted[a] +
                            ", unknown " + unknown[a]);
                    }
                    assertEquals(Outcome.ACCEPTED, submit(engine, 1, 1, -1).get(30, TimeUnit.SECONDS).outcome(),
                        "takes commands again once space is freed");
                }
                assertEquals(List.of(), restartErrors);
            }
            synchronized (errors)
            {
                for (final Throwable error : errors)
                {
                    assertTrue(error.getMessage().contains("free for the journal"), "unexpected error " + error);
                }
            }
        }
    }

    private static long settle(
        final CommandResult result, final long[] sent, final long[] accepted, final long[] unknown)
    {
        final int aggregateId = (int)sent[0];
        switch (result.outcome())
        {
            case ACCEPTED ->
            {
                accepted[aggregateId] += sent[1];
                return 0;
            }
            case UNKNOWN ->
            {
                unknown[aggregateId] += sent[1];
                return 0;
            }
            case REJECTED ->
            {
                assertEquals(RejectReason.UNAVAILABLE, result.reason(), result.toString());
                assertTrue(result.message().contains("free for the journal"), result.message());
                return 1;
            }
            default -> throw new AssertionError("a command was answered " + result);
        }
    }

    private SkeinEngine.Context context(final TestArchive archive, final List<Throwable> errors)
    {
        return new SkeinEngine.Context()
            .name("disk-full")
            .aggregate(TestAggregates.Tally::new)
            .snapshotOnClose(false)
            .errorHandler((ex) ->
            {
                synchronized (errors)
                {
                    errors.add(ex);
                }
            })
            .journal(archive.journal((ctx) -> ctx.minFreeStorageLength(6 * MIB)));
    }

    private CompletableFuture<CommandResult> submit(
        final SkeinEngine engine, final long aggregateId, final long amount, final long key)
    {
        writer.wrap(buffer, 0).correlationId(key).aggregate(TestAggregates.TYPE_ID, aggregateId)
            .idempotencyKey(0x5EED, key);
        writer.body(new AddEncoder()).amount(amount).repeat(1).behaviour(0)
            .putNote(TestAggregates.NO_NOTE, 0, 0);
        return engine.submit(buffer, 0, writer.length());
    }

    private CommandResult read(final SkeinEngine engine, final long aggregateId) throws Exception
    {
        writer.wrap(buffer, 0).correlationId(-1).aggregate(TestAggregates.TYPE_ID, aggregateId);
        writer.body(new ReadEncoder()).unused(0);
        return engine.submit(buffer, 0, writer.length()).get(30, TimeUnit.SECONDS);
    }

    private static long total(final CommandResult result)
    {
        assertEquals(Outcome.ACCEPTED, result.outcome(), result.toString());
        return new TotalDecoder().wrap(result.payload(), 8, TotalDecoder.BLOCK_LENGTH, TotalDecoder.SCHEMA_VERSION)
            .total();
    }

    private static void fill(final File file, final long length) throws IOException
    {
        final byte[] chunk = new byte[1024 * 1024];
        try (RandomAccessFile out = new RandomAccessFile(file, "rw"))
        {
            for (long written = 0; written < length; written += chunk.length)
            {
                out.write(chunk, 0, (int)Math.min(chunk.length, length - written));
            }
        }
    }
}
