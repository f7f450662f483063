package io.skein.examples.bank;

import java.io.File;
import java.util.List;

import io.skein.engine.SkeinEngine;
import io.skein.examples.CrashLoad;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.bank.codecs.TransferEncoder;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The process the transfer crash test kills: an engine on an embedded archive opens {@link #ACCOUNTS} accounts of
 * {@link #INITIAL_BALANCE} each, then sends transfer after transfer between them, a bounded number in flight.
 * through {@link CrashLoad}, which prints each transfer sent and accepted. The parent kills it with SIGKILL.
 */
public final class TransferCrashNode
{
    static final int ACCOUNTS = 8;
    static final long INITIAL_BALANCE = 10_000;
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
        final SkeinEngine engine = CrashLoad.launchEngine(dir, "transfers", List.of(BankAccount::new));

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        for (long account = 1; account <= ACCOUNTS; account++)
        {
            writer.wrap(buffer, 0).correlationId(-account).aggregate(BankAccount.TYPE_ID, account)
                .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
            writer.body(new OpenAccountEncoder()).ownerId(account).initialDeposit(INITIAL_BALANCE);
            CrashLoad.require(engine, buffer, writer.length(), "open account " + account);
        }
        final TransferEncoder transfer = new TransferEncoder();
        CrashLoad.offerForever(engine, (w, b, i) -> transfer(w, b, transfer, i));
    }
}
