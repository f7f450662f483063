package io.skein.cli;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.cli.ledger.BalanceEncoder;
import io.skein.cli.ledger.CreditedDecoder;
import io.skein.cli.ledger.DepositDecoder;
import io.skein.cli.ledger.DepositedDecoder;
import io.skein.cli.ledger.DepositedEncoder;
import io.skein.cli.ledger.GetBalanceDecoder;
import io.skein.cli.ledger.MessageHeaderDecoder;
import io.skein.cli.ledger.MessageHeaderEncoder;
import io.skein.cli.ledger.MovedDecoder;
import io.skein.cli.ledger.WithdrawDecoder;
import io.skein.cli.ledger.WithdrawnDecoder;
import io.skein.cli.ledger.WithdrawnEncoder;
import io.skein.protocol.EventUpcaster;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * The upcaster test's ledger as version 2 of its schema has it: Deposited and Withdrawn events, and an upcaster that
 * turns version 1's Credited and Moved into them. Without the upcaster ({@code new Ledger(false)}) it cannot read a
 * journal version 1 wrote.
 */
public final class Ledger implements Aggregate<Ledger.State>
{
    /**
     * The aggregate type id, the same in both versions.
     */
    public static final int TYPE_ID = 70;

    /**
     * Reject code: the amount is not positive, or more than the balance.
     */
    public static final int BAD_AMOUNT = 1;

    /**
     * Deposited.source of a deposit made by version 2.
     */
    public static final int SOURCE_DEPOSIT = 1;

    /**
     * Deposited.source of a version-1 Credited.
     */
    public static final int SOURCE_CREDITED = 2;

    /**
     * Deposited.source of a version-1 Moved with a positive delta.
     */
    public static final int SOURCE_MOVED = 3;

    private final boolean upcasting;
    private final DepositedEncoder deposited = new DepositedEncoder();
    private final WithdrawnEncoder withdrawn = new WithdrawnEncoder();
    private final BalanceEncoder balance = new BalanceEncoder();

    /**
     * The ledger with its upcaster, as the services file names it.
     */
    public Ledger()
    {
        this(true);
    }

    Ledger(final boolean upcasting)
    {
        this.upcasting = upcasting;
    }

    /**
     * The ledger's state.
     */
    public static final class State
    {
        long balance;
        long deposits;
        long withdrawals;

        @Override
        public boolean equals(final Object other)
        {
            return other instanceof State that && balance == that.balance && deposits == that.deposits &&
                withdrawals == that.withdrawals;
        }

        @Override
        public int hashCode()
        {
            return Long.hashCode(balance) * 31 * 31 + Long.hashCode(deposits) * 31 + Long.hashCode(withdrawals);
        }
    }

    @Override
    public void define(final AggregateDefinition<State> definition)
    {
        definition.typeId(TYPE_ID).name("ledger").state(State::new).schema("io/skein/cli/ledger/ledger-schema.xml")
            .command(new DepositDecoder(), (command, state, ctx) ->
            {
                if (command.amount() <= 0)
                {
                    ctx.reject(BAD_AMOUNT, "the amount must be positive");
                    return;
                }
                ctx.emit(deposited).amount(command.amount()).source(SOURCE_DEPOSIT);
            })
            .command(new WithdrawDecoder(), (command, state, ctx) ->
            {
                if (command.amount() <= 0 || command.amount() > state.balance)
                {
                    ctx.reject(BAD_AMOUNT, "the amount must be positive and at most the balance");
                    return;
                }
                ctx.emit(withdrawn).amount(command.amount());
            })
            .query(new GetBalanceDecoder(), (query, state, ctx) ->
                ctx.reply(balance).balance(state.balance).deposits(state.deposits).withdrawals(state.withdrawals))
            .event(new DepositedDecoder(), (event, state) ->
            {
                state.balance += event.amount();
                state.deposits++;
            })
            .event(new WithdrawnDecoder(), (event, state) ->
            {
                state.balance -= event.amount();
                state.withdrawals++;
            });
        if (upcasting)
        {
            definition.upcaster(new FromVersion1());
        }
    }

    /**
     * Version 1's events in version 2's form: Credited{amt} is renamed Deposited{amount, source}; Moved{delta} is
     * split into Deposited (a positive delta) and Withdrawn (a negative one).
     */
    static final class FromVersion1 implements EventUpcaster
    {
        private final MessageHeaderDecoder storedHeader = new MessageHeaderDecoder();
        private final MessageHeaderEncoder header = new MessageHeaderEncoder();
        private final CreditedDecoder credited = new CreditedDecoder();
        private final MovedDecoder moved = new MovedDecoder();
        private final DepositedEncoder deposited = new DepositedEncoder();
        private final WithdrawnEncoder withdrawn = new WithdrawnEncoder();

        @Override
        public int upcast(
            final int templateId,
            final int actingVersion,
            final DirectBuffer stored,
            final int offset,
            final int length,
            final MutableDirectBuffer current)
        {
            if (templateId == CreditedDecoder.TEMPLATE_ID)
            {
                credited.wrapAndApplyHeader(stored, offset, storedHeader);
                deposited.wrapAndApplyHeader(current, 0, header).amount(credited.amt()).source(SOURCE_CREDITED);
                return MessageHeaderEncoder.ENCODED_LENGTH + deposited.encodedLength();
            }
            if (templateId == MovedDecoder.TEMPLATE_ID)
            {
                moved.wrapAndApplyHeader(stored, offset, storedHeader);
                final long delta = moved.delta();
                if (delta >= 0)
                {
                    deposited.wrapAndApplyHeader(current, 0, header).amount(delta).source(SOURCE_MOVED);
                    return MessageHeaderEncoder.ENCODED_LENGTH + deposited.encodedLength();
                }
                withdrawn.wrapAndApplyHeader(current, 0, header).amount(-delta);
                return MessageHeaderEncoder.ENCODED_LENGTH + withdrawn.encodedLength();
            }
            return UNCHANGED;
        }
    }
}
