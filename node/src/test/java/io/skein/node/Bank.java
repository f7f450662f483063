package io.skein.node;

import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.BalanceDecoder;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.GetBalanceEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.bank.codecs.TransferEncoder;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.SkeinProtocol;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes bank account commands for the system tests.
 */
final class Bank
{
    final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
    private final CommandWriter writer = new CommandWriter();
    private final OpenAccountEncoder open = new OpenAccountEncoder();
    private final DepositEncoder deposit = new DepositEncoder();
    private final GetBalanceEncoder getBalance = new GetBalanceEncoder();
    private final TransferEncoder transfer = new TransferEncoder();

    int open(final long correlationId, final long accountId, final long initialDeposit)
    {
        writer.wrap(buffer, 0).correlationId(correlationId).aggregate(BankAccount.TYPE_ID, accountId)
            .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
        writer.body(open).ownerId(accountId).initialDeposit(initialDeposit);
        return writer.length();
    }

    int deposit(final long correlationId, final long accountId, final long amount, final long keyLo)
    {
        writer.wrap(buffer, 0).correlationId(correlationId).aggregate(BankAccount.TYPE_ID, accountId)
            .idempotencyKey(0xB0B, keyLo);
        writer.body(deposit).amount(amount);
        return writer.length();
    }

    int transfer(final long correlationId, final long payer, final long payee, final long amount)
    {
        writer.wrap(buffer, 0).correlationId(correlationId).aggregate(BankAccount.TYPE_ID, payer);
        writer.body(transfer).toAccountId(payee).amount(amount).toExpectedVersion(SkeinProtocol.ANY_VERSION);
        return writer.length();
    }

    int balance(final long correlationId, final long accountId)
    {
        writer.wrap(buffer, 0).correlationId(correlationId).aggregate(BankAccount.TYPE_ID, accountId);
        writer.body(getBalance).unused(0);
        return writer.length();
    }

    static long balanceOf(final CommandResult result)
    {
        return new BalanceDecoder().wrap(result.payload(), SkeinProtocol.HEADER_LENGTH, BalanceDecoder.BLOCK_LENGTH,
            BalanceDecoder.SCHEMA_VERSION).balance();
    }
}
