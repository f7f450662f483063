package io.skein.examples.orderbook;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.skein.codecs.Outcome;
import io.skein.examples.bank.AccountState;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.AccountClosedEncoder;
import io.skein.examples.bank.codecs.AccountOpenedEncoder;
import io.skein.examples.bank.codecs.AccountRejection;
import io.skein.examples.bank.codecs.FundsReleasedDecoder;
import io.skein.examples.bank.codecs.FundsReservedDecoder;
import io.skein.examples.bank.codecs.FundsReservedEncoder;
import io.skein.examples.bank.codecs.ReservedFundsPaidDecoder;
import io.skein.examples.bank.codecs.SettlementReceivedDecoder;
import io.skein.examples.bank.codecs.TransferEncoder;
import io.skein.examples.bank.codecs.WithdrawEncoder;
import io.skein.examples.bank.codecs.WithdrawnDecoder;
import io.skein.examples.orderbook.codecs.*;
import io.skein.testkit.AggregateFixture;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Orders with risk across aggregate types: a funded limit order reads the trader's two bank accounts, reserves its
 * funds on one of them and settles every fill on both sides' accounts, in the order's one journal entry; refused
 * whole, changing no account and no book, when any check fails.
 */
class FundedOrderBookTest
{
    private static final int ACCOUNT = BankAccount.TYPE_ID;
    private static final long BOOK = 1;
    private static final long ALICE = 10;
    private static final long BOB = 20;
    private static final long ALICE_BASE = 101;
    private static final long ALICE_QUOTE = 102;
    private static final long BOB_BASE = 201;
    private static final long BOB_QUOTE = 202;

    private static AggregateFixture<BookState> market()
    {
        return AggregateFixture.of(OrderBook::new).with(BankAccount::new).aggregateId(BOOK)
            .given(ACCOUNT, ALICE_BASE, 1, new AccountOpenedEncoder(), (e) -> e.ownerId(ALICE).initialBalance(50))
            .given(ACCOUNT, ALICE_QUOTE, 1, new AccountOpenedEncoder(), (e) -> e.ownerId(ALICE).initialBalance(5_000))
            .given(ACCOUNT, BOB_BASE, 1, new AccountOpenedEncoder(), (e) -> e.ownerId(BOB).initialBalance(80))
            .given(ACCOUNT, BOB_QUOTE, 1, new AccountOpenedEncoder(), (e) -> e.ownerId(BOB).initialBalance(1_000));
    }

    private static AggregateFixture<BookState>.Result order(
        final AggregateFixture<BookState> fixture,
        final long orderId,
        final long trader,
        final Side side,
        final long price,
        final long quantity)
    {
        final long base = trader == ALICE ? ALICE_BASE : BOB_BASE;
        final long quote = trader == ALICE ? ALICE_QUOTE : BOB_QUOTE;
        return order(fixture, orderId, trader, side, price, quantity, base, quote);
    }

    private static AggregateFixture<BookState>.Result order(
        final AggregateFixture<BookState> fixture,
        final long orderId,
        final long trader,
        final Side side,
        final long price,
        final long quantity,
        final long base,
        final long quote)
    {
        return fixture.when(new PlaceFundedLimitOrderEncoder(), (c) -> c.orderId(orderId).traderId(trader)
            .side(side).price(price).quantity(quantity).baseAccountId(base).quoteAccountId(quote));
    }

    private static AccountState account(final AggregateFixture<BookState> fixture, final long id)
    {
        return fixture.state(ACCOUNT, id);
    }

