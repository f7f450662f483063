package io.skein.examples.bank;

import io.skein.testkit.AggregateFixture;
import io.skein.examples.bank.codecs.*;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BankAccountTest
{
    private static AggregateFixture<AccountState> openWith(final long balance)
    {
        return AggregateFixture.of(BankAccount::new)
            .given(new AccountOpenedEncoder(), (e) -> e.ownerId(7).initialBalance(balance));
    }

    @Test
    void shouldOpenAccountWithInitialDeposit()
    {
        AggregateFixture.of(BankAccount::new)
            .when(new OpenAccountEncoder(), (c) -> c.ownerId(7).initialDeposit(250))
            .expectAccepted()
            .expectVersion(1)
            .expectEvent(0, new AccountOpenedDecoder(), (e) ->
            {
                assertEquals(7, e.ownerId());
                assertEquals(250, e.initialBalance());
            })
            .expectState((s) -> assertEquals(250, s.balance()));
    }

    @Test
    void shouldRejectNegativeInitialDeposit()
    {
        AggregateFixture.of(BankAccount::new)
            .when(new OpenAccountEncoder(), (c) -> c.ownerId(7).initialDeposit(-1))
            .expectRejected(AccountRejection.NEGATIVE_AMOUNT.value())
            .expectNoEvents()
            .expectState((s) -> assertEquals(AccountStatus.UNOPENED, s.status()));
    }

    @Test
    void shouldRejectSecondOpen()
    {
        openWith(10)
            .when(new OpenAccountEncoder(), (c) -> c.ownerId(8).initialDeposit(0))
            .expectRejected(AccountRejection.ALREADY_OPEN.value())
            .expectNoEvents();
    }

    @Test
    void shouldDepositPositiveAmount()
    {
        openWith(10)
            .when(new DepositEncoder(), (c) -> c.amount(5))
            .expectAccepted()
            .expectEvent(0, new DepositedDecoder(), (e) -> assertEquals(5, e.amount()))
            .expectState((s) -> assertEquals(15, s.balance()));
    }

    @Test
    void shouldRejectNonPositiveDeposit()
    {
        openWith(10)
            .when(new DepositEncoder(), (c) -> c.amount(0))
            .expectRejected(AccountRejection.NON_POSITIVE_AMOUNT.value())
            .and()
            .when(new DepositEncoder(), (c) -> c.amount(-3))
            .expectRejected(AccountRejection.NON_POSITIVE_AMOUNT.value())
            .expectState((s) -> assertEquals(10, s.balance()));
    }

    @Test
    void shouldRejectDepositToUnopenedAccount()
    {
        AggregateFixture.of(BankAccount::new)
            .when(new DepositEncoder(), (c) -> c.amount(5))
            .expectRejected(AccountRejection.NOT_OPEN.value())
            .expectNoEvents();
    }

    @Test
    void shouldRejectDepositToClosedAccount()
    {
        openWith(0)
            .given(new AccountClosedEncoder(), (e) -> e.reasonCode(0))
            .when(new DepositEncoder(), (c) -> c.amount(5))
            .expectRejected(AccountRejection.CLOSED.value());
    }

    @Test
    void shouldRejectWithdrawalWithInsufficientFunds()
    {
        openWith(100)
            .when(new WithdrawEncoder(), (c) -> c.amount(101))
            .expectRejected(AccountRejection.INSUFFICIENT_FUNDS.value())
            .expectNoEvents()
            .expectState((s) -> assertEquals(100, s.balance()));
    }

    @Test
    void shouldWithdrawWholeBalance()
    {
        openWith(100)
            .when(new WithdrawEncoder(), (c) -> c.amount(100))
            .expectAccepted()
            .expectState((s) -> assertEquals(0, s.balance()));
    }

    @Test
    void shouldCloseOnlyAtZeroBalance()
    {
        openWith(1)
            .when(new CloseAccountEncoder(), (c) -> c.reasonCode(3))
            .expectRejected(AccountRejection.BALANCE_NOT_ZERO.value())
            .and()
            .when(new WithdrawEncoder(), (c) -> c.amount(1))
            .expectAccepted()
            .and()
            .when(new CloseAccountEncoder(), (c) -> c.reasonCode(3))
            .expectAccepted()
            .expectVersion(3)
            .expectState((s) -> assertEquals(AccountStatus.CLOSED, s.status()))
            .and()
            .when(new CloseAccountEncoder(), (c) -> c.reasonCode(3))
            .expectRejected(AccountRejection.CLOSED.value());
    }

    @Test
    void shouldAnswerBalanceQueryWithoutEvents()
    {
        openWith(42)
            .when(new GetBalanceEncoder(), (q) -> q.unused(0))
            .expectAccepted()
            .expectNoEvents()
            .expectVersion(1)
            .expectReply(new BalanceDecoder(), (r) ->
            {
                assertEquals(42, r.balance());
                assertEquals(AccountStatus.OPEN, r.status());
                assertEquals(7, r.ownerId());
            });
    }
}
