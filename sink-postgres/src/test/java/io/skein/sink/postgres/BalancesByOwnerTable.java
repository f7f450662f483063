package io.skein.sink.postgres;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.AccountClosedDecoder;
import io.skein.examples.bank.codecs.AccountOpenedDecoder;
import io.skein.examples.bank.codecs.DepositedDecoder;
import io.skein.examples.bank.codecs.FundsReleasedDecoder;
import io.skein.examples.bank.codecs.FundsReservedDecoder;
import io.skein.examples.bank.codecs.MessageHeaderDecoder;
import io.skein.examples.bank.codecs.ReservedFundsPaidDecoder;
import io.skein.examples.bank.codecs.SettlementReceivedDecoder;
import io.skein.examples.bank.codecs.TransferReceivedDecoder;
import io.skein.examples.bank.codecs.TransferSentDecoder;
import io.skein.examples.bank.codecs.WithdrawnDecoder;
import io.skein.protocol.JournalEvents;

/**
 * The bank's balances by owner as tables: {@code <prefix>_account(account_id, owner_id)} and
 * {@code <prefix>_owner(owner_id, balance, open_accounts)}, written exactly once by a {@link PostgresProjection}.
 * A transfer's two events come in one entry addressed to the payer; each is applied to its own account (the event's
 * aggregate), so the payee's owner is credited.
 */
final class BalancesByOwnerTable implements RowWriter
{
    private final String account;
    private final String owner;
    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final AccountOpenedDecoder opened = new AccountOpenedDecoder();
    private final DepositedDecoder deposited = new DepositedDecoder();
    private final WithdrawnDecoder withdrawn = new WithdrawnDecoder();
    private final TransferSentDecoder sent = new TransferSentDecoder();
    private final TransferReceivedDecoder received = new TransferReceivedDecoder();
    private final ReservedFundsPaidDecoder paid = new ReservedFundsPaidDecoder();
    private final SettlementReceivedDecoder settled = new SettlementReceivedDecoder();

    BalancesByOwnerTable(final String prefix)
    {
        this.account = prefix + "_account";
        this.owner = prefix + "_owner";
    }

    @Override
    public void createSchema(final Rows rows) throws SQLException
    {
        try (Statement create = rows.connection().createStatement())
        {
            create.execute("CREATE TABLE IF NOT EXISTS " + account +
                " (account_id bigint PRIMARY KEY, owner_id bigint NOT NULL)");
            create.execute("CREATE TABLE IF NOT EXISTS " + owner +
                " (owner_id bigint PRIMARY KEY, balance bigint NOT NULL, open_accounts int NOT NULL)");
        }
    }

    @Override
    public void onEvent(final Rows rows, final JournalEvents event) throws SQLException
    {
        if (event.aggregateTypeId() != BankAccount.TYPE_ID)
        {
            return;
        }
        header.wrap(event.event(), 0);
        final int offset = MessageHeaderDecoder.ENCODED_LENGTH;
        switch (header.templateId())
        {
            case AccountOpenedDecoder.TEMPLATE_ID ->
            {
                opened.wrap(event.event(), offset, header.blockLength(), header.version());
                final PreparedStatement insert = rows.statement(
                    "INSERT INTO " + account + " (account_id, owner_id) VALUES (?, ?)");
                insert.setLong(1, event.aggregateId());
                insert.setLong(2, opened.ownerId());
                insert.executeUpdate();
                final PreparedStatement upsert = rows.statement("INSERT INTO " + owner +
                    " (owner_id, balance, open_accounts) VALUES (?, ?, 1) ON CONFLICT (owner_id) DO UPDATE SET " +
                    "balance = " + owner + ".balance + EXCLUDED.balance, open_accounts = " + owner +
                    ".open_accounts + 1");
                upsert.setLong(1, opened.ownerId());
                upsert.setLong(2, opened.initialBalance());
                upsert.executeUpdate();
            }
            case DepositedDecoder.TEMPLATE_ID ->
            {
                deposited.wrap(event.event(), offset, header.blockLength(), header.version());
                add(rows, event.aggregateId(), deposited.amount());
            }
            case WithdrawnDecoder.TEMPLATE_ID ->
            {
                withdrawn.wrap(event.event(), offset, header.blockLength(), header.version());
                add(rows, event.aggregateId(), -withdrawn.amount());
            }
            case TransferSentDecoder.TEMPLATE_ID ->
            {
                sent.wrap(event.event(), offset, header.blockLength(), header.version());
                add(rows, event.aggregateId(), -sent.amount());
            }
            case TransferReceivedDecoder.TEMPLATE_ID ->
            {
                received.wrap(event.event(), offset, header.blockLength(), header.version());
                add(rows, event.aggregateId(), received.amount());
            }
            case ReservedFundsPaidDecoder.TEMPLATE_ID ->
            {
                paid.wrap(event.event(), offset, header.blockLength(), header.version());
                add(rows, event.aggregateId(), -paid.amount());
            }
            case SettlementReceivedDecoder.TEMPLATE_ID ->
            {
                settled.wrap(event.event(), offset, header.blockLength(), header.version());
                add(rows, event.aggregateId(), settled.amount());
            }
            case FundsReservedDecoder.TEMPLATE_ID, FundsReleasedDecoder.TEMPLATE_ID ->
            {
                // A reservation changes what is available, not the balance.
            }
            case AccountClosedDecoder.TEMPLATE_ID ->
            {
                final PreparedStatement close = rows.statement("UPDATE " + owner + " SET open_accounts = " +
                    "open_accounts - 1 WHERE owner_id = (SELECT owner_id FROM " + account + " WHERE account_id = ?)");
                close.setLong(1, event.aggregateId());
                expectOneRow(close.executeUpdate(), event);
            }
            default -> throw new SQLException("unknown bank event template " + header.templateId());
        }
    }

    private void add(final Rows rows, final long accountId, final long amount) throws SQLException
    {
        final PreparedStatement update = rows.statement("UPDATE " + owner + " SET balance = balance + ? " +
            "WHERE owner_id = (SELECT owner_id FROM " + account + " WHERE account_id = ?)");
        update.setLong(1, amount);
        update.setLong(2, accountId);
        if (update.executeUpdate() != 1)
        {
            throw new SQLException("no owner row for account " + accountId);
        }
    }

    private static void expectOneRow(final int rows, final JournalEvents event) throws SQLException
    {
        if (rows != 1)
        {
            throw new SQLException("event " + event.sequence() + " changed " + rows + " rows");
        }
    }
}
