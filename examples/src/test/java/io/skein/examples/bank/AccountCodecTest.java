package io.skein.examples.bank;

import java.nio.ByteOrder;

import io.skein.examples.bank.codecs.AccountOpenedEncoder;
import io.skein.examples.bank.codecs.AccountStatus;
import io.skein.examples.bank.codecs.DepositedEncoder;
import io.skein.testkit.AggregateFixture;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
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

    /**
     * A state snapshotted by bank schema version 2, laid out byte by byte as that version did (17 bytes, no
     * reservation), loads with nothing reserved: the bytes after it are not read.
     */
    @Test
    void anAccountOfBankVersionTwoLoadsWithNothingReserved()
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);
        buffer.setMemory(0, 64, (byte)0x7F);
        buffer.putByte(0, (byte)AccountStatus.OPEN.value());
        buffer.putLong(1, 42, ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(9, 1_234, ByteOrder.LITTLE_ENDIAN);
        final AccountState state = new AccountState();
        new BankAccount.AccountCodec().decode(buffer, 0, 17, 2, state);
        assertEquals(AccountStatus.OPEN, state.status());
        assertEquals(42, state.ownerId());
        assertEquals(1_234, state.balance());
        assertEquals(0, state.reserved());
    }
}
