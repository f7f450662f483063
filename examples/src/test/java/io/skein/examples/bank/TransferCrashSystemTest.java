package io.skein.examples.bank;

import java.io.File;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.engine.RecordedEvent;
import io.skein.engine.SkeinEngine;
import io.skein.engine.TimeTravel;
import io.skein.examples.CrashLoad;
import io.skein.examples.bank.codecs.BalanceDecoder;
import io.skein.examples.bank.codecs.GetBalanceEncoder;
import io.skein.examples.bank.codecs.MessageHeaderDecoder;
import io.skein.examples.bank.codecs.TransferReceivedDecoder;
import io.skein.examples.bank.codecs.TransferSentDecoder;
import io.skein.journal.Journal;
import io.skein.journal.JournalReader;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.projection.EventPage;
import io.skein.projection.EventReader;
import io.skein.projection.EventSource;
import io.skein.protocol.EventFilter;
import io.skein.protocol.JournalEvents;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transfers are all or nothing across a crash: a real engine process moving money between eight accounts is killed
 * with SIGKILL under load at several points; after recovery the total of all balances is the initial total, every
 * acknowledged transfer is in the journal exactly once as one entry with both its events, and every balance is what
 * the journal's transfers make of the opening balances.
 */
class TransferCrashSystemTest
{
    @TempDir
    File tempDir;

    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    @Test
    void everyAcknowledgedTransferIsThereOnceWithBothItsEventsAndTheTotalNeverChanges() throws Exception
    {
        for (final int killPoint : new int[] {20, 700, 3_000})
        {
            killAndCheck(new File(tempDir, "kill-" + killPoint), killPoint);
        }
        assertEquals(List.of(), errors, "the recovered engines reported no errors");
    }

