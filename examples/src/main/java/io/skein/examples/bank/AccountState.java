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
        return status == that.status && ownerId == that.ownerId && balance == that.balance;
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public int hashCode()
    {
        return (status.ordinal() * 31 + Long.hashCode(ownerId)) * 31 + Long.hashCode(balance);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public String toString()
    {
        return "AccountState{status=" + status + ", ownerId=" + ownerId + ", balance=" + balance + "}";
    }
}
