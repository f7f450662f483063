package io.skein.cli;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.cli.ledger.v1.BalanceEncoder;
import io.skein.cli.ledger.v1.CreditDecoder;
import io.skein.cli.ledger.v1.CreditedDecoder;
import io.skein.cli.ledger.v1.CreditedEncoder;
import io.skein.cli.ledger.v1.GetBalanceDecoder;
import io.skein.cli.ledger.v1.MoveDecoder;
import io.skein.cli.ledger.v1.MovedDecoder;
import io.skein.cli.ledger.v1.MovedEncoder;

/**
 * The upcaster test's ledger as version 1 of its schema had it (codecs generated with
 * {@code -Dsbe.schema.transform.version=*:1}): a credit is Credited{amt}, any other change a signed Moved{delta}.
 */
public final class LedgerV1 implements Aggregate<Ledger.State>
{
    private final CreditedEncoder credited = new CreditedEncoder();
    private final MovedEncoder moved = new MovedEncoder();
    private final BalanceEncoder balance = new BalanceEncoder();

    @Override
    public void define(final AggregateDefinition<Ledger.State> definition)
    {
        definition.typeId(Ledger.TYPE_ID).name("ledger").state(Ledger.State::new)
            .schema("io/skein/cli/ledger/ledger-schema.xml")
            .command(new CreditDecoder(), (command, state, ctx) -> ctx.emit(credited).amt(command.amt()))
            .command(new MoveDecoder(), (command, state, ctx) ->
            {
                if (state.balance + command.delta() < 0)
                {
                    ctx.reject(Ledger.BAD_AMOUNT, "the balance cannot go below zero");
                    return;
                }
                ctx.emit(moved).delta(command.delta());
            })
            .query(new GetBalanceDecoder(), (query, state, ctx) ->
                ctx.reply(balance).balance(state.balance).deposits(state.deposits).withdrawals(state.withdrawals))
            .event(new CreditedDecoder(), (event, state) ->
            {
                state.balance += event.amt();
                state.deposits++;
            })
            .event(new MovedDecoder(), (event, state) ->
            {
                state.balance += event.delta();
                if (event.delta() >= 0)
                {
                    state.deposits++;
                }
                else
                {
                    state.withdrawals++;
                }
            });
    }
}
