package io.skein.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.cli.ledger.BalanceDecoder;
import io.skein.cli.ledger.DepositEncoder;
import io.skein.cli.ledger.DepositedDecoder;
import io.skein.cli.ledger.GetBalanceEncoder;
import io.skein.cli.ledger.MessageHeaderDecoder;
import io.skein.cli.ledger.WithdrawEncoder;
import io.skein.cli.ledger.WithdrawnDecoder;
import io.skein.cli.ledger.v1.CreditEncoder;
import io.skein.cli.ledger.v1.MoveEncoder;
import io.skein.codecs.Outcome;
import io.skein.engine.RecordedEvent;
import io.skein.engine.SyncCaller;
import io.skein.engine.TimeTravel;
import io.skein.node.SkeinNode;
import io.skein.projection.EventPage;
import io.skein.projection.EventReader;
import io.skein.projection.EventSource;
import io.skein.projection.EventSubscription;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.EventFilter;
import io.skein.protocol.Reply;
import io.skein.testsupport.Await;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.sbe.MessageEncoderFlyweight;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A journal written by version 1 of the ledger (Credited and a signed Moved) read by version 2 (Deposited and
 * Withdrawn) through its upcaster: a rename and a split that SBE's additive rules cannot express. Recovery, restart
 * after new events, time travel, history, reads and subscriptions, and the tools all see version 2's events, and the
 * state is the one version 2 would have built from the same history. Without the upcaster, version 2 refuses the
 * journal and names the event it cannot apply.
 */
class UpcasterSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
    private final CommandWriter writer = new CommandWriter();
    private long correlationId;

    @Test
    void version2ReadsVersion1sJournalThroughItsUpcasterEverywhere() throws Exception
    {
        final File node = new File(dir, "ledger");
        final long afterThird;
        try (SkeinNode v1 = SkeinNode.launch(context(node, LedgerV1::new)))
        {
            final SyncCaller caller = v1.engine().newSyncCaller();
            send(caller, 1, new CreditEncoder(), (command) -> command.amt(100));
            send(caller, 1, new MoveEncoder(), (command) -> command.delta(50));
            afterThird = send(caller, 1, new MoveEncoder(), (command) -> command.delta(-30)).journalPosition();
            send(caller, 2, new CreditEncoder(), (command) -> command.amt(5));
            send(caller, 2, new MoveEncoder(), (command) -> command.delta(-5));
            final BalanceDecoder v1Balance = send(caller, 1, new io.skein.cli.ledger.v1.GetBalanceEncoder(),
                (query) -> query.unused(0)).reply(new BalanceDecoder());
            assertEquals(120, v1Balance.balance());
        }

        final String classpath = servicesDirectory().getPath();
        final long hash;
        final SkeinNode.Context upgraded = context(node, Ledger::new);
        try (SkeinNode v2 = SkeinNode.launch(upgraded))
        {
            final SyncCaller caller = v2.engine().newSyncCaller();
            assertEquals(5, v2.engine().recoveredEntries());
            assertBalance(caller, 1, 120, 2, 1);
            assertBalance(caller, 2, 0, 1, 1);
            send(caller, 1, new DepositEncoder(), (command) -> command.amount(7));
            send(caller, 2, new WithdrawEncoder(), (command) -> command.amount(1), Outcome.REJECTED);
            assertBalance(caller, 1, 127, 3, 1);

            // Reads and subscriptions of the engine's journal hand over version 2's events only.
            final EventPage page = new EventReader(EventSource.of(v2.engine())).read(0, 100, EventFilter.ALL);
            assertEquals(List.of("Deposited 100 source 2", "Deposited 50 source 3", "Withdrawn 30",
                "Deposited 5 source 2", "Withdrawn 5", "Deposited 7 source 1"), describe(page.events()));
            final List<String> subscribed = new ArrayList<>();
            final EventSubscription subscription = EventSubscription.start("upcast", EventSource.of(v2.engine()), 0,
                EventFilter.ALL, (events) -> subscribed.add(events.templateId() + (events.isUpcast() ?
                " from " + events.storedTemplateId() + " v" + events.storedVersion() : "")),
                Throwable::printStackTrace);
            try
            {
                Await.until(() -> subscription.delivered() == 6, TIMEOUT_NS, "six events delivered");
            }
            finally
            {
                subscription.close();
            }
            assertEquals(List.of("20 from 10 v1", "20 from 11 v1", "21 from 11 v1", "20 from 10 v1", "21 from 11 v1",
                "20"), subscribed);

            // A remote subscription over Aeron, through the client's upcasters (the tool gives the ledger's).
            final CliRun tail = CliRun.run("events", "tail", "--classpath", classpath, "--ingress",
                upgraded.ingressChannel(), "--from", "start", "--count", "6");
            assertEquals(0, tail.exitCode, tail.toString());
            assertTrue(tail.out.contains("Deposited{amount=50, source=3}") && tail.out.contains("Withdrawn{amount=5}")
                && !tail.out.contains("Moved{") && !tail.out.contains("Credited{"), tail.out);

            // Time travel and history, over the same journal.
            final TimeTravel travel = new TimeTravel(v2.engine().context().journal(), List.of(Ledger::new),
                Throwable::printStackTrace);
            final Ledger.State then = travel.atPosition(afterThird).state(Ledger.TYPE_ID, 1);
            assertEquals(120, then.balance);
            assertEquals(2, then.deposits);
            assertEquals(1, then.withdrawals);
            final List<String> history = new ArrayList<>();
            for (final RecordedEvent event : travel.history(Ledger.TYPE_ID, 1, 1, 10))
            {
                history.add("v" + event.version() + " template " + event.templateId());
            }
            assertEquals(List.of("v1 template 20", "v2 template 20", "v3 template 21", "v4 template 20"), history);
            hash = v2.engine().stateHash(TIMEOUT_NS);
        }

        // A restart over the mixed journal (version 1's events, then version 2's) recovers the same state.
        try (SkeinNode again = SkeinNode.launch(context(node, Ledger::new)))
        {
            assertEquals(hash, again.engine().stateHash(TIMEOUT_NS));
            assertBalance(again.engine().newSyncCaller(), 1, 127, 3, 1);
        }

        // Version 2 writing the same history itself ends in the same state.
        final File direct = new File(dir, "direct");
        try (SkeinNode v2 = SkeinNode.launch(context(direct, Ledger::new)))
        {
            final SyncCaller caller = v2.engine().newSyncCaller();
            send(caller, 1, new DepositEncoder(), (command) -> command.amount(100));
            send(caller, 1, new DepositEncoder(), (command) -> command.amount(50));
            send(caller, 1, new WithdrawEncoder(), (command) -> command.amount(30));
            send(caller, 2, new DepositEncoder(), (command) -> command.amount(5));
            send(caller, 2, new WithdrawEncoder(), (command) -> command.amount(5));
            send(caller, 1, new DepositEncoder(), (command) -> command.amount(7));
            assertEquals(hash, v2.engine().stateHash(TIMEOUT_NS));
        }

        // The tools, with the ledger on their classpath, show the current form and say what was stored.
        final CliRun dump = CliRun.run("journal", "dump", "--classpath", classpath, "--dir", node.getPath());
        assertEquals(0, dump.exitCode, dump.toString());
        assertTrue(dump.out.contains("    1 Deposited{amount=100, source=2} (upcast from Credited v1)\n"), dump.out);
        assertTrue(dump.out.contains("    3 Withdrawn{amount=30} (upcast from Moved v1)\n"), dump.out);
        assertTrue(dump.out.contains("    6 Deposited{amount=7, source=1}\n"), dump.out);
        assertFalse(dump.out.contains("Credited{") || dump.out.contains("Moved{"), dump.out);
        final CliRun history = CliRun.run("history", "--classpath", classpath, "--dir", node.getPath(),
            "--aggregate", "ledger:1");
        assertEquals(0, history.exitCode, history.toString());
        assertTrue(history.out.contains("Deposited{amount=50, source=3}") &&
            history.out.contains("Withdrawn{amount=30}") && !history.out.contains("Moved{"), history.out);
        final CliRun read = CliRun.run("events", "read", "--classpath", classpath, "--dir", node.getPath());
        assertEquals(0, read.exitCode, read.toString());
        assertTrue(read.out.contains("Withdrawn{amount=5}") && !read.out.contains("Moved{"), read.out);
        final CliRun verify = CliRun.run("journal", "verify", "--classpath", classpath, "--dir", node.getPath());
        assertEquals(0, verify.exitCode, verify.toString());
    }

    @Test
    void withoutTheUpcasterVersion2RefusesVersion1sJournalNamingTheEvent()
    {
        final File node = new File(dir, "ledger");
        try (SkeinNode v1 = SkeinNode.launch(context(node, LedgerV1::new)))
        {
            send(v1.engine().newSyncCaller(), 1, new CreditEncoder(), (command) -> command.amt(100));
        }
        final RuntimeException refused = assertThrows(RuntimeException.class,
            () -> SkeinNode.launch(context(node, () -> new Ledger(false))).close());
        final String message = messages(refused);
        assertTrue(message.contains("has no applier for event template 10 of schema 7100 version 1"), message);
    }

    private static String messages(final Throwable thrown)
    {
        final StringBuilder text = new StringBuilder();
        for (Throwable cause = thrown; null != cause; cause = cause.getCause())
        {
            text.append(cause.getMessage()).append(" / ");
        }
        return text.toString();
    }

    private static List<String> describe(final List<RecordedEvent> events)
    {
        final List<String> described = new ArrayList<>();
        for (final RecordedEvent event : events)
        {
            final UnsafeBuffer bytes = new UnsafeBuffer(event.buffer(), 0, event.length());
            if (event.templateId() == DepositedDecoder.TEMPLATE_ID)
            {
                final DepositedDecoder deposited = new DepositedDecoder().wrapAndApplyHeader(bytes, 0,
                    new MessageHeaderDecoder());
                described.add("Deposited " + deposited.amount() + " source " + deposited.source());
            }
            else if (event.templateId() == WithdrawnDecoder.TEMPLATE_ID)
            {
                final WithdrawnDecoder withdrawn = new WithdrawnDecoder().wrapAndApplyHeader(bytes, 0,
                    new MessageHeaderDecoder());
                described.add("Withdrawn " + withdrawn.amount());
            }
            else
            {
                described.add("template " + event.templateId());
            }
        }
        return described;
    }

    /**
     * A directory with only a services file naming the ledger, whose classes are on the test classpath: the tools'
     * {@code --classpath}.
     */
    private File servicesDirectory() throws IOException
    {
        final File services = new File(dir, "classpath/META-INF/services");
        assertTrue(services.mkdirs());
        Files.writeString(new File(services, Aggregate.class.getName()).toPath(), Ledger.class.getName() + "\n",
            StandardCharsets.UTF_8);
        return new File(dir, "classpath");
    }

    private void assertBalance(
        final SyncCaller caller, final long ledgerId, final long balance, final long deposits, final long withdrawals)
    {
        final Reply reply = send(caller, ledgerId, new GetBalanceEncoder(), (query) -> query.unused(0));
        final BalanceDecoder decoded = reply.reply(new BalanceDecoder());
        assertEquals(balance + "/" + deposits + "/" + withdrawals,
            decoded.balance() + "/" + decoded.deposits() + "/" + decoded.withdrawals(), "ledger " + ledgerId);
    }

    private <E extends MessageEncoderFlyweight> Reply send(
        final SyncCaller caller, final long ledgerId, final E encoder, final Consumer<E> fill)
    {
        return send(caller, ledgerId, encoder, fill, Outcome.ACCEPTED);
    }

    private <E extends MessageEncoderFlyweight> Reply send(
        final SyncCaller caller,
        final long ledgerId,
        final E encoder,
        final Consumer<E> fill,
        final Outcome expected)
    {
        writer.wrap(buffer, 0).correlationId(++correlationId).aggregate(Ledger.TYPE_ID, ledgerId);
        fill.accept(writer.body(encoder));
        final Reply reply = caller.call(buffer, 0, writer.length(), TIMEOUT_NS);
        assertEquals(expected, reply.outcome(), () -> "reason " + reply.reason() + " code " + reply.rejectCode());
        return reply;
    }

    private static SkeinNode.Context context(final File node, final Supplier<? extends Aggregate<?>> ledger)
    {
        final SkeinNode.Context ctx = new SkeinNode.Context().dir(node)
            .ingressChannel("aeron:udp?endpoint=localhost:" + freeUdpPort());
        ctx.archiveContext().termLength(64 * 1024).segmentFileLength(64 * 1024)
            .markFileWaitNs(TimeUnit.SECONDS.toNanos(20));
        ctx.engineContext().snapshotOnClose(false).aggregate(ledger);
        return ctx;
    }

    private static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }
}