    @Test
    void aRestingBuyReservesPriceTimesQuantityOnTheQuoteAccountInTheOrdersEntry()
    {
        final AggregateFixture<BookState> fixture = market();
        order(fixture, 1, ALICE, Side.BUY, 40, 25)
            .expectAccepted()
            .expectEventTemplatesOf(BOOK, OrderAcceptedDecoder.TEMPLATE_ID, OrderRestedDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(ACCOUNT, ALICE_QUOTE, FundsReservedDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(ACCOUNT, ALICE_BASE)
            .expectEvent(1, new FundsReservedDecoder(), (e) ->
            {
                assertEquals(1, e.reference());
                assertEquals(1_000, e.amount());
            });
        assertEquals(5_000, account(fixture, ALICE_QUOTE).balance());
        assertEquals(1_000, account(fixture, ALICE_QUOTE).reserved());
        assertEquals(4_000, account(fixture, ALICE_QUOTE).available());
        assertEquals(2, fixture.version(ACCOUNT, ALICE_QUOTE));
        assertEquals(1, fixture.state().fundedOrders());
    }

    @Test
    void aFillSettlesBothSidesFromTheirReservationsAndKeepsEachAssetsTotal()
    {
        final AggregateFixture<BookState> fixture = market();
        order(fixture, 1, ALICE, Side.BUY, 40, 25).expectAccepted();
        order(fixture, 2, BOB, Side.SELL, 40, 10)
            .expectAccepted()
            .expectEventTemplatesOf(BOOK, OrderAcceptedDecoder.TEMPLATE_ID, TradeDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(ACCOUNT, BOB_BASE, FundsReservedDecoder.TEMPLATE_ID,
                ReservedFundsPaidDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(ACCOUNT, ALICE_QUOTE, ReservedFundsPaidDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(ACCOUNT, BOB_QUOTE, SettlementReceivedDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(ACCOUNT, ALICE_BASE, SettlementReceivedDecoder.TEMPLATE_ID)
            .expectReply(new OrderResultDecoder(), (r) ->
            {
                assertEquals(10, r.filledQuantity());
                assertEquals(0, r.restingQuantity());
                assertEquals(1, r.tradeCount());
            });
        assertEquals(4_600, account(fixture, ALICE_QUOTE).balance());
        assertEquals(600, account(fixture, ALICE_QUOTE).reserved(), "the rest of the buy, 15 at 40");
        assertEquals(60, account(fixture, ALICE_BASE).balance());
        assertEquals(1_400, account(fixture, BOB_QUOTE).balance());
        assertEquals(70, account(fixture, BOB_BASE).balance());
        assertEquals(0, account(fixture, BOB_BASE).reserved());
        assertTotals(fixture);
        assertEquals(15, fixture.state().remaining(1));
    }

    @Test
    void aBuyFilledBelowItsLimitReleasesTheDifferenceAndRestsTheRemainderAtItsLimit()
    {
        final AggregateFixture<BookState> fixture = market();
        order(fixture, 1, BOB, Side.SELL, 30, 4).expectAccepted();
        order(fixture, 2, BOB, Side.SELL, 35, 6).expectAccepted();
        final var events = order(fixture, 3, ALICE, Side.BUY, 40, 20)
            .expectAccepted()
            .expectEventTemplatesOf(ACCOUNT, ALICE_QUOTE, FundsReservedDecoder.TEMPLATE_ID,
                ReservedFundsPaidDecoder.TEMPLATE_ID, ReservedFundsPaidDecoder.TEMPLATE_ID,
                FundsReleasedDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(BOOK, OrderAcceptedDecoder.TEMPLATE_ID, TradeDecoder.TEMPLATE_ID,
                TradeDecoder.TEMPLATE_ID, OrderRestedDecoder.TEMPLATE_ID)
            .events();
        final FundsReleasedDecoder released = new FundsReleasedDecoder();
        events.stream().filter((e) -> e.templateId() == FundsReleasedDecoder.TEMPLATE_ID).findFirst().orElseThrow()
            .decode(released);
        assertEquals(4 * 10 + 6 * 5, released.amount(), "4 bought 10 below the limit, 6 bought 5 below");
        assertEquals(5_000 - 4 * 30 - 6 * 35, account(fixture, ALICE_QUOTE).balance());
        assertEquals(10 * 40, account(fixture, ALICE_QUOTE).reserved());
        assertEquals(60, account(fixture, ALICE_BASE).balance());
        assertTotals(fixture);
    }

    @Test
    void aRetriedFundedOrderIsADuplicateThatReservesAndSettlesNothingAgain()
    {
        final AggregateFixture<BookState> fixture = market();
        order(fixture, 1, ALICE, Side.BUY, 40, 25).expectAccepted();
        fixture.idempotencyKey(3, 4);
        order(fixture, 2, BOB, Side.SELL, 40, 10).expectAccepted();
        fixture.idempotencyKey(3, 4);
        order(fixture, 2, BOB, Side.SELL, 40, 10).expectOutcome(Outcome.DUPLICATE).expectNoEvents();
        assertEquals(4_600, account(fixture, ALICE_QUOTE).balance());
        assertEquals(70, account(fixture, BOB_BASE).balance());
        assertEquals(15, fixture.state().remaining(1));
        assertTotals(fixture);
    }

    @Test
    void cancellingAFundedOrderReleasesWhatItStillHolds()
    {
        final AggregateFixture<BookState> fixture = market();
        order(fixture, 1, BOB, Side.SELL, 30, 50).expectAccepted();
        order(fixture, 2, ALICE, Side.BUY, 30, 20).expectAccepted();
        assertEquals(30, account(fixture, BOB_BASE).reserved());
        fixture.when(new CancelOrderEncoder(), (c) -> c.orderId(1))
            .expectAccepted()
            .expectEventTemplatesOf(BOOK, OrderCancelledDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(ACCOUNT, BOB_BASE, FundsReleasedDecoder.TEMPLATE_ID);
        assertEquals(0, account(fixture, BOB_BASE).reserved());
        assertEquals(60, account(fixture, BOB_BASE).balance());
        assertEquals(0, fixture.state().fundedOrders());
        assertTotals(fixture);
    }

    @Test
    void anOrderItsAvailableBalanceDoesNotCoverIsRefusedWholeEvenWithReservationsElsewhere()
    {
        final AggregateFixture<BookState> fixture = market();
        order(fixture, 1, BOB, Side.BUY, 10, 60).expectAccepted();
        order(fixture, 2, BOB, Side.BUY, 10, 41)
            .expectRejected(BookRejection.INSUFFICIENT_FUNDS.value())
            .expectNoEvents();
        order(fixture, 3, BOB, Side.SELL, 50, 81)
            .expectRejected(BookRejection.INSUFFICIENT_FUNDS.value())
            .expectNoEvents();
        assertEquals(600, account(fixture, BOB_QUOTE).reserved());
        assertEquals(2, fixture.version(ACCOUNT, BOB_QUOTE));
        assertEquals(1, fixture.state().restingOrders());
    }

    @Test
    void accountsMustBeOpenOwnedByTheTraderAndTwoDistinctIds()
    {
        final AggregateFixture<BookState> fixture = market()
            .given(ACCOUNT, 301, 1, new AccountOpenedEncoder(), (e) -> e.ownerId(30).initialBalance(0))
            .given(ACCOUNT, 301, 2, new AccountClosedEncoder(), (e) -> e.reasonCode(0));
        order(fixture, 1, ALICE, Side.BUY, 10, 1, ALICE_BASE, BOB_QUOTE)
            .expectRejected(BookRejection.ACCOUNT_NOT_OWNED.value()).expectNoEvents();
        order(fixture, 2, 30, Side.SELL, 10, 1, 301, ALICE_QUOTE)
            .expectRejected(BookRejection.ACCOUNT_NOT_OPEN.value()).expectNoEvents();
        order(fixture, 3, ALICE, Side.BUY, 10, 1, ALICE_BASE, 999)
            .expectRejected(BookRejection.ACCOUNT_NOT_OPEN.value()).expectNoEvents();
        assertEquals(0, fixture.version(ACCOUNT, 999), "an account that was only read is not created");
        order(fixture, 4, ALICE, Side.BUY, 10, 1, ALICE_QUOTE, ALICE_QUOTE)
            .expectRejected(BookRejection.BAD_ACCOUNTS.value()).expectNoEvents();
        order(fixture, 5, ALICE, Side.BUY, 10, 1, 0, ALICE_QUOTE)
            .expectRejected(BookRejection.BAD_ACCOUNTS.value()).expectNoEvents();
        order(fixture, 6, ALICE, Side.BUY, Long.MAX_VALUE / 2, 3)
            .expectRejected(BookRejection.NOTIONAL_TOO_LARGE.value()).expectNoEvents();
        order(fixture, 7, ALICE, Side.BUY, 0, 3)
            .expectRejected(BookRejection.BAD_PRICE.value()).expectNoEvents();
        assertEquals(0, fixture.state().restingOrders());
    }

    @Test
    void fundedAndUnfundedOrdersNeverRestInTheSameBook()
    {
        final AggregateFixture<BookState> funded = market();
        order(funded, 1, ALICE, Side.BUY, 10, 5).expectAccepted();
        funded.when(new PlaceLimitOrderEncoder(),
            (c) -> c.orderId(2).traderId(ALICE).side(Side.SELL).price(10).quantity(5))
            .expectRejected(BookRejection.FUNDING_MISMATCH.value()).expectNoEvents();
        funded.when(new PlaceMarketOrderEncoder(),
            (c) -> c.orderId(3).traderId(ALICE).side(Side.SELL).quantity(5))
            .expectRejected(BookRejection.FUNDING_MISMATCH.value()).expectNoEvents();

        final AggregateFixture<BookState> unfunded = market();
        unfunded.when(new PlaceLimitOrderEncoder(),
            (c) -> c.orderId(1).traderId(ALICE).side(Side.SELL).price(10).quantity(5)).expectAccepted();
        order(unfunded, 2, ALICE, Side.BUY, 10, 5)
            .expectRejected(BookRejection.FUNDING_MISMATCH.value()).expectNoEvents();
        assertEquals(0, account(unfunded, ALICE_QUOTE).reserved());
    }

    @Test
    void aMakerWhoseReceivingAccountClosedIsCancelledAndTheTakerMatchesTheNext()
    {
        final long carolBase = 401;
        final long carolQuote = 402;
        final AggregateFixture<BookState> fixture = market()
            .given(ACCOUNT, carolBase, 1, new AccountOpenedEncoder(), (e) -> e.ownerId(40).initialBalance(10))
            .given(ACCOUNT, carolQuote, 1, new AccountOpenedEncoder(), (e) -> e.ownerId(40).initialBalance(0));
        order(fixture, 1, 40, Side.SELL, 20, 10, carolBase, carolQuote).expectAccepted();
        order(fixture, 2, BOB, Side.SELL, 25, 10).expectAccepted();
        // Carol's quote account, which her sale would pay into, is closed (its balance is zero) while she rests.
        fixture.given(ACCOUNT, carolQuote, 2, new AccountClosedEncoder(), (e) -> e.reasonCode(0));

        order(fixture, 3, ALICE, Side.BUY, 30, 5)
            .expectAccepted()
            .expectEventTemplatesOf(BOOK, OrderAcceptedDecoder.TEMPLATE_ID, OrderCancelledDecoder.TEMPLATE_ID,
                TradeDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(ACCOUNT, carolBase, FundsReleasedDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(ACCOUNT, carolQuote)
            .expectEvent(2, new OrderCancelledDecoder(), (e) ->
            {
                assertEquals(1, e.orderId());
                assertEquals(CancelReason.ACCOUNT_CLOSED, e.reason());
            });
        assertEquals(0, account(fixture, carolBase).reserved());
        assertEquals(10, account(fixture, carolBase).balance());
        assertEquals(5, fixture.state().remaining(2), "Bob's ask filled 5 of its 10");
        assertEquals(1_000 + 5 * 25, account(fixture, BOB_QUOTE).balance());
        assertTotals(fixture);
    }

    @Test
    void theCapacityQueryReadsTheAccountsFromTheBook()
    {
        final AggregateFixture<BookState> fixture = market();
        order(fixture, 1, ALICE, Side.BUY, 40, 25).expectAccepted();
        fixture.when(new OrderCapacityEncoder(), (q) -> q.side(Side.BUY).price(30).baseAccountId(ALICE_BASE)
            .quoteAccountId(ALICE_QUOTE))
            .expectNoEvents()
            .expectReply(new CapacityDecoder(), (r) ->
            {
                assertEquals(4_000, r.available());
                assertEquals(133, r.maxQuantity());
            });
        fixture.when(new OrderCapacityEncoder(), (q) -> q.side(Side.SELL).price(30).baseAccountId(BOB_BASE)
            .quoteAccountId(BOB_QUOTE))
            .expectReply(new CapacityDecoder(), (r) -> assertEquals(80, r.maxQuantity()));
        order(fixture, 2, ALICE, Side.BUY, 30, 134).expectRejected(BookRejection.INSUFFICIENT_FUNDS.value());
        order(fixture, 3, ALICE, Side.BUY, 30, 133).expectAccepted();
    }

    /**
     * Random funded orders and cancels by four traders, with the fixture checking after every command that state
     * rebuilt from the events and through the codecs equals the live state. After each command: each asset's total
     * across accounts is unchanged, no account holds more in reserve than it has or less than zero, and each
     * account's reservation is exactly what its resting orders still hold.
     */
    @Test
    void randomOrdersKeepTotalsAndReservationsExact()
    {
        final Random random = new Random(42);
        final AggregateFixture<BookState> fixture = AggregateFixture.of(OrderBook::new).with(BankAccount::new)
            .aggregateId(BOOK);
        final long[] traders = {1, 2, 3, 4};
        for (final long trader : traders)
        {
            final long initialBase = 200;
            final long initialQuote = 20_000;
            fixture.given(ACCOUNT, trader * 100 + 1, 1, new AccountOpenedEncoder(),
                (e) -> e.ownerId(trader).initialBalance(initialBase));
            fixture.given(ACCOUNT, trader * 100 + 2, 1, new AccountOpenedEncoder(),
                (e) -> e.ownerId(trader).initialBalance(initialQuote));
        }
        final List<Long> placed = new ArrayList<>();
        int accepted = 0;
        int trades = 0;
        for (int i = 0; i < 400; i++)
        {
            if (!placed.isEmpty() && random.nextInt(5) == 0)
            {
                final long orderId = placed.get(random.nextInt(placed.size()));
                fixture.when(new CancelOrderEncoder(), (c) -> c.orderId(orderId));
            }
            else
            {
                final long trader = traders[random.nextInt(traders.length)];
                final long orderId = 1000 + i;
                final Side side = random.nextBoolean() ? Side.BUY : Side.SELL;
                final var result = order(fixture, orderId, trader, side, 90 + random.nextInt(21),
                    1 + random.nextInt(30), trader * 100 + 1, trader * 100 + 2);
                if (result.result().outcome() == Outcome.ACCEPTED)
                {
                    accepted++;
                    placed.add(orderId);
                    trades += (int)result.events().stream()
                        .filter((e) -> e.templateId() == TradeDecoder.TEMPLATE_ID).count();
                }
            }
            final Map<Long, Long> held = new HashMap<>();
            final BookState book = fixture.state();
            for (final Order order : book.orders.values())
            {
                held.merge(order.payingAccountId(), order.reservedAmount(), Long::sum);
            }
            long base = 0;
            long quote = 0;
            for (final long trader : traders)
            {
                for (final long id : new long[] {trader * 100 + 1, trader * 100 + 2})
                {
                    final AccountState account = account(fixture, id);
                    assertTrue(account.reserved() >= 0 && account.reserved() <= account.balance(), account::toString);
                    assertEquals(held.getOrDefault(id, 0L), account.reserved(), "reservation of account " + id);
                }
                base += account(fixture, trader * 100 + 1).balance();
                quote += account(fixture, trader * 100 + 2).balance();
            }
            assertEquals(4 * 200, base, "base asset total after command " + i);
            assertEquals(4 * 20_000, quote, "quote asset total after command " + i);
        }
        assertTrue(accepted > 200, accepted + " orders accepted");
        assertTrue(trades > 100, trades + " trades");
    }

    @Test
    void reservedFundsCannotBeWithdrawnOrTransferred()
    {
        final var account = AggregateFixture.of(BankAccount::new)
            .given(new AccountOpenedEncoder(), (e) -> e.ownerId(1).initialBalance(100))
            .given(new FundsReservedEncoder(), (e) -> e.reference(9).amount(70))
            .given(2, 1, new AccountOpenedEncoder(), (e) -> e.ownerId(2).initialBalance(0));
        account.when(new WithdrawEncoder(), (c) -> c.amount(31))
            .expectRejected(AccountRejection.FUNDS_RESERVED.value())
            .expectNoEvents();
        account.when(new WithdrawEncoder(), (c) -> c.amount(101))
            .expectRejected(AccountRejection.INSUFFICIENT_FUNDS.value());
        account.when(new TransferEncoder(),
            (c) -> c.toAccountId(2).amount(31).toExpectedVersion(-1))
            .expectRejected(AccountRejection.FUNDS_RESERVED.value());
        account.when(new WithdrawEncoder(), (c) -> c.amount(30))
            .expectAccepted()
            .expectEventTemplates(WithdrawnDecoder.TEMPLATE_ID);
        assertEquals(70, account.state().balance());
        assertEquals(0, account.state().available());
    }

    private static void assertTotals(final AggregateFixture<BookState> fixture)
    {
        assertEquals(50 + 80, account(fixture, ALICE_BASE).balance() + account(fixture, BOB_BASE).balance(),
            "base asset total");
        assertEquals(5_000 + 1_000, account(fixture, ALICE_QUOTE).balance() + account(fixture, BOB_QUOTE).balance(),
            "quote asset total");
    }
}
