package io.skein.cli;

import java.io.File;
import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.skein.client.RemoteSubscription;
import io.skein.client.SkeinClient;
import io.skein.cluster.MemberSubscription;
import io.skein.cluster.SkeinClusterClient;
import io.skein.engine.RecordedEvent;
import io.skein.projection.EventPage;
import io.skein.projection.EventReader;
import io.skein.projection.EventSource;
import io.skein.protocol.EventFilter;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinException;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code skein events}: follow a running node's events live, or page through a stopped node's, decoded through the
 * domains' schemas.
 */
@Command(name = "events", mixinStandardHelpOptions = true,
    description = {
        "tail: follow a running node's durable events from a position and go on live (the node's archive replays " +
            "its journal to this process; a follower serves from its copy). Stops after --count events or on " +
            "Ctrl-C; if the node goes away it reconnects and resumes where it got to. With --cluster it follows " +
            "one member's journal (--member) and, if that member goes away, resumes on the next one.",
        "read: page through a stopped node's events (--dir), filtered, a page at a time."})
public final class EventsCommand implements Callable<Integer>
{
    /**
     * What to do.
     */
    enum Action
    {
        /**
         * Follow a running node.
         */
        tail,

        /**
         * Page through a stopped node's journal.
         */
        read
    }

    @Parameters(index = "0", description = "tail or read.")
    private Action action;

    @Mixin
    private ClientOptions client;

    @Mixin
    private ClusterClientOptions cluster;

    @Option(names = "--member", defaultValue = "0", description = "With --cluster: the member whose journal to " +
        "follow first (default: ${DEFAULT-VALUE}); any member serves, leader or follower.")
    private int member;

    @Option(names = "--dir", description = "For read: the stopped node's directory.")
    private File dir;

    @Option(names = "--from", defaultValue = "start", description = "start, live (tail only), or a position " +
        "where an entry starts: 0, an event's pos=, or the 'resume with' position printed at the end " +
        "(default: ${DEFAULT-VALUE}).")
    private String from;

    @Option(names = "--entry-sequence", defaultValue = "0", description = "With --from P: the sequence of the " +
        "entry that ends at P (printed with it), so the next entry is checked to follow it.")
    private long entrySequence;

    @Option(names = "--type", description = "Only events of this aggregate type (name or id), e.g. account.")
    private String type;

    @Option(names = "--count", defaultValue = "0", description = "Stop after this many events (default: tail " +
        "never stops, read shows one page).")
    private long count;

    @Option(names = "--page-size", defaultValue = "50", description = "For read: events per page " +
        "(default: ${DEFAULT-VALUE}).")
    private int pageSize;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call() throws Exception
    {
        if (count < 0 || pageSize < 1 || entrySequence < 0)
        {
            throw new IllegalArgumentException("--count, --page-size and --entry-sequence must not be negative");
        }
        final Domains domains = Domains.load();
        final EventFilter filter = null == type ? EventFilter.ALL :
            EventFilter.aggregateTypes(domains.find(type).typeId);
        return action == Action.read ? read(domains, filter) : tail(domains, filter);
    }

    private long fromPosition(final boolean tail)
    {
        switch (from)
        {
            case "start":
                return SkeinClient.FROM_START;
            case "live":
                if (!tail)
                {
                    throw new IllegalArgumentException("--from live is for tail only");
                }
                return SkeinClient.FROM_LIVE;
            default:
                try
                {
                    final long position = Long.parseLong(from.replace(",", ""));
                    if (position < 0)
                    {
                        throw new IllegalArgumentException("--from must not be negative: " + from);
                    }
                    return position;
                }
                catch (final NumberFormatException ex)
                {
                    throw new IllegalArgumentException("--from is start, live or a journal position, not '" + from +
                        "'");
                }
        }
    }

