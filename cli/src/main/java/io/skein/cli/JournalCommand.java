package io.skein.cli;

import java.io.File;
import java.io.PrintStream;
import java.time.Instant;
import java.util.concurrent.Callable;

import io.skein.journal.Journal;
import io.skein.journal.JournalEvents;
import io.skein.journal.JournalReader;
import io.skein.protocol.SkeinException;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skein journal dump} and {@code skein journal verify}: a stopped node's journal as readable text, and a full
 * consistency check of it.
 */
@Command(name = "journal", mixinStandardHelpOptions = true,
    description = "Inspect a stopped node's journal.",
    subcommands = { JournalCommand.Dump.class, JournalCommand.Verify.class })
public final class JournalCommand implements Runnable
{
    /**
     * {@inheritDoc}
     */
    @Override
    public void run()
    {
        picocli.CommandLine.usage(this, System.out);
    }

    static String describeEntry(
        final Domains domains, final JournalEvents events, final long startPosition, final long endPosition)
    {
        final StringBuilder line = new StringBuilder(128);
        final long firstVersion = events.version() + 1;
        line.append('@').append(startPosition).append("..").append(endPosition).append(" #")
            .append(events.entrySequence()).append(' ')
            .append(Instant.ofEpochSecond(0, events.timestampNs())).append(' ')
            .append(domains.typeName(events.aggregateTypeId())).append(':').append(events.aggregateId())
            .append(" v").append(firstVersion);
        if (events.eventCount() > 1)
        {
            line.append('-').append(firstVersion + events.eventCount() - 1);
        }
        if (events.epoch() > 0)
        {
            line.append(" epoch=").append(events.epoch());
        }
        line.append(" corr=").append(events.correlationId());
        if (0 != events.causationId())
        {
            line.append(" cause=").append(events.causationId());
        }
        if (0 != events.idempotencyKeyHi() || 0 != events.idempotencyKeyLo())
        {
            line.append(String.format(" key=%016x%016x", events.idempotencyKeyHi(), events.idempotencyKeyLo()));
        }
        while (events.next())
        {
            line.append("\n    ").append(events.sequence()).append(' ')
                .append(domains.decode(events.aggregateTypeId(), events.event(), 0, events.event().capacity()));
        }
        return line.toString();
    }