    private void killAndCheck(final File dir, final int killAfterAcks) throws Exception
    {
        assertTrue(dir.mkdirs());
        final BitSet acked = CrashLoad.runAndKill(dir, TransferCrashNode.class, killAfterAcks);

        try (TestArchive archive = TestArchive.launch(dir);
            SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
                .name("recovered").aggregate(BankAccount::new).journal(archive.journal())
                .errorHandler(errors::add)))
        {
            final long[] model = new long[TransferCrashNode.ACCOUNTS + 1];
            final BitSet journaled = new BitSet();
            final List<Long> positions = new ArrayList<>();
            final int entries = scan(engine.context().journal(), model, journaled, positions);

            final long[] balances = new long[TransferCrashNode.ACCOUNTS + 1];
            long total = 0;
            for (int account = 1; account <= TransferCrashNode.ACCOUNTS; account++)
            {
                balances[account] = balance(engine, account);
                total += balances[account];
            }
            System.out.printf("kill after %d acknowledgements: %d acknowledged transfers, %d in the journal " +
                "(%d entries), total %,d%n", killAfterAcks, acked.cardinality(), journaled.cardinality(), entries,
                total);
            assertEquals(TransferCrashNode.ACCOUNTS * TransferCrashNode.INITIAL_BALANCE, total,
                "the total of all balances is the initial total");
            final BitSet lost = (BitSet)acked.clone();
            lost.andNot(journaled);
            assertTrue(lost.isEmpty(), "acknowledged transfers missing after recovery: " + lost);
            for (int account = 1; account <= TransferCrashNode.ACCOUNTS; account++)
            {
                assertEquals(TransferCrashNode.INITIAL_BALANCE + model[account], balances[account],
                    "account " + account + " is what its journaled transfers make of its opening balance");
            }

            // A read of one account's events (the filter a subscription uses) finds the transfers it received, in
            // entries addressed to other accounts, with its own versions counting up by one.
            final EventPage page = new EventReader(EventSource.of(engine)).read(engine.context().journal()
                .startPosition(), 100_000, EventFilter.aggregate(BankAccount.TYPE_ID, 2));
            long lastVersion = 0;
            int received = 0;
            for (final RecordedEvent event : page.events())
            {
                assertEquals(2, event.aggregateId());
                assertEquals(lastVersion + 1, event.version(), "account 2's versions follow each other");
                lastVersion = event.version();
                received += event.templateId() == TransferReceivedDecoder.TEMPLATE_ID ? 1 : 0;
            }
            assertTrue(received > 0 || journaled.cardinality() < 8, "account 2 received transfers: " + received);
            final List<RecordedEvent> history = new TimeTravel(engine.context().journal(), List.of(BankAccount::new),
                Throwable::printStackTrace).history(BankAccount.TYPE_ID, 2, 1, 100_000);
            assertEquals(page.events().size(), history.size(), "the account's history has the same events");

            // Time travel to points inside the run of transfers: the total is the same at every one of them.
            final TimeTravel travel = new TimeTravel(engine.context().journal(), List.of(BankAccount::new),
                Throwable::printStackTrace);
            final int opened = TransferCrashNode.ACCOUNTS;
            final int step = Math.max(1, (positions.size() - opened) / 12);
            int points = 0;
            for (int index = opened - 1; index < positions.size(); index += step)
            {
                final TimeTravel.PointInTime then = travel.atPosition(positions.get(index));
                long totalThen = 0;
                for (int account = 1; account <= TransferCrashNode.ACCOUNTS; account++)
                {
                    final AccountState state = then.state(BankAccount.TYPE_ID, account);
                    totalThen += state.balance();
                }
                assertEquals(TransferCrashNode.ACCOUNTS * TransferCrashNode.INITIAL_BALANCE, totalThen,
                    "the total at position " + positions.get(index));
                points++;
            }
            assertTrue(points >= Math.min(12, positions.size() - opened), points + " points in time checked");
        }
    }

    /**
     * Read the journal: each transfer's entry must hold exactly its two events, on the payer and the payee, and
     * appear once.
     */
    private static int scan(
        final Journal journal, final long[] model, final BitSet journaled, final List<Long> positions)
    {
        final JournalEvents events = new JournalEvents();
        final MessageHeaderDecoder header = new MessageHeaderDecoder();
        final TransferSentDecoder sent = new TransferSentDecoder();
        final TransferReceivedDecoder received = new TransferReceivedDecoder();
        final int[] entries = new int[1];
        try (JournalReader reader = journal.reader())
        {
            reader.readUntil(journal.startPosition(), journal.durablePosition(), (buffer, offset, length, position) ->
            {
                entries[0]++;
                positions.add(position);
                events.wrap(buffer, offset, length);
                if (events.idempotencyKeyHi() != TransferCrashNode.KEY_HI)
                {
                    assertFalse(events.changesSeveral(), "only transfers change two accounts");
                    return true;
                }
                final int i = (int)(events.idempotencyKeyLo() - 1);
                assertFalse(journaled.get(i), "transfer " + i + " is in the journal twice");
                journaled.set(i);
                assertTrue(events.changesSeveral(), "transfer " + i + " changes two accounts");
                assertEquals(2, events.eventCount());
                assertTrue(events.next());
                assertEquals(TransferCrashNode.payer(i), events.aggregateId());
                sent.wrapAndApplyHeader(events.event(), 0, header);
                assertEquals(TransferCrashNode.payee(i), sent.toAccountId());
                assertEquals(TransferCrashNode.amount(i), sent.amount());
                assertTrue(events.next());
                assertEquals(TransferCrashNode.payee(i), events.aggregateId());
                received.wrapAndApplyHeader(events.event(), 0, header);
                assertEquals(TransferCrashNode.payer(i), received.fromAccountId());
                assertEquals(TransferCrashNode.amount(i), received.amount());
                model[(int)TransferCrashNode.payer(i)] -= sent.amount();
                model[(int)TransferCrashNode.payee(i)] += received.amount();
                return true;
            });
        }
        return entries[0];
    }

    private static long balance(final SkeinEngine engine, final long account) throws Exception
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[128]);
        final CommandWriter writer = new CommandWriter();
        writer.wrap(buffer, 0).correlationId(-1).aggregate(BankAccount.TYPE_ID, account);
        writer.body(new GetBalanceEncoder()).unused(0);
        final CommandResult result = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
        assertEquals(Outcome.ACCEPTED, result.outcome());
        return result.reply(new BalanceDecoder()).balance();
    }
}
