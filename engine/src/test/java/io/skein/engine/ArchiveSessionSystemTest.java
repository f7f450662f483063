package io.skein.engine;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.aeron.archive.client.AeronArchive;
import io.skein.codecs.Outcome;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArchiveSessionSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    @TempDir
    File dir;

    /**
     * The archive pings every control session and closes one whose pings go unread for its connect timeout: with
     * a ping every 5 ms and a half-second timeout, an unread session is gone within about three seconds, as a
     * real node's is after about nine minutes of the defaults.
     */
    @Test
    void shouldKeepTheArchiveSessionOfAnIdleEngineSoSnapshotsAndCloseStillWork() throws Exception
    {
        final List<Throwable> errors = new ArrayList<>();
        try (TestArchive archive = TestArchive.launch(dir, (ctx) -> ctx
            .controlSessionTimeoutNs(TimeUnit.MILLISECONDS.toNanos(500))
            .sessionLivenessCheckIntervalNs(TimeUnit.MILLISECONDS.toNanos(5))))
        {
            try (SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("idle")
                .aggregate(TestAggregates.Tally::new)
                .snapshotOnClose(true)
                .errorHandler((ex) ->
                {
                    synchronized (errors)
                    {
                        errors.add(ex);
                    }
                })
                .journal(archive.journal())))
            {
                assertEquals(Outcome.ACCEPTED, add(engine, 1).outcome());
                // A canary session that nobody reads: once the archive has closed it, an unkept session would be
                // gone too. Wait for that, bounded, then for as long again.
                try (AeronArchive canary = AeronArchive.connect(new AeronArchive.Context()
                    .aeronDirectoryName(archive.archive().aeronDirectoryName())
                    .controlRequestChannel("aeron:ipc")
                    .controlResponseChannel("aeron:ipc")))
                {
                    final long startNs = System.nanoTime();
                    final long deadlineNs = startNs + TimeUnit.SECONDS.toNanos(30);
                    while (canary.controlResponsePoller().subscription().isConnected())
                    {
                        assertTrue(System.nanoTime() < deadlineNs, "the archive never closed the unread session");
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
                    }
                    final long idleNs = System.nanoTime() - startNs;
                    final long againNs = System.nanoTime() + idleNs;
                    while (System.nanoTime() < againNs)
                    {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                    }
                }
                assertTrue(engine.takeSnapshot(TIMEOUT_NS) > 0, "a snapshot after the idle time");
                assertEquals(Outcome.ACCEPTED, add(engine, 2).outcome());
                assertEquals(0, engine.counters().archiveReconnects().get(), "the session was kept, not replaced");
            }
        }
        synchronized (errors)
        {
            assertEquals(List.of(), errors, "the engine reported errors");
        }
    }

    private static CommandResult add(final SkeinEngine engine, final long amount) throws Exception
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        writer.wrap(buffer, 0).correlationId(amount).aggregate(TestAggregates.TYPE_ID, 1);
        writer.body(new AddEncoder()).amount(amount).repeat(1).behaviour(0)
            .putNote(TestAggregates.NO_NOTE, 0, 0);
        return engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
    }
}
