package io.skein.examples.bank;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.CommandContext;
import io.skein.aggregate.QueryContext;
import io.skein.aggregate.StateCodec;
import io.skein.examples.bank.codecs.*;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * A bank account: opened once, deposits and withdrawals while open, closed at a zero balance. Handlers decide from
 * state without changing it; the appliers are the only code that changes it.
 */
public final class BankAccount implements Aggregate<AccountState>, AccountHandlers<AccountState>
{
    /**
     * The aggregate type id commands use to address accounts.
     */
    public static final int TYPE_ID = 1;

    private final AccountOpenedEncoder opened = new AccountOpenedEncoder();
    private final DepositedEncoder deposited = new DepositedEncoder();
    private final WithdrawnEncoder withdrawn = new WithdrawnEncoder();
    private final AccountClosedEncoder closed = new AccountClosedEncoder();
    private final BalanceEncoder balance = new BalanceEncoder();
    private final TransferSentEncoder transferSent = new TransferSentEncoder();
    private final TransferReceivedEncoder transferReceived = new TransferReceivedEncoder();

    /**
     * {@inheritDoc}
     */
    @Override
    public void define(final AggregateDefinition<AccountState> definition)
    {
        // AccountHandlers is generated from the schema's roles: every command, query and event, bound to this.
        AccountHandlers.bind(definition.typeId(TYPE_ID).name("account").state(AccountState::new)
            .schema("io/skein/examples/bank/bank-schema.xml")
            .snapshot(new AccountCodec()), this);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onOpenAccount(final OpenAccountDecoder command, final AccountState state, final CommandContext ctx)
    {
        if (state.status != AccountStatus.UNOPENED)
        {
            reject(ctx, AccountRejection.ALREADY_OPEN, "account is already open or was closed");
        }
        else if (command.initialDeposit() < 0)
        {
            reject(ctx, AccountRejection.NEGATIVE_AMOUNT, "initial deposit must not be negative");
        }
        else
        {
            ctx.emit(opened).ownerId(command.ownerId()).initialBalance(command.initialDeposit());
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onDeposit(final DepositDecoder command, final AccountState state, final CommandContext ctx)
    {
        if (checkOpen(state, ctx) && checkPositive(command.amount(), ctx))
        {
            ctx.emit(deposited).amount(command.amount());
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onWithdraw(final WithdrawDecoder command, final AccountState state, final CommandContext ctx)
    {
        if (checkOpen(state, ctx) && checkPositive(command.amount(), ctx))
        {
            if (command.amount() > state.available())
            {
                rejectFunds(state, command.amount(), ctx);
            }
            else
            {
                ctx.emit(withdrawn).amount(command.amount());
            }
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onCloseAccount(final CloseAccountDecoder command, final AccountState state, final CommandContext ctx)
    {
        if (checkOpen(state, ctx))
        {
            if (state.balance != 0)
            {
                reject(ctx, AccountRejection.BALANCE_NOT_ZERO, "only an account with a zero balance can be closed");
            }
            else
            {
                ctx.emit(closed).reasonCode(command.reasonCode());
            }
        }
    }

    /**
     * A transfer, sent to the paying account: decided against both accounts' current state, and written as one
     * journal entry with an event on each, so the sum of all balances never changes.
     */
    @Override
    public void onTransfer(final TransferDecoder command, final AccountState state, final CommandContext ctx)
    {
        final long payee = command.toAccountId();
        if (!checkOpen(state, ctx) || !checkPositive(command.amount(), ctx))
        {
            return;
        }
        if (payee == ctx.aggregateId())
        {
            reject(ctx, AccountRejection.SAME_ACCOUNT, "an account cannot transfer to itself");
            return;
        }
        if (!ctx.expectVersion(TYPE_ID, payee, command.toExpectedVersion()))
        {
            return;
        }
        final AccountState payeeState = ctx.stateOf(TYPE_ID, payee);
        if (payeeState.status != AccountStatus.OPEN)
        {
            reject(ctx, AccountRejection.PAYEE_NOT_OPEN, "the receiving account is not open");
        }
        else if (command.amount() > state.available())
        {
            rejectFunds(state, command.amount(), ctx);
        }
        else
        {
            ctx.emit(transferSent).toAccountId(payee).amount(command.amount());
            ctx.emitTo(TYPE_ID, payee, transferReceived).fromAccountId(ctx.aggregateId()).amount(command.amount());
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onGetBalance(final GetBalanceDecoder query, final AccountState state, final QueryContext ctx)
    {
        ctx.reply(balance).balance(state.balance).status(state.status).ownerId(state.ownerId)
            .reserved(state.reserved);
    }

    /**
     * Refuse a payment larger than the available balance: as FUNDS_RESERVED when the balance would cover it but
     * part of it is held for orders, so the caller can tell the two apart.
     */
    private static void rejectFunds(final AccountState state, final long amount, final CommandContext ctx)
    {
        if (amount <= state.balance)
        {
            reject(ctx, AccountRejection.FUNDS_RESERVED, "part of the balance is reserved for resting orders");
        }
        else
        {
            reject(ctx, AccountRejection.INSUFFICIENT_FUNDS, "insufficient funds");
        }
    }

    private static boolean checkOpen(final AccountState state, final CommandContext ctx)
    {
        if (state.status == AccountStatus.UNOPENED)
        {
            reject(ctx, AccountRejection.NOT_OPEN, "account is not open");
            return false;
        }
        if (state.status == AccountStatus.CLOSED)
        {
            reject(ctx, AccountRejection.CLOSED, "account is closed");
            return false;
        }
        return true;
    }

    private static boolean checkPositive(final long amount, final CommandContext ctx)
    {
        if (amount <= 0)
        {
            reject(ctx, AccountRejection.NON_POSITIVE_AMOUNT, "amount must be positive");
            return false;
        }
        return true;
    }

    private static void reject(final CommandContext ctx, final AccountRejection rejection, final String message)
    {
        ctx.reject(rejection.value(), message);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyAccountOpened(final AccountOpenedDecoder event, final AccountState state)
    {
        state.status = AccountStatus.OPEN;
        state.ownerId = event.ownerId();
        state.balance = event.initialBalance();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyDeposited(final DepositedDecoder event, final AccountState state)
    {
        state.balance += event.amount();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyWithdrawn(final WithdrawnDecoder event, final AccountState state)
    {
        state.balance -= event.amount();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyTransferSent(final TransferSentDecoder event, final AccountState state)
    {
        state.balance -= event.amount();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyTransferReceived(final TransferReceivedDecoder event, final AccountState state)
    {
        state.balance += event.amount();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyFundsReserved(final FundsReservedDecoder event, final AccountState state)
    {
        state.reserved += event.amount();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyFundsReleased(final FundsReleasedDecoder event, final AccountState state)
    {
        state.reserved -= event.amount();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyReservedFundsPaid(final ReservedFundsPaidDecoder event, final AccountState state)
    {
        state.reserved -= event.amount();
        state.balance -= event.amount();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applySettlementReceived(final SettlementReceivedDecoder event, final AccountState state)
    {
        state.balance += event.amount();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void applyAccountClosed(final AccountClosedDecoder event, final AccountState state)
    {
        state.status = AccountStatus.CLOSED;
    }

    /**
     * An account's state as an {@code AccountSnapshot} message.
     */
    static final class AccountCodec implements StateCodec<AccountState>
    {
        private final AccountSnapshotEncoder encoder = new AccountSnapshotEncoder();
        private final AccountSnapshotDecoder decoder = new AccountSnapshotDecoder();

        @Override
        public int encode(final AccountState state, final MutableDirectBuffer buffer, final int offset)
        {
            encoder.wrap(buffer, offset).status(state.status).ownerId(state.ownerId).balance(state.balance)
                .reserved(state.reserved);
            return encoder.encodedLength();
        }

        @Override
        public void decode(final DirectBuffer buffer, final int offset, final int length, final AccountState state)
        {
            decode(buffer, offset, length, AccountSnapshotDecoder.SCHEMA_VERSION, state);
        }

        /**
         * A state written by an older version of the schema, read with the version it was written with and its own
         * length as the block: versions 1 and 2 had no reserved funds (version 2 added transfers, not state), so
         * their accounts have none.
         */
        @Override
        public void decode(
            final DirectBuffer buffer, final int offset, final int length, final int schemaVersion,
            final AccountState state)
        {
            decoder.wrap(buffer, offset, length, schemaVersion);
            state.status = decoder.status();
            state.ownerId = decoder.ownerId();
            state.balance = decoder.balance();
            state.reserved = schemaVersion >= AccountSnapshotDecoder.reservedSinceVersion() ? decoder.reserved() : 0;
        }
    }
}
