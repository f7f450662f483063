package io.skein.examples.bank;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.skein.codecs.Outcome;
import io.skein.engine.OfferResult;
import io.skein.engine.ReplyListener;
import io.skein.engine.SkeinEngine;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.bank.codecs.TransferEncoder;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The process the transfer crash test kills: an engine on an embedded archive opens {@link #ACCOUNTS} accounts of
 * {@link #INITIAL_BALANCE} each, then sends transfer after transfer between them, a bounded number in flight.
 * Before offering transfer i it prints {@code S i}; when i is accepted it prints {@code A i}. The parent kills it
 * with SIGKILL.
 */
public final class TransferCrashNode
{
    static final int ACCOUNTS = 8;
    static final long INITIAL_BALANCE = 10_000;
    static final int MAX_IN_FLIGHT = 32;
    static final long KEY_HI = 0x7A5F;

    private TransferCrashNode()
    {
    }

    static long payer(final long i)
    {
        return 1 + (i * 7) % ACCOUNTS;
    }

    static long payee(final long i)
    {
        return 1 + (payer(i) + (i * 13) % (ACCOUNTS - 1)) % ACCOUNTS;
    }

    static long amount(final long i)
    {
        return 1 + (i * 7919) % 4_000;
    }

    static int transfer(final CommandWriter writer, final UnsafeBuffer buffer, final TransferEncoder encoder,
        final long i)
    {
        writer.wrap(buffer, 0).correlationId(i).aggregate(BankAccount.TYPE_ID, payer(i)).idempotencyKey(KEY_HI, i + 1);
        writer.body(encoder).toAccountId(payee(i)).amount(amount(i)).toExpectedVersion(SkeinProtocol.ANY_VERSION);
        return writer.length();
    }

    /**
     * @param args the directory of the archive and journal.
     * @throws Exception if the engine cannot start.
     */
    public static void main(final String[] args) throws Exception
    {
        final File dir = new File(args[0]);
        final PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
        final EmbeddedArchive archive = EmbeddedArchive.launch(new EmbeddedArchive.Context()
            .baseDir(dir).termLength(TestArchive.TERM_LENGTH).segmentFileLength(TestArchive.TERM_LENGTH * 16));
        final Journal journal = Journal.launch(new Journal.Context()
            .embeddedArchive(archive).journalDir(new File(dir, "journal")));
        final SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
            .name("transfers").aggregate(BankAccount::new).journal(journal));

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        for (long account = 1; account <= ACCOUNTS; account++)
        {
            writer.wrap(buffer, 0).correlationId(-account).aggregate(BankAccount.TYPE_ID, account)
                .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
            writer.body(new OpenAccountEncoder()).ownerId(account).initialDeposit(INITIAL_BALANCE);
            final CommandResult opened = engine.submit(buffer, 0, writer.length()).get(30, TimeUnit.SECONDS);
            if (opened.outcome() != Outcome.ACCEPTED)
            {
                throw new IllegalStateException("could not open account " + account + ": " + opened);
            }
        }

        final long[] replied = new long[1];
        final ReplyListener listener = (reply) ->
        {
            if (reply.outcome() == Outcome.ACCEPTED)
            {
                synchronized (out)
                {
                    out.print("A ");
                    out.println(reply.correlationId());
                }
            }
            synchronized (replied)
            {
                replied[0]++;
            }
        };
        out.println("READY");
        out.flush();
        final TransferEncoder transfer = new TransferEncoder();
        for (long i = 0; ; i++)
        {
            while (true)
            {
                synchronized (replied)
                {
                    if (i - replied[0] < MAX_IN_FLIGHT)
                    {
                        break;
                    }
                }
                LockSupport.parkNanos(20_000);
            }
            final int length = transfer(writer, buffer, transfer, i);
            synchronized (out)
            {
                out.print("S ");
                out.println(i);
                out.flush();
            }
            if (engine.offer(buffer, 0, length, listener, TimeUnit.SECONDS.toNanos(30)) != OfferResult.OFFERED)
            {
                throw new IllegalStateException("could not offer transfer " + i);
            }
        }
    }
}
