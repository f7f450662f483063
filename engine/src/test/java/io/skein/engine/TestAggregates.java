package io.skein.engine;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.CommandContext;
import io.skein.aggregate.QueryContext;
import io.skein.aggregate.StateCodec;
import io.skein.engine.test.codecs.AddDecoder;
import io.skein.engine.test.codecs.AddedDecoder;
import io.skein.engine.test.codecs.AddedEncoder;
import io.skein.engine.test.codecs.OrphanEncoder;
import io.skein.engine.test.codecs.PeekDecoder;
import io.skein.engine.test.codecs.ReadDecoder;
import io.skein.engine.test.codecs.TotalEncoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

/**
 * Test support: the engine tests' sample aggregate, a tally of added amounts, for the engine's tests, the testkit's
 * and tests in other packages (through the engine's test jar).
 */
public final class TestAggregates
{
    /**
     * Type id of the tally.
     */
    public static final int TYPE_ID = 9;

    /**
     * Domain reject code of a negative amount.
     */
    public static final int NEGATIVE = 42;

    /**
     * An empty note.
     */
    public static final byte[] NO_NOTE = new byte[0];

    private TestAggregates()
    {
    }

    /**
     * A new tally aggregate.
     *
     * @return the aggregate.
     */
    public static Aggregate<?> tally()
    {
        return new Tally();
    }

    public static final class TallyState
    {
        public long total;
        public long count;

        public TallyState()
        {
        }

        public TallyState(final long total, final long count)
        {
            this.total = total;
            this.count = count;
        }

        @Override
        public boolean equals(final Object o)
        {
            return o instanceof TallyState && ((TallyState)o).total == total && ((TallyState)o).count == count;
        }

        @Override
        public int hashCode()
        {
            return Long.hashCode(total * 31 + count);
        }

        @Override
        public String toString()
        {
            return "TallyState{total=" + total + ", count=" + count + "}";
        }
    }

    public static final class Tally implements Aggregate<TallyState>
    {
        private final AddedEncoder added = new AddedEncoder();
        private final TotalEncoder totalEncoder = new TotalEncoder();
        private final OrphanEncoder orphan = new OrphanEncoder();
        private final byte[] note = new byte[512];

        @Override
        public void define(final AggregateDefinition<TallyState> definition)
        {
            definition.typeId(TYPE_ID).name("tally").state(TallyState::new)
                .snapshot(new StateCodec<>()
                {
                    @Override
                    public int encode(final TallyState state, final MutableDirectBuffer buffer, final int offset)
                    {
                        buffer.putLong(offset, state.total);
                        buffer.putLong(offset + 8, state.count);
                        return 16;
                    }

                    @Override
                    public void decode(
                        final DirectBuffer buffer, final int offset, final int length, final TallyState state)
                    {
                        state.total = buffer.getLong(offset);
                        state.count = buffer.getLong(offset + 8);
                    }
                })
                .command(new AddDecoder(), this::onAdd)
                .query(new ReadDecoder(), this::onRead)
                .query(new PeekDecoder(), (query, state, ctx) -> ctx.reply(totalEncoder).total(state.total)
                    .count(state.count))
                .event(new AddedDecoder(), this::onAdded);
        }

        private void onAdd(final AddDecoder command, final TallyState state, final CommandContext ctx)
        {
            final int noteLength = command.getNote(note, 0, note.length);
            if (noteLength > 0 && note[0] == 'x')
            {
                ctx.reject(NEGATIVE + 1, "notes may not start with x");
                return;
            }
            if (command.amount() < 0)
            {
                ctx.reject(NEGATIVE, "amount must not be negative");
                return;
            }
            if (command.behaviour() == 2)
            {
                throw new IllegalStateException("boom");
            }
            if (command.behaviour() == 3)
            {
                state.total += 1000;
            }
            if (command.behaviour() == 5)
            {
                // A handler that breaks the rule (it changes state) and then fails.
                state.total += 1000;
                throw new IllegalStateException("marked, then boom");
            }
            if (command.behaviour() == 4)
            {
                ctx.emit(orphan).value(1);
            }
            for (int i = 0; i < command.repeat(); i++)
            {
                ctx.emit(added).amount(command.amount());
            }
        }

        private void onRead(final ReadDecoder query, final TallyState state, final QueryContext ctx)
        {
            ctx.reply(totalEncoder).total(state.total).count(state.count);
        }

        private void onAdded(final AddedDecoder event, final TallyState state)
        {
            state.total += event.amount();
            state.count++;
        }
    }
}
