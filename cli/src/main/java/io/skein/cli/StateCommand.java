package io.skein.cli;

import java.io.File;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.skein.engine.TimeTravel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skein state}: one aggregate's state, or the whole engine's hash and count, as of a journal position or a
 * time, built from the nearest earlier snapshot plus a bounded replay of a stopped node's journal.
 */
@Command(name = "state", mixinStandardHelpOptions = true,
    description = "Show state as of a journal position or a time (default: the journal's end): one aggregate's " +
    "state and version, or every aggregate's count and state hash.")
public final class StateCommand implements Callable<Integer>
{
    @Option(names = "--dir", required = true, description = "The node's directory.")
    private File dir;

    @Option(names = "--aggregate", description = "TYPE:ID, such as account:42; without it, the whole engine.")
    private String aggregate;

    @Option(names = "--as-of-position", description = "Journal position: entries ending at or before it count.")
    private Long position;

    @Option(names = "--as-of-time", description = "ISO-8601 instant, such as 2026-11-23T06:41:45Z: entries " +
        "stamped at or before it count.")
    private String time;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call()
    {
        if (null != position && null != time)
        {
            throw new IllegalArgumentException("give --as-of-position or --as-of-time, not both");
        }
        if (null != position && position < 0)
        {
            throw new IllegalArgumentException("--as-of-position must not be negative: " + position);
        }
        final Domains domains = Domains.load();
        final long[] address = null == aggregate ? null : domains.parseAddress(aggregate);
        final long timestampNs = null == time ? Long.MAX_VALUE : parseTime(time);
        try (NodeDirectory node = new NodeDirectory(dir))
        {
            final long startNs = System.nanoTime();
            final TimeTravel travel = new TimeTravel(node.journal(), domains.factories(),
                (ex) -> System.err.println("warning: " + ex.getMessage()));
            final TimeTravel.PointInTime point = null != time ? travel.atTimestamp(timestampNs) :
                travel.atPosition(null == position ? Long.MAX_VALUE : position);
            System.out.printf("as of journal position %,d%s, built %s in %.0f ms%n", point.position(),
                point.timestampNs() > 0 ? " (" + Instant.ofEpochSecond(0, point.timestampNs()) + ")" : "",
                point.snapshotPosition() >= 0 ? "from the snapshot at " + String.format("%,d",
                point.snapshotPosition()) + " plus the journal after it" : "by replaying the journal from its start",
                (System.nanoTime() - startNs) / 1e6);
            if (null == address)
            {
                System.out.printf("%,d %s, state hash %016x%n", point.aggregateCount(),
                    1 == point.aggregateCount() ? "aggregate" : "aggregates", point.stateHash());
            }
            else
            {
                final Object state = point.state((int)address[0], address[1]);
                final long version = point.version((int)address[0], address[1]);
                System.out.printf("%s:%d %s%n", domains.typeName((int)address[0]), address[1], null == state ?
                    "does not exist at this point" : "version " + version + ": " + state);
            }
        }
        return 0;
    }

    private static long parseTime(final String text)
    {
        try
        {
            final Instant instant = Instant.parse(text);
            return TimeUnit.SECONDS.toNanos(instant.getEpochSecond()) + instant.getNano();
        }
        catch (final DateTimeParseException ex)
        {
            throw new IllegalArgumentException("--as-of-time takes an ISO-8601 instant such as " +
                "2026-11-23T06:41:45Z, not '" + text + "'");
        }
    }
}
