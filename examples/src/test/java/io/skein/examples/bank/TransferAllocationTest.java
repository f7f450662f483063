package io.skein.examples.bank;

import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.engine.SkeinEngine;
import io.skein.engine.SyncCaller;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.bank.codecs.TransferEncoder;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A transfer decided, built, applied to two accounts and answered allocates nothing on the engine's threads once
 * warm (HotSpot's per-thread allocation counters over 100,000 transfers).
 */
class TransferAllocationTest
{
    private static final int ACCOUNTS = 1_000;
    private static final int WARM_UP = 100_000;
    private static final int MEASURED = 100_000;
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(10);

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final TransferEncoder transfer = new TransferEncoder();

    @Test
    void transfersAllocateNothingOnTheWriterOrTheReplyStage()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)ManagementFactory.getThreadMXBean();
        try (SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context().name("transfer-alloc")
            .aggregate(BankAccount::new).idempotencyWindowCapacity(1024).ringSize(1024)))
        {
            final SyncCaller caller = engine.newSyncCaller();
            final OpenAccountEncoder open = new OpenAccountEncoder();
            for (int account = 0; account < ACCOUNTS; account++)
            {
                writer.wrap(buffer, 0).correlationId(-1 - account).aggregate(BankAccount.TYPE_ID, account);
                writer.body(open).ownerId(account).initialDeposit(1_000_000_000L);
                assertEquals(Outcome.ACCEPTED, caller.call(buffer, 0, writer.length(), TIMEOUT_NS).outcome());
            }
            send(caller, 0, WARM_UP);
            final Thread writerThread = thread("skein-transfer-alloc-writer");
            final Thread replierThread = thread("skein-transfer-alloc-replier");
            final long writerBefore = threads.getThreadAllocatedBytes(writerThread.getId());
            final long replierBefore = threads.getThreadAllocatedBytes(replierThread.getId());

            send(caller, WARM_UP, MEASURED);

            final long writerBytes = threads.getThreadAllocatedBytes(writerThread.getId()) - writerBefore;
            final long replierBytes = threads.getThreadAllocatedBytes(replierThread.getId()) - replierBefore;
            System.out.println("transfers: writer bytes=" + writerBytes + " replier bytes=" + replierBytes +
                " over " + MEASURED);
            assertTrue(writerBytes < 4096, "writer allocated " + writerBytes + " bytes over " + MEASURED);
            assertTrue(replierBytes < 4096, "reply stage allocated " + replierBytes + " bytes over " + MEASURED);
        }
    }

    private void send(final SyncCaller caller, final long from, final int count)
    {
        for (long i = from; i < from + count; i++)
        {
            final long payer = (i * 7) % ACCOUNTS;
            final long payee = (payer + 1 + i % (ACCOUNTS - 1)) % ACCOUNTS;
            writer.wrap(buffer, 0).correlationId(i).aggregate(BankAccount.TYPE_ID, payer).idempotencyKey(1, i + 1);
            writer.body(transfer).toAccountId(payee).amount(1).toExpectedVersion(SkeinProtocol.ANY_VERSION);
            final Reply reply = caller.call(buffer, 0, writer.length(), TIMEOUT_NS);
            if (reply.outcome() != Outcome.ACCEPTED)
            {
                throw new AssertionError("transfer " + i + ": " + reply.outcome() + " " + reply.reason());
            }
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
        throw new AssertionError("no thread named " + prefix + "*");
    }
}
