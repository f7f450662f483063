package io.skein.examples.bank;

import io.skein.codecs.Outcome;
import io.skein.examples.bank.codecs.AccountClosedEncoder;
import io.skein.examples.bank.codecs.AccountOpenedEncoder;
import io.skein.examples.bank.codecs.AccountRejection;
import io.skein.examples.bank.codecs.TransferEncoder;
import io.skein.examples.bank.codecs.TransferReceivedDecoder;
import io.skein.examples.bank.codecs.TransferSentDecoder;
import io.skein.protocol.CommandResult;
import io.skein.protocol.SkeinProtocol;
import io.skein.testkit.AggregateFixture;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A transfer between two accounts: one command, decided against both accounts' state, written as one entry with an
 * event on each; refused whole (nothing applied to either) when either account says no or is not at the version the
 * sender expected.
 */
class BankTransferTest
{
    private static final long PAYER = 1;
    private static final long PAYEE = 2;

    private static AggregateFixture<AccountState> twoAccounts(final long payerBalance, final long payeeBalance)
    {
        return AggregateFixture.of(BankAccount::new).aggregateId(PAYER)
            .given(new AccountOpenedEncoder(), (e) -> e.ownerId(7).initialBalance(payerBalance))
            .given(PAYEE, 1, new AccountOpenedEncoder(), (e) -> e.ownerId(8).initialBalance(payeeBalance));
    }

    @Test
    void shouldDebitOneAccountAndCreditTheOtherInOneEntry()
    {
        final AggregateFixture<AccountState> fixture = twoAccounts(100, 5);
        fixture.when(new TransferEncoder(), (c) -> c.toAccountId(PAYEE).amount(30).toExpectedVersion(1))
            .expectAccepted()
            .expectVersion(2)
            .expectEventCount(2)
            .expectEventTemplatesOf(PAYER, TransferSentDecoder.TEMPLATE_ID)
            .expectEventTemplatesOf(PAYEE, TransferReceivedDecoder.TEMPLATE_ID)
            .expectEvent(0, new TransferSentDecoder(), (e) ->
            {
                assertEquals(PAYEE, e.toAccountId());
                assertEquals(30, e.amount());
            })
            .expectEvent(1, new TransferReceivedDecoder(), (e) ->
            {
                assertEquals(PAYER, e.fromAccountId());
                assertEquals(30, e.amount());
            });
        assertEquals(70, fixture.state(PAYER).balance());
        assertEquals(35, fixture.state(PAYEE).balance());
        assertEquals(2, fixture.version(PAYEE));
        assertEquals(105, fixture.state(PAYER).balance() + fixture.state(PAYEE).balance(), "the sum is unchanged");
    }

    @Test
    void shouldCarryEachEventsOwnAggregateAndVersion()
    {
        final var events = twoAccounts(100, 5)
            .when(new TransferEncoder(), (c) -> c.toAccountId(PAYEE).amount(1).toExpectedVersion(-1))
            .expectAccepted().events();
        assertEquals(PAYER, events.get(0).aggregateId());
        assertEquals(2, events.get(0).version());
        assertEquals(PAYEE, events.get(1).aggregateId());
        assertEquals(2, events.get(1).version());
        assertEquals(events.get(0).sequence() + 1, events.get(1).sequence());
    }

    @Test
    void shouldRefuseInsufficientFundsAndChangeNeitherAccount()
    {
        final AggregateFixture<AccountState> fixture = twoAccounts(10, 5);
        fixture.when(new TransferEncoder(), (c) -> c.toAccountId(PAYEE).amount(11).toExpectedVersion(-1))
            .expectRejected(AccountRejection.INSUFFICIENT_FUNDS.value())
            .expectNoEvents();
        assertEquals(10, fixture.state(PAYER).balance());
        assertEquals(5, fixture.state(PAYEE).balance());
        assertEquals(1, fixture.version(PAYEE));
    }

    @Test
    void shouldRefuseAPayeeThatIsClosedOrDoesNotExist()
    {
        final AggregateFixture<AccountState> fixture = twoAccounts(100, 0)
            .given(PAYEE, 2, new AccountClosedEncoder(), (e) -> e.reasonCode(1));
        fixture.when(new TransferEncoder(), (c) -> c.toAccountId(PAYEE).amount(1).toExpectedVersion(-1))
            .expectRejected(AccountRejection.PAYEE_NOT_OPEN.value())
            .expectNoEvents();
        fixture.when(new TransferEncoder(), (c) -> c.toAccountId(99).amount(1).toExpectedVersion(-1))
            .expectRejected(AccountRejection.PAYEE_NOT_OPEN.value())
            .expectNoEvents();
        assertEquals(0, fixture.version(99), "an account that was only read is not created");
        assertEquals(100, fixture.state(PAYER).balance());
    }

    @Test
    void shouldRefuseAClosedPayerAndATransferToItself()
    {
        twoAccounts(0, 0).given(new AccountClosedEncoder(), (e) -> e.reasonCode(1))
            .when(new TransferEncoder(), (c) -> c.toAccountId(PAYEE).amount(1).toExpectedVersion(-1))
            .expectRejected(AccountRejection.CLOSED.value());
        twoAccounts(10, 0)
            .when(new TransferEncoder(), (c) -> c.toAccountId(PAYER).amount(1).toExpectedVersion(-1))
            .expectRejected(AccountRejection.SAME_ACCOUNT.value());
    }

    @Test
    void aConflictOnEitherAccountRefusesTheWholeCommandNamingIt()
    {
        final AggregateFixture<AccountState> fixture = twoAccounts(100, 5);
        final CommandResult payee = fixture
            .when(new TransferEncoder(), (c) -> c.toAccountId(PAYEE).amount(30).toExpectedVersion(4))
            .expectOutcome(Outcome.CONFLICT).expectNoEvents().result();
        assertEquals(BankAccount.TYPE_ID, payee.aggregateTypeId());
        assertEquals(PAYEE, payee.aggregateId());
        assertEquals(4, payee.expectedVersion());
        assertEquals(1, payee.version());

        final CommandResult payer = fixture.expectedVersion(3)
            .when(new TransferEncoder(), (c) -> c.toAccountId(PAYEE).amount(30).toExpectedVersion(1))
            .expectOutcome(Outcome.CONFLICT).expectNoEvents().result();
        assertEquals(PAYER, payer.aggregateId());
        assertEquals(3, payer.expectedVersion());
        assertEquals(1, payer.version());

        assertEquals(100, fixture.state(PAYER).balance());
        assertEquals(5, fixture.state(PAYEE).balance());
        assertEquals(SkeinProtocol.NULL_POSITION, payer.journalPosition());
    }

    /**
     * One key, one outcome: a retried transfer, even one now addressed elsewhere, changes neither account again
     * and reports the original version.
     */
    @Test
    void aRetriedTransferIsADuplicateAndChangesNeitherAccountAgain()
    {
        final AggregateFixture<AccountState> fixture = twoAccounts(100, 5);
        fixture.idempotencyKey(7, 8)
            .when(new TransferEncoder(), (c) -> c.toAccountId(PAYEE).amount(30).toExpectedVersion(-1))
            .expectAccepted();
        fixture.idempotencyKey(7, 8)
            .when(new TransferEncoder(), (c) -> c.toAccountId(PAYEE).amount(30).toExpectedVersion(-1))
            .expectOutcome(Outcome.DUPLICATE)
            .expectVersion(2)
            .expectNoEvents();
        assertEquals(70, fixture.state(PAYER).balance());
        assertEquals(35, fixture.state(PAYEE).balance());
        assertEquals(2, fixture.version(PAYEE));
    }
}