    private int read(final Domains domains, final EventFilter filter)
    {
        if (null == dir)
        {
            throw new IllegalArgumentException("read needs --dir, the stopped node's directory");
        }
        final long position = fromPosition(false);
        try (NodeDirectory node = new NodeDirectory(dir))
        {
            final EventReader reader = new EventReader(EventSource.of(node.journal(), dir.getName(),
                domains.upcasters()));
            final EventPage page = reader.read(SkeinClient.FROM_START == position ? node.journal().startPosition() :
                position, 0 == count ? pageSize : (int)Math.min(Integer.MAX_VALUE, count), filter);
            for (final RecordedEvent event : page.events())
            {
                System.out.printf("#%d pos=%d %s:%d v%d %s corr=%d %s%n", event.sequence(), event.position(),
                    domains.typeName(event.aggregateTypeId()), event.aggregateId(), event.version(),
                    Instant.ofEpochSecond(0, event.timestampNs()), event.correlationId(),
                    domains.decode(event.aggregateTypeId(), event.buffer(), 0, event.length()));
            }
            System.out.printf(page.hasMore() ? "next page: --from %d%n" : "end of the journal at %d%n",
                page.nextPosition());
        }
        return 0;
    }

    private int tail(final Domains domains, final EventFilter filter) throws Exception
    {
        if (null != cluster.members)
        {
            return tailCluster(domains, filter);
        }
        long position = fromPosition(true);
        long sequence = SkeinClient.FROM_START == position || SkeinClient.FROM_LIVE == position ? 0 : entrySequence;
        final Printer printer = new Printer(System.out, domains, count, position, sequence);
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, TimeUnit.MILLISECONDS.toNanos(1));
        try (ClientOptions.Connection connection = client.new Connection())
        {
            while (!printer.done())
            {
                try (SkeinClient session = connection.connect();
                    RemoteSubscription subscription = session.subscribe(position, sequence, filter,
                        printer::print, TimeUnit.SECONDS.toNanos(10)))
                {
                    System.err.printf("following from %d%n", subscription.fromPosition());
                    while (!printer.done() && session.isConnected() &&
                        (subscription.state() == RemoteSubscription.State.CONNECTING ||
                        subscription.state() == RemoteSubscription.State.LIVE))
                    {
                        idle.idle(session.poll());
                    }
                    System.out.flush();
                    if (subscription.state() == RemoteSubscription.State.FAILED)
                    {
                        throw new IllegalStateException("the subscription failed: " +
                            subscription.failure().getMessage());
                    }
                    printer.reached(subscription.position(), subscription.entrySequence());
                    position = printer.resumePosition();
                    sequence = printer.resumeSequence();
                    if (printer.done())
                    {
                        break;
                    }
                    System.err.printf("the node went away (%s); resuming from %d%n",
                        null == session.disconnectReason() ? "the replay ended" : session.disconnectReason(),
                        position);
                }
                catch (final SkeinException ex)
                {
                    if (ex.code() == SkeinException.Code.BAD_INPUT || ex.code() == SkeinException.Code.AUTHENTICATION)
                    {
                        throw new IllegalArgumentException(ex.getMessage());
                    }
                    System.err.println("cannot follow the node yet (" + ex.getMessage() + "); retrying in 1 s");
                    Thread.sleep(1000);
                }
            }
            System.err.printf("resume with: --from %d --entry-sequence %d%n", printer.resumePosition(),
                printer.resumeSequence());
        }
        return 0;
    }

    private int tailCluster(final Domains domains, final EventFilter filter) throws Exception
    {
        long position = fromPosition(true);
        long sequence = SkeinClusterClient.FROM_START == position || SkeinClusterClient.FROM_LIVE == position ? 0 :
            entrySequence;
        final Printer printer = new Printer(System.out, domains, count, position, sequence);
        final IdleStrategy idle = new BackoffIdleStrategy(10, 20, 1_000, TimeUnit.MILLISECONDS.toNanos(1));
        try (ClientOptions.Connection connection = client.new Connection(cluster);
            SkeinClusterClient session = connection.eventsClient())
        {
            final int size = connection.clusterMembers().size();
            if (member < 0 || member >= size)
            {
                throw new IllegalArgumentException("--member " + member + ": the cluster has members 0 to " +
                    (size - 1));
            }
            int current = member;
            while (!printer.done())
            {
                try (MemberSubscription subscription = session.subscribe(current, position, sequence, filter,
                    printer::print, TimeUnit.SECONDS.toNanos(10)))
                {
                    System.err.printf("following member %d from %d%n", current, subscription.fromPosition());
                    while (!printer.done() && (subscription.state() == MemberSubscription.State.CONNECTING ||
                        subscription.state() == MemberSubscription.State.LIVE))
                    {
                        idle.idle(session.poll());
                    }
                    System.out.flush();
                    if (subscription.state() == MemberSubscription.State.FAILED)
                    {
                        throw new IllegalStateException("the subscription failed: " +
                            subscription.failure().getMessage());
                    }
                    printer.reached(subscription.position(), subscription.entrySequence());
                    position = printer.resumePosition();
                    sequence = printer.resumeSequence();
                    if (printer.done())
                    {
                        break;
                    }
                    final int next = (current + 1) % size;
                    System.err.printf("member %d's replay ended; resuming on member %d from %d%n", current, next,
                        position);
                    current = next;
                }
                catch (final SkeinException ex)
                {
                    if (ex.code() == SkeinException.Code.BAD_INPUT)
                    {
                        throw new IllegalArgumentException(ClusterClientOptions.detail(ex));
                    }
                    final int next = (current + 1) % size;
                    System.err.println("cannot follow member " + current + " (" + ClusterClientOptions.detail(ex) +
                        "); trying member " + next + " in 1 s");
                    current = next;
                    Thread.sleep(1000);
                }
            }
            System.err.printf("resume with: --from %d --entry-sequence %d%n", printer.resumePosition(),
                printer.resumeSequence());
        }
        return 0;
    }

    /**
     * Prints events up to the count and keeps where to resume: the end of the last entry whose events were all
     * printed (an entry cut short by the count is printed again from its start on resume).
     */
    private static final class Printer
    {
        private final PrintStream out;
        private final Domains domains;
        private final long count;
        private long printed;
        private long resumePosition;
        private long resumeSequence;
        private long entryBefore;
        private long sequenceBefore;
        private long currentEntry;

        Printer(final PrintStream out, final Domains domains, final long count, final long from, final long sequence)
        {
            this.out = out;
            this.domains = domains;
            this.count = count;
            this.resumePosition = from;
            this.resumeSequence = sequence;
            this.entryBefore = from;
            this.sequenceBefore = sequence;
        }

        void print(final JournalEvents event)
        {
            if (done())
            {
                return;
            }
            if (event.entrySequence() != currentEntry)
            {
                currentEntry = event.entrySequence();
                entryBefore = resumePosition;
                sequenceBefore = resumeSequence;
            }
            out.printf("#%d pos=%d %s:%d v%d %s corr=%d %s%n", event.sequence(), event.position(),
                domains.typeName(event.aggregateTypeId()), event.aggregateId(), event.version(),
                Instant.ofEpochSecond(0, event.timestampNs()), event.correlationId(),
                domains.decode(event.aggregateTypeId(), event.event(), 0, event.event().capacity()));
            printed++;
            if (done() && event.eventIndex() < event.eventCount() - 1)
            {
                resumePosition = entryBefore;
                resumeSequence = sequenceBefore;
            }
            else
            {
                resumePosition = event.position();
                resumeSequence = event.entrySequence();
            }
        }

        void reached(final long position, final long entrySequence)
        {
            if (!done() && position > resumePosition)
            {
                // Entries the filter left out: nothing to print again there.
                resumePosition = position;
                resumeSequence = entrySequence;
            }
        }

        boolean done()
        {
            return 0 != count && printed >= count;
        }

        long resumePosition()
        {
            return resumePosition;
        }

        long resumeSequence()
        {
            return resumeSequence;
        }
    }
}
