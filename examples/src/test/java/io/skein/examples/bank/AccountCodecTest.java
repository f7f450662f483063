package io.skein.examples.bank;

import io.skein.testkit.AggregateFixture;
import io.skein.examples.bank.codecs.AccountOpenedEncoder;
import io.skein.examples.bank.codecs.DepositedEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AccountCodecTest
{
    @Test
    void shouldRoundTripAccountState()
    {
        final AccountState original = AggregateFixture.of(BankAccount::new)
            .given(new AccountOpenedEncoder(), (e) -> e.ownerId(42).initialBalance(10))
            .given(new DepositedEncoder(), (e) -> e.amount(5))
            .state();
        final BankAccount.AccountCodec codec = new BankAccount.AccountCodec();
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8);
        final int length = codec.encode(original, buffer, 3);
        final AccountState decoded = new AccountState();
        codec.decode(buffer, 3, length, decoded);
        assertEquals(original, decoded);
        assertEquals(15, decoded.balance());
    }
}