    /**
     * {@code skein journal dump}.
     */
    @Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Print journal entries as text: position, entry sequence, time, aggregate, versions, " +
        "metadata, and each event decoded through its domain's schema.")
    static final class Dump implements Callable<Integer>
    {
        @Option(names = "--dir", required = true, description = "The node's directory.")
        private File dir;

        @Option(names = "--from", description = "Journal position to start at: where an entry starts, as printed " +
            "by dump (@start..end); default: the journal's start.")
        private Long from;

        @Option(names = "--limit", defaultValue = "100", description = "Most entries to print; 0 for all " +
            "(default: ${DEFAULT-VALUE}).")
        private long limit;

        @Option(names = "--aggregate", description = "Only entries of this aggregate, TYPE:ID such as account:42.")
        private String aggregate;

        @Override
        public Integer call()
        {
            final Domains domains = Domains.load();
            final long[] filter = null == aggregate ? null : domains.parseAddress(aggregate);
            final PrintStream out = System.out;
            final JournalEvents events = new JournalEvents();
            final long[] printed = new long[1];
            final long[] lastEnd = new long[1];
            try (NodeDirectory node = new NodeDirectory(dir); JournalReader reader = node.journal().reader())
            {
                final Journal journal = node.journal();
                final long start = null == from ? journal.startPosition() : from;
                lastEnd[0] = start;
                out.printf("journal: recording %d, positions %,d to %,d%n", journal.recordingId(),
                    journal.startPosition(), journal.recoveredEndPosition());
                reader.readUntil(start, journal.recoveredEndPosition(), (buffer, offset, length, position) ->
                {
                    events.wrap(buffer, offset, length);
                    final long entryStart = lastEnd[0];
                    lastEnd[0] = position;
                    if (null != filter && (events.aggregateTypeId() != filter[0] || events.aggregateId() != filter[1]))
                    {
                        return true;
                    }
                    out.println(describeEntry(domains, events, entryStart, position));
                    return 0 == limit || ++printed[0] < limit;
                });
                if (printed[0] == limit && limit > 0)
                {
                    out.printf("(stopped after %,d entries; --limit 0 prints all)%n", limit);
                }
            }
            return 0;
        }
    }

    /**
     * {@code skein journal verify}.
     */
    @Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Read the whole journal and check every entry: it decodes, entry sequences and event " +
        "sequences are contiguous, each aggregate's version grows by its event count, every event decodes " +
        "through its schema. Exit code 3 names the first problem's position.")
    static final class Verify implements Callable<Integer>
    {
        @Option(names = "--dir", required = true, description = "The node's directory.")
        private File dir;

        @Override
        public Integer call()
        {
            final Domains domains = Domains.load();
            final PrintStream out = System.out;
            final JournalEvents events = new JournalEvents();
            final Int2ObjectHashMap<Long2LongHashMap> versions = new Int2ObjectHashMap<>();
            final long[] state = new long[6];
            final String[] problem = new String[1];
            final long startNs = System.nanoTime();
            try (NodeDirectory node = new NodeDirectory(dir); JournalReader reader = node.journal().reader())
            {
                final Journal journal = node.journal();
                final long bytes = journal.recoveredEndPosition() - journal.startPosition();
                final ProgressBar progress = new ProgressBar(out, Math.max(1, bytes), "B");
                state[4] = journal.startPosition() > 0 ? 1 : 0;
                out.printf("Verifying journal recording %d, %,d bytes from position %,d%n", journal.recordingId(),
                    bytes, journal.startPosition());
                try
                {
                    final long[] lastEnd = {journal.startPosition()};
                    reader.readUntil(journal.startPosition(), journal.recoveredEndPosition(),
                        (buffer, offset, length, position) ->
                        {
                            final long entryPosition = lastEnd[0];
                            lastEnd[0] = position;
                            events.wrap(buffer, offset, length);
                            problem[0] = check(domains, events, versions, state);
                            if (null != problem[0])
                            {
                                problem[0] = "at position " + entryPosition + " (entry " + events.entrySequence() +
                                    "): " + problem[0];
                                return false;
                            }
                            if ((state[0] & 0x3FFF) == 0)
                            {
                                progress.update(position - journal.startPosition(), System.nanoTime() - startNs);
                            }
                            return true;
                        });
                }
                catch (final SkeinException ex)
                {
                    problem[0] = ex.getMessage();
                }
                progress.finish(null == problem[0] ? bytes : 0, System.nanoTime() - startNs);
            }
            if (null != problem[0])
            {
                out.println("FAILED " + problem[0]);
                return 3;
            }
            long aggregates = 0;
            for (final Long2LongHashMap byId : versions.values())
            {
                aggregates += byId.size();
            }
            out.printf("OK: %,d entries, %,d events, %,d aggregates, in %.2f s%n", state[0], state[1], aggregates,
                (System.nanoTime() - startNs) / 1e9);
            return 0;
        }

        private static String check(
            final Domains domains,
            final JournalEvents events,
            final Int2ObjectHashMap<Long2LongHashMap> versions,
            final long[] state)
        {
            final long entries = state[0];
            if (entries > 0 && events.entrySequence() != state[2] + 1)
            {
                return "entry sequence " + events.entrySequence() + " follows " + state[2];
            }
            if (events.eventCount() < 1)
            {
                return "an entry with no events";
            }
            final Long2LongHashMap byId = versions.computeIfAbsent(events.aggregateTypeId(),
                (type) -> new Long2LongHashMap(0));
            final boolean seen = byId.containsKey(events.aggregateId());
            final long previous = byId.get(events.aggregateId());
            final long first = events.version() + 1;
            final long last = first + events.eventCount() - 1;
            final boolean compacted = state[4] > 0;
            if (seen ? first != previous + 1 : first != 1 && !compacted)
            {
                return "aggregate " + domains.typeName(events.aggregateTypeId()) + ":" + events.aggregateId() +
                    " goes from version " + previous + " to " + first;
            }
            byId.put(events.aggregateId(), last);
            final Domains.Domain domain = domains.byTypeId(events.aggregateTypeId());
            while (events.next())
            {
                if (entries > 0 && events.sequence() != state[3] + 1)
                {
                    return "event sequence " + events.sequence() + " follows " + state[3];
                }
                state[3] = events.sequence();
                state[1]++;
                if (null != domain && null != domain.schema)
                {
                    final String text = domain.schema.decode(events.event(), 0, events.event().capacity());
                    if (text.contains("<does not decode") || text.startsWith("<"))
                    {
                        return "event " + events.sequence() + " does not decode: " + text;
                    }
                }
            }
            state[2] = events.entrySequence();
            state[0]++;
            return null;
        }
    }
}
