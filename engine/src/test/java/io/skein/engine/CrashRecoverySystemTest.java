package io.skein.engine;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.skein.codecs.Outcome;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.engine.test.codecs.ReadEncoder;
import io.skein.engine.test.codecs.TotalDecoder;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.testsupport.ForkedJvm;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills a real engine process with SIGKILL under load at several points, recovers from its journal, and checks that
 * every acknowledged command was kept, none was applied twice, and the state equals what an independent model
 * computes from the commands.
 */
class CrashRecoverySystemTest
{
    private static final long SEED = 0x5EED;

    @TempDir
    File tempDir;

    @Test
    void shouldKeepEveryAcknowledgedCommandAcrossKillNine() throws Exception
    {
        final int[] killPoints = { 50, 1_500, 6_000 };
        for (final int killPoint : killPoints)
        {
            killAndRecover(new File(tempDir, "kill-" + killPoint), killPoint);
        }
    }

    private void killAndRecover(final File dir, final int killAfterAcks) throws Exception
    {
        assertTrue(dir.mkdirs());
        final File output = new File(dir, "node.out");
        Log log;
        try (ForkedJvm node = ForkedJvm.startWithOutputFile("node", dir, List.of(), CrashNode.class,
            dir.getAbsolutePath(), Long.toString(SEED)))
        {
            final long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while ((log = Log.read(output)).acked.cardinality() < killAfterAcks)
            {
                assertTrue(node.isAlive(), "node ended early; see " + dir + "/node.err");
                assertTrue(System.nanoTime() < deadlineNs, "waiting for " + killAfterAcks + " acks, have " +
                    log.acked.cardinality());
                Thread.sleep(5);
            }
            assertEquals(137, node.kill(), "killed by SIGKILL");
        }
        log = Log.read(output);
        final BitSet acked = log.acked;
        final AtomicLong maxSent = new AtomicLong(log.maxSent);

        final long sent = maxSent.get();
        try (TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("recovered")
                .aggregate(TestAggregates.Tally::new)
                .journal(archive.journal())))
        {
            assertTrue(engine.recoveredEntries() >= acked.cardinality(),
                "recovered " + engine.recoveredEntries() + " entries but " + acked.cardinality() + " were acked");

            final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
            final CommandWriter writer = new CommandWriter();
            final AddEncoder add = new AddEncoder();
            int duplicates = 0;
            final List<Long> lostAcks = new ArrayList<>();
            for (long i = 0; i <= sent; i++)
            {
                final int length = CrashNode.command(writer, buffer, add, SEED, i);
                final CommandResult result = engine.submit(buffer, 0, length).get(10, TimeUnit.SECONDS);
                if (result.outcome() == Outcome.DUPLICATE)
                {
                    duplicates++;
                }
                else
                {
                    assertEquals(Outcome.ACCEPTED, result.outcome(), "resend of " + i + ": " + result);
                    if (acked.get((int)i))
                    {
                        lostAcks.add(i);
                    }
                }
            }
            System.out.printf("kill after %d acks: %d acknowledged, %d possibly sent, %d recovered entries, " +
                "%d resends answered DUPLICATE%n", killAfterAcks, acked.cardinality(), sent + 1,
                engine.recoveredEntries(), duplicates);
            assertEquals(List.of(), lostAcks, "acknowledged commands missing after recovery");
            assertEquals(engine.recoveredEntries(), duplicates, "every recovered entry is answered DUPLICATE");

            for (long aggregate = 0; aggregate < CrashNode.AGGREGATES; aggregate++)
            {
                long expected = 0;
                for (long i = aggregate; i <= sent; i += CrashNode.AGGREGATES)
                {
                    expected += CrashNode.amount(i) * CrashNode.repeat(i);
                }
                assertEquals(expected, readTotal(engine, writer, buffer, aggregate), "aggregate " + aggregate);
            }
        }
    }

    private static long readTotal(
        final SkeinEngine engine, final CommandWriter writer, final UnsafeBuffer buffer, final long aggregate)
        throws Exception
    {
        writer.wrap(buffer, 0).correlationId(-1).aggregate(TestAggregates.TYPE_ID, aggregate);
        writer.body(new ReadEncoder()).unused(0);
        final CommandResult result = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
        return new TotalDecoder().wrap(result.payload(), 8, TotalDecoder.BLOCK_LENGTH, TotalDecoder.SCHEMA_VERSION)
            .total();
    }

    /**
     * What the node wrote: complete lines only, since a line torn by the kill was never acted on.
     */
    private static final class Log
    {
        final BitSet acked = new BitSet();
        long maxSent = -1;

        static Log read(final File file) throws java.io.IOException
        {
            final Log log = new Log();
            if (!file.exists())
            {
                return log;
            }
            final String text = new String(java.nio.file.Files.readAllBytes(file.toPath()), StandardCharsets.US_ASCII);
            final int end = text.lastIndexOf('\n');
            if (end < 0)
            {
                return log;
            }
            for (final String line : text.substring(0, end).split("\n"))
            {
                if (line.startsWith("A "))
                {
                    log.acked.set(Integer.parseInt(line.substring(2)));
                }
                else if (line.startsWith("S "))
                {
                    log.maxSent = Math.max(log.maxSent, Long.parseLong(line.substring(2)));
                }
            }
            return log;
        }
    }
}
