package io.skein.cli;

import java.io.File;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;

import io.skein.engine.RecordedEvent;
import io.skein.engine.TimeTravel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skein history}: one aggregate's events, a page at a time, decoded through its schema.
 */
@Command(name = "history", mixinStandardHelpOptions = true,
    description = "Print one aggregate's events from a stopped node's journal, oldest first, a page at a time.")
public final class HistoryCommand implements Callable<Integer>
{
    @Option(names = "--dir", required = true, description = "The node's directory.")
    private File dir;

    @Option(names = "--aggregate", required = true, description = "TYPE:ID, such as account:42.")
    private String aggregate;

    @Option(names = "--from-version", defaultValue = "1", description = "First version to show " +
        "(default: ${DEFAULT-VALUE}).")
    private long fromVersion;

    @Option(names = "--page-size", defaultValue = "50", description = "Most events to show " +
        "(default: ${DEFAULT-VALUE}).")
    private int pageSize;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call()
    {
        if (fromVersion < 1 || pageSize < 1)
        {
            throw new IllegalArgumentException("--from-version and --page-size must be positive");
        }
        final Domains domains = Domains.load();
        final long[] address = domains.parseAddress(aggregate);
        try (NodeDirectory node = new NodeDirectory(dir))
        {
            final TimeTravel travel = new TimeTravel(node.journal(), domains.factories(),
                (ex) -> System.err.println("warning: " + ex.getMessage()));
            final List<RecordedEvent> events = travel.history((int)address[0], address[1], fromVersion, pageSize);
            if (events.isEmpty())
            {
                System.out.printf("%s:%d has no events from version %d%n", domains.typeName((int)address[0]),
                    address[1], fromVersion);
                return 0;
            }
            for (final RecordedEvent event : events)
            {
                System.out.printf("v%d #%d %s corr=%d%s %s%n", event.version(), event.sequence(),
                    Instant.ofEpochSecond(0, event.timestampNs()), event.correlationId(),
                    0 == event.causationId() ? "" : " cause=" + event.causationId(),
                    domains.decode((int)address[0], event.buffer(), 0, event.length()));
            }
            if (events.size() == pageSize)
            {
                System.out.printf("next page: --from-version %d%n", events.get(events.size() - 1).version() + 1);
            }
        }
        return 0;
    }
}
