package io.skein.examples.bank;

import io.skein.examples.bank.codecs.AccountStatus;

/**
 * The state of one bank account, changed only by the account's event appliers.
 */
public final class AccountState
{
    AccountStatus status = AccountStatus.UNOPENED;
    long ownerId;
    long balance;
    long reserved;

    /**
     * Whether the account is open.
     *
     * @return the status.
     */
    public AccountStatus status()
    {
        return status;
    }

    /**
     * The owner given when the account was opened.
     *
     * @return the owner id.
     */
    public long ownerId()
    {
        return ownerId;
    }

    /**
     * The balance in minor units.
     *
     * @return the balance.
     */
    public long balance()
    {
        return balance;
    }

    /**
     * The part of the balance held for resting orders: it cannot be withdrawn or transferred.
     *
     * @return the reserved amount, between 0 and the balance.
     */
    public long reserved()
    {
        return reserved;
    }

    /**
     * The part of the balance that can be spent: the balance less what is reserved.
     *
     * @return the available amount.
     */
    public long available()
    {
        return balance - reserved;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public boolean equals(final Object o)
    {
        if (!(o instanceof AccountState))
        {
            return false;
        }
        final AccountState that = (AccountState)o;
        return status == that.status && ownerId == that.ownerId && balance == that.balance &&
            reserved == that.reserved;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int hashCode()
    {
        // Reserved funds (schema version 3) join the hash only when there are some, so every state an earlier
        // version could hold keeps the hash it had: the frozen journals' state hashes still match.
        final int hash = (status.ordinal() * 31 + Long.hashCode(ownerId)) * 31 + Long.hashCode(balance);
        return 0 == reserved ? hash : hash * 31 + Long.hashCode(reserved);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "AccountState{status=" + status + ", ownerId=" + ownerId + ", balance=" + balance +
            (0 == reserved ? "" : ", reserved=" + reserved) + "}";
    }
}
