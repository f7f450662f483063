package io.skein.examples.bank;

import io.skein.examples.bank.codecs.AccountOpenedDecoder;
import io.skein.examples.bank.codecs.DepositedDecoder;
import io.skein.examples.bank.codecs.MessageHeaderDecoder;
import io.skein.examples.bank.codecs.WithdrawnDecoder;
import io.skein.projection.Projection;
import io.skein.protocol.EventFilter;
import io.skein.protocol.JournalEvents;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.Long2ObjectHashMap;

/**
 * The bank's read model: each owner's total balance over their accounts, and how many accounts they have open, kept
 * from the accounts' events. Safe to run at least once: an event whose version an account has already reached is a
 * repeat and changes nothing, so the model is the same however often the last batch comes again.
 * <pre>{@code
 * BalancesByOwner balances = new BalancesByOwner();
 * ProjectionRunner.launch(new ProjectionRunner.Context().name("balances-by-owner")
 *     .source(EventSource.of(engine)).filter(BalancesByOwner.FILTER).projection(balances).checkpointDir(dir));
 * }</pre>
 * Read it on the runner's thread or after the runner has stopped: it is not thread safe. (Its checkpoint is kept
 * by the runner; a restarted process rebuilds the model from the journal's start or from a sink of its own.)
 */
public final class BalancesByOwner implements Projection
{
    /**
     * The events this projection needs: the bank accounts'.
     */
    public static final EventFilter FILTER = EventFilter.aggregateTypes(BankAccount.TYPE_ID);

    private final MessageHeaderDecoder header = new MessageHeaderDecoder();
    private final AccountOpenedDecoder opened = new AccountOpenedDecoder();
    private final DepositedDecoder deposited = new DepositedDecoder();
    private final WithdrawnDecoder withdrawn = new WithdrawnDecoder();
    private final Long2ObjectHashMap<long[]> accounts = new Long2ObjectHashMap<>();
    private final Long2LongHashMap balances = new Long2LongHashMap(Long.MIN_VALUE);
    private final Long2LongHashMap openAccounts = new Long2LongHashMap(Long.MIN_VALUE);

    /**
     * {@inheritDoc}
     */
    @Override
    public void onEvent(final JournalEvents event)
    {
        if (event.aggregateTypeId() != BankAccount.TYPE_ID)
        {
            return;
        }
        long[] account = accounts.get(event.aggregateId());
        if (null != account && event.version() <= account[1])
        {
            return;
        }
        header.wrap(event.event(), 0);
        final int offset = MessageHeaderDecoder.ENCODED_LENGTH;
        switch (header.templateId())
        {
            case AccountOpenedDecoder.TEMPLATE_ID:
                opened.wrap(event.event(), offset, header.blockLength(), header.version());
                account = new long[] { opened.ownerId(), 0 };
                accounts.put(event.aggregateId(), account);
                add(balances, opened.ownerId(), opened.initialBalance());
                add(openAccounts, opened.ownerId(), 1);
                break;
            case DepositedDecoder.TEMPLATE_ID:
                deposited.wrap(event.event(), offset, header.blockLength(), header.version());
                add(balances, account[0], deposited.amount());
                break;
            case WithdrawnDecoder.TEMPLATE_ID:
                withdrawn.wrap(event.event(), offset, header.blockLength(), header.version());
                add(balances, account[0], -withdrawn.amount());
                break;
            default:
                // AccountClosed: the balance was zero already.
                add(openAccounts, account[0], -1);
                break;
        }
        account[1] = event.version();
    }

    /**
     * An owner's total balance.
     *
     * @param ownerId the owner.
     * @return the total, 0 for an owner with no account.
     */
    public long balanceOf(final long ownerId)
    {
        return valueOf(balances, ownerId);
    }

    /**
     * How many accounts an owner has open.
     *
     * @param ownerId the owner.
     * @return the count.
     */
    public long openAccountsOf(final long ownerId)
    {
        return valueOf(openAccounts, ownerId);
    }

    /**
     * How many owners have ever had an account.
     *
     * @return the count.
     */
    public int owners()
    {
        return balances.size();
    }

    private static void add(final Long2LongHashMap map, final long key, final long delta)
    {
        map.put(key, valueOf(map, key) + delta);
    }

    private static long valueOf(final Long2LongHashMap map, final long key)
    {
        final long value = map.get(key);
        return Long.MIN_VALUE == value ? 0 : value;
    }
}
