package io.skein.testkit;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.StateCodec;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.engine.RecordedEvent;
import io.skein.engine.TestAggregates;
import io.skein.engine.TestAggregates.Tally;
import io.skein.engine.TestAggregates.TallyState;
import io.skein.engine.test.codecs.AddDecoder;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.engine.test.codecs.AddedDecoder;
import io.skein.engine.test.codecs.AddedEncoder;
import io.skein.engine.test.codecs.OrphanEncoder;
import io.skein.engine.test.codecs.PeekEncoder;
import io.skein.engine.test.codecs.ReadDecoder;
import io.skein.engine.test.codecs.ReadEncoder;
import io.skein.engine.test.codecs.TotalDecoder;
import io.skein.engine.test.codecs.TotalEncoder;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AggregateFixtureTest
{
    private static final int TYPE_ID = TestAggregates.TYPE_ID;
    private static final int NEGATIVE = TestAggregates.NEGATIVE;
    private static final byte[] NO_NOTE = TestAggregates.NO_NOTE;

    @Test
    void shouldApplyGivenEventsAndAcceptCommandWithItsEvents()
    {
        AggregateFixture.of(Tally::new)
            .time(5_000)
            .given(new AddedEncoder(), (e) -> e.amount(10))
            .given(new AddedEncoder(), (e) -> e.amount(5))
            .when(new AddEncoder(), (c) -> c.amount(7).repeat(2).behaviour(0).putNote(NO_NOTE, 0, 0))
            .expectAccepted()
            .expectVersion(4)
            .expectEventCount(2)
            .expectEventTemplates(AddedDecoder.TEMPLATE_ID, AddedDecoder.TEMPLATE_ID)
            .expectEvent(1, new AddedDecoder(), (e) -> assertEquals(7, e.amount()))
            .expectState((s) -> assertEquals(29, s.total))
            .expectState(new TallyState(29, 4));
    }

    @Test
    void shouldCompareExpectedEventsByValue()
    {
        final AggregateFixture<TallyState>.Result result = AggregateFixture.of(Tally::new)
            .given(new AddedEncoder(), (e) -> e.amount(10))
            .when(new AddEncoder(), (c) -> c.amount(7).repeat(2).behaviour(0).putNote(NO_NOTE, 0, 0))
            .expectEventEquals(0, new AddedEncoder(), (e) -> e.amount(7))
            .expectEventEquals(1, new AddedEncoder(), (e) -> e.amount(7));

        final AssertionError wrongValue = assertThrows(AssertionError.class,
            () -> result.expectEventEquals(1, new AddedEncoder(), (e) -> e.amount(8)));
        assertTrue(wrongValue.getMessage().contains("event 1 differs from the expected one") &&
            wrongValue.getMessage().contains("amount=8"), wrongValue.getMessage());
        final AssertionError wrongTemplate = assertThrows(AssertionError.class,
            () -> result.expectEventEquals(0, new OrphanEncoder(), (e) -> e.value(7)));
        assertTrue(wrongTemplate.getMessage().contains("differs"), wrongTemplate.getMessage());
        assertThrows(AssertionError.class, () -> result.expectEventEquals(2, new AddedEncoder(), (e) -> e.amount(7)));
    }

    @Test
    void shouldCatchAStateCodecThatLosesAField()
    {
        AggregateFixture.of(Tally::new)
            .given(new AddedEncoder(), (e) -> e.amount(10))
            .when(new AddEncoder(), (c) -> c.amount(7).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0))
            .expectAccepted();

        final AssertionError lossy = assertThrows(AssertionError.class, () -> AggregateFixture.of(LossyTally::new)
            .given(new AddedEncoder(), (e) -> e.amount(10))
            .when(new AddEncoder(), (c) -> c.amount(7).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0)));
        assertTrue(lossy.getMessage().contains("the state codec does not round-trip the state"), lossy.getMessage());
    }

    @Test
    void shouldIgnoreNamedCacheFieldsWhenComparingStates()
    {
        final AssertionError caught = assertThrows(AssertionError.class, () -> AggregateFixture.of(CachingTally::new)
            .when(new AddEncoder(), (c) -> c.amount(3).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0)));
        assertTrue(caught.getMessage().contains("a handler changed state directly"), caught.getMessage());

        AggregateFixture.of(CachingTally::new)
            .ignoringStateFields("lastSeenAmount")
            .when(new AddEncoder(), (c) -> c.amount(3).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0))
            .expectAccepted()
            .expectState((state) -> assertEquals(3, state.total));

        final AssertionError stillCaught = assertThrows(AssertionError.class,
            () -> AggregateFixture.of(CachingTally::new).ignoringStateFields("lastSeenAmount")
            .given(new AddedEncoder(), (e) -> e.amount(10))
            .when(new AddEncoder(), (c) -> c.amount(-7).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0)));
        assertTrue(stillCaught.getMessage().contains("a handler changed state directly"), stillCaught.getMessage());

        final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
            () -> AggregateFixture.of(CachingTally::new).ignoringStateFields("cache"));
        assertTrue(unknown.getMessage().contains("has no field cache"), unknown.getMessage());
    }

    @Test
    void shouldRoundTripDeclaredRepliesAndRefuseOthersAtWhen()
    {
        AggregateFixture.of(() -> new ReplyingTally(true))
            .given(new AddedEncoder(), (e) -> e.amount(4))
            .when(new ReadEncoder(), (q) -> q.unused(0))
            .expectReply(new TotalDecoder(), (r) -> assertEquals(4, r.total()));

        final AssertionError undeclared = assertThrows(AssertionError.class, () -> AggregateFixture
            .of(() -> new ReplyingTally(true)).when(new ReadEncoder(), (q) -> q.unused(1)));
        assertTrue(undeclared.getMessage().contains("replied template " + AddedDecoder.TEMPLATE_ID) &&
            undeclared.getMessage().contains("does not declare as a reply"), undeclared.getMessage());

        final AssertionError broken = assertThrows(AssertionError.class, () -> AggregateFixture
            .of(() -> new ReplyingTally(true)).when(new ReadEncoder(), (q) -> q.unused(2)));
        assertTrue(broken.getMessage().contains("reply (template " + AddDecoder.TEMPLATE_ID + ") does not decode"),
            broken.getMessage());
    }

    @Test
    void shouldFailExpectReplyWithAMessageWhenTheReplyDoesNotDecode()
    {
        // Tally declares no replies, so when() lets the broken one through; expectReply must still say what is wrong
        // rather than throw an index error.
        final AggregateFixture<TallyState>.Result result = AggregateFixture.of(() -> new ReplyingTally(false))
            .when(new ReadEncoder(), (q) -> q.unused(2));
        final AssertionError broken = assertThrows(AssertionError.class,
            () -> result.expectReply(new AddDecoder(), (r) -> assertEquals(1, r.amount())));
        assertTrue(broken.getMessage().contains("does not decode"), broken.getMessage());
    }

    /**
     * Replies by the query's unused field: 0 a proper Total, 1 an Added (not a declared reply), 2 an Add whose note
     * (var data) was never written, so it does not decode. Declares Total and Add as its replies, or none.
     */
    static final class ReplyingTally implements Aggregate<TallyState>
    {
        private final TotalEncoder total = new TotalEncoder();
        private final AddedEncoder added = new AddedEncoder();
        private final AddEncoder add = new AddEncoder();
        private final boolean declare;

        ReplyingTally(final boolean declare)
        {
            this.declare = declare;
        }

        @Override
        public void define(final AggregateDefinition<TallyState> definition)
        {
            definition.typeId(TestAggregates.TYPE_ID).name("replying-tally").state(TallyState::new)
                .query(new ReadDecoder(), (query, state, ctx) ->
                {
                    switch ((int)query.unused())
                    {
                        case 0 -> ctx.reply(total).total(state.total).count(state.count);
                        case 1 -> ctx.reply(added).amount(1);
                        default -> ctx.reply(add).amount(1).repeat(1).behaviour(0);
                    }
                })
                .event(new AddedDecoder(), (event, state) ->
                {
                    state.total += event.amount();
                    state.count++;
                });
            if (declare)
            {
                definition.reply(new TotalDecoder()).reply(new AddDecoder());
            }
        }
    }

    @Test
    void shouldStartFromAGivenStateThroughTheStateCodec()
    {
        final TallyState given = new TallyState(100, 9);
        final AggregateFixture<TallyState> fixture = AggregateFixture.of(Tally::new).givenState(9, given);
        given.total = -1;
        assertEquals(new TallyState(100, 9), fixture.state(), "the fixture holds the codec's copy, not the caller's");
        assertEquals(9, fixture.version());
        fixture.given(new AddedEncoder(), (e) -> e.amount(5))
            .when(new AddEncoder(), (c) -> c.amount(1).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0))
            .expectAccepted()
            .expectVersion(11)
            .expectState(new TallyState(106, 11));

        final IllegalStateException noCodec = assertThrows(IllegalStateException.class,
            () -> AggregateFixture.of(CachingTally::new).givenState(new CachedState()));
        assertTrue(noCodec.getMessage().contains("has no state codec"), noCodec.getMessage());
        assertThrows(IllegalStateException.class, () -> AggregateFixture.of(Tally::new)
            .given(new AddedEncoder(), (e) -> e.amount(1)).givenState(new TallyState(1, 1)));
        final AssertionError lossy = assertThrows(AssertionError.class,
            () -> AggregateFixture.of(LossyTally::new).givenState(new TallyState(3, 2)));
        assertTrue(lossy.getMessage().contains("does not round-trip the given state"), lossy.getMessage());
    }

    /**
     * A state with a cache a handler fills: equals covers every field, as a hurried author would write it.
     */
    static final class CachedState
    {
        long total;
        long lastSeenAmount;

        @Override
        public boolean equals(final Object other)
        {
            return other instanceof CachedState && ((CachedState)other).total == total &&
                ((CachedState)other).lastSeenAmount == lastSeenAmount;
        }

        @Override
        public int hashCode()
        {
            return Long.hashCode(total) * 31 + Long.hashCode(lastSeenAmount);
        }
    }

    /**
     * Adds like the tally; its handler notes the amount in a cache field, and a negative amount changes the total
     * directly (a real bug the narrowed check must still catch).
     */
    static final class CachingTally implements Aggregate<CachedState>
    {
        private final AddedEncoder added = new AddedEncoder();

        @Override
        public void define(final AggregateDefinition<CachedState> definition)
        {
            definition.typeId(TestAggregates.TYPE_ID).name("caching-tally").state(CachedState::new)
                .command(new AddDecoder(), (command, state, ctx) ->
                {
                    state.lastSeenAmount = command.amount();
                    if (command.amount() < 0)
                    {
                        state.total += command.amount();
                        return;
                    }
                    ctx.emit(added).amount(command.amount());
                })
                .event(new AddedDecoder(), (event, state) -> state.total += event.amount());
        }
    }

    /**
     * The tally with a state codec that forgets the count.
     */
    static final class LossyTally implements Aggregate<TallyState>
    {
        @Override
        public void define(final AggregateDefinition<TallyState> definition)
        {
            new Tally().define(definition);
            definition.snapshot(new StateCodec<>()
            {
                @Override
                public int encode(final TallyState state, final MutableDirectBuffer buffer, final int offset)
                {
                    buffer.putLong(offset, state.total);
                    return 8;
                }

                @Override
                public void decode(
                    final DirectBuffer buffer, final int offset, final int length, final TallyState state)
                {
                    state.total = buffer.getLong(offset);
                }
            });
        }
    }

    @Test
    void shouldGiveEventsTheEngineMetadata()
    {
        final AggregateFixture<TallyState>.Result result = AggregateFixture.of(Tally::new)
            .time(123_456)
            .given(new AddedEncoder(), (e) -> e.amount(1))
            .when(new AddEncoder(), (c) -> c.amount(2).repeat(3).behaviour(0).putNote(NO_NOTE, 0, 0));

        assertEquals(3, result.events().size());
        for (int i = 0; i < 3; i++)
        {
            final RecordedEvent event = result.events().get(i);
            assertEquals(2 + i, event.version());
            assertEquals(2 + i, event.sequence());
            assertEquals(123_456, event.timestampNs());
        }
        assertEquals(4, result.result().sequence());
    }

    @Test
    void shouldReportDomainRejectionAndLeaveStateAlone()
    {
        AggregateFixture.of(Tally::new)
            .given(new AddedEncoder(), (e) -> e.amount(10))
            .when(new AddEncoder(), (c) -> c.amount(-1).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0))
            .expectRejected(NEGATIVE)
            .expectNoEvents()
            .expectVersion(1)
            .expectState(new TallyState(10, 1));
    }

    @Test
    void shouldAnswerQueryFromStateWithoutEvents()
    {
        AggregateFixture.of(Tally::new)
            .given(new AddedEncoder(), (e) -> e.amount(10))
            .when(new ReadEncoder(), (q) -> q.unused(0))
            .expectAccepted()
            .expectNoEvents()
            .expectReply(new TotalDecoder(), (r) ->
            {
                assertEquals(10, r.total());
                assertEquals(1, r.count());
            });
    }

    @Test
    void shouldSendAQueryWithNoFields()
    {
        AggregateFixture.of(Tally::new)
            .given(new AddedEncoder(), (e) -> e.amount(4))
            .given(new AddedEncoder(), (e) -> e.amount(5))
            .when(new PeekEncoder())
            .expectAccepted()
            .expectNoEvents()
            .expectReply(new TotalDecoder(), (r) ->
            {
                assertEquals(9, r.total());
                assertEquals(2, r.count());
            });
    }

    @Test
    void shouldCatchHandlerThatChangesStateDirectly()
    {
        final AggregateFixture<TallyState> fixture = AggregateFixture.of(Tally::new)
            .given(new AddedEncoder(), (e) -> e.amount(10));

        final AssertionError error = assertThrows(AssertionError.class,
            () -> fixture.when(new AddEncoder(), (c) -> c.amount(1).repeat(1).behaviour(3).putNote(NO_NOTE, 0, 0)));
        assertTrue(error.getMessage().contains("changed state directly"), error.getMessage());
    }

    @Test
    void shouldRefuseHistoryWithGapInVersions()
    {
        final AggregateFixture<TallyState> fixture = AggregateFixture.of(Tally::new)
            .given(new AddedEncoder(), (e) -> e.amount(1));

        final AssertionError error = assertThrows(AssertionError.class,
            () -> fixture.given(1, 3, new AddedEncoder(), (e) -> e.amount(1)));
        assertTrue(error.getMessage().contains("next version"), error.getMessage());
    }

    @Test
    void shouldTakeHistoryOfAnotherAggregateOfTheTypeWithItsOwnVersions()
    {
        final AggregateFixture<TallyState> fixture = AggregateFixture.of(Tally::new).aggregateId(5);

        fixture.given(6, 1, new AddedEncoder(), (e) -> e.amount(4));
        assertEquals(1, fixture.version(6));
        assertEquals(0, fixture.version());
        assertEquals(4, fixture.state(6).total);
        final AssertionError error = assertThrows(AssertionError.class,
            () -> fixture.given(6, 3, new AddedEncoder(), (e) -> e.amount(1)));
        assertTrue(error.getMessage().contains("next version of aggregate tally/6 is 2"), error.getMessage());
    }

    @Test
    void shouldRefuseEventsOfATypeItWasNotGivenAndOtherTypesAfterTheFirstEvent()
    {
        final AggregateFixture<TallyState> fixture = AggregateFixture.of(Tally::new).aggregateId(5);
        final AssertionError unknown = assertThrows(AssertionError.class,
            () -> fixture.given(99, 1, 1, new AddedEncoder(), (e) -> e.amount(1)));
        assertTrue(unknown.getMessage().contains("aggregate type 99") && unknown.getMessage().contains("with("),
            unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> fixture.state(99, 1));
        fixture.given(new AddedEncoder(), (e) -> e.amount(1));
        final IllegalStateException late = assertThrows(IllegalStateException.class, () -> fixture.with(Tally::new));
        assertTrue(late.getMessage().contains("before any"), late.getMessage());
    }

    @Test
    void shouldRefuseGivenEventWithoutApplier()
    {
        final AggregateFixture<TallyState> fixture = AggregateFixture.of(Tally::new);

        assertThrows(AssertionError.class, () -> fixture.given(new OrphanEncoder(), (e) -> e.value(1)));
    }

    @Test
    void shouldReportHandlerThatThrowsAsErrorWithTheException()
    {
        final AggregateFixture<TallyState>.Result result = AggregateFixture.of(Tally::new)
            .when(new AddEncoder(), (c) -> c.amount(1).repeat(1).behaviour(2).putNote(NO_NOTE, 0, 0))
            .expectOutcome(Outcome.ERROR)
            .expectNoEvents();

        assertEquals(1, result.errors().size());
        assertTrue(result.result().message().contains("boom"), result.result().message());
    }

    @Test
    void shouldCheckConcurrencyAndIdempotencyLikeTheEngine()
    {
        final AggregateFixture<TallyState> fixture = AggregateFixture.of(Tally::new);
        fixture.expectedVersion(0).idempotencyKey(1, 2)
            .when(new AddEncoder(), (c) -> c.amount(1).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0))
            .expectAccepted();
        fixture.expectedVersion(0)
            .when(new AddEncoder(), (c) -> c.amount(1).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0))
            .expectOutcome(Outcome.CONFLICT)
            .expectVersion(1);
        fixture.expectedVersion(0).idempotencyKey(1, 2)
            .when(new AddEncoder(), (c) -> c.amount(1).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0))
            .expectOutcome(Outcome.DUPLICATE)
            .expectVersion(1)
            .expectNoEvents();
    }

    @Test
    void shouldFailExpectationsWithTheActualOutcome()
    {
        final AggregateFixture<TallyState>.Result result = AggregateFixture.of(Tally::new)
            .when(new AddEncoder(), (c) -> c.amount(-5).repeat(1).behaviour(0).putNote(NO_NOTE, 0, 0));

        final AssertionError error = assertThrows(AssertionError.class, result::expectAccepted);
        assertTrue(error.getMessage().contains("REJECTED"), error.getMessage());
        assertThrows(AssertionError.class, () -> result.expectRejected(RejectReason.MALFORMED));
        assertThrows(AssertionError.class, () -> result.expectRejected(NEGATIVE + 1));
    }

    @Test
    void shouldRequireStateWithEquals()
    {
        assertThrows(IllegalStateException.class, () -> AggregateFixture.of(NoEquals::new));
    }

    static final class NoEquals implements Aggregate<Object>
    {
        @Override
        public void define(final AggregateDefinition<Object> definition)
        {
            definition.typeId(TYPE_ID).name("no-equals").state(Object::new)
                .command(new AddDecoder(), (c, s, ctx) -> ctx.emit(new AddedEncoder()))
                .event(new AddedDecoder(), (e, s) ->
                {
                });
        }
    }
}
