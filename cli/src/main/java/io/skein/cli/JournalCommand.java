package io.skein.cli;

import java.io.File;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.Callable;

import io.skein.journal.Journal;
import io.skein.protocol.JournalEvents;
import io.skein.journal.JournalReader;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.collections.Int2ObjectHashMap;
import org.agrona.collections.Long2LongHashMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skein journal dump}, {@code skein journal verify} and {@code skein journal repair}: a stopped node's journal
 * as readable text, a full consistency check of it, and cutting it back to its last valid entry.
 */
@Command(name = "journal", mixinStandardHelpOptions = true,
    description = "Inspect a stopped node's journal.",
    subcommands = { JournalCommand.Dump.class, JournalCommand.Verify.class, JournalCommand.Repair.class })
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

    /**
     * An exception's message without its category and code prefix, for a readable line.
     */
    static String plain(final SkeinException ex)
    {
        return ex.getMessage().replaceFirst("^[A-Z]+ [A-Z_]+: ", "");
    }

    static String describeEntry(
        final Domains domains, final JournalEvents events, final long startPosition, final long endPosition)
    {
        final StringBuilder line = new StringBuilder(128);
        final boolean several = events.changesSeveral();
        // The versions of the entry's own aggregate's events; for an entry with none of them, its version.
        final int own = events.ownEventCount();
        final long firstVersion = events.entryVersion() - Math.max(own, 1) + 1;
        line.append('@').append(startPosition).append("..").append(endPosition).append(" #")
            .append(events.entrySequence()).append(' ')
            .append(Instant.ofEpochSecond(0, events.timestampNs())).append(' ')
            .append(domains.typeName(events.entryAggregateTypeId())).append(':').append(events.entryAggregateId())
            .append(" v").append(firstVersion);
        if (own > 1)
        {
            line.append('-').append(events.entryVersion());
        }
        if (events.epoch() > 0)
        {
            line.append(" epoch=").append(events.epoch());
        }
        if (events.logPosition() >= 0)
        {
            line.append(" log=").append(events.logPosition());
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
            if (events.isUpcast())
            {
                line.append(domains.upcastNote(events.aggregateTypeId(), events.storedTemplateId(),
                    events.storedVersion()));
            }
            if (several && (events.aggregateTypeId() != events.entryAggregateTypeId() ||
                events.aggregateId() != events.entryAggregateId()))
            {
                line.append(" (").append(domains.typeName(events.aggregateTypeId())).append(':')
                    .append(events.aggregateId()).append(" v").append(events.version()).append(')');
            }
        }
        return line.toString();
    }

    /**
     * Whether an entry changes an aggregate (its own, or, for an entry across aggregates, any of its events'); the
     * events are consumed.
     */
    private static boolean touches(final JournalEvents events, final long[] aggregate)
    {
        if (!events.changesSeveral())
        {
            return events.aggregateTypeId() == aggregate[0] && events.aggregateId() == aggregate[1];
        }
        while (events.next())
        {
            if (events.aggregateTypeId() == aggregate[0] && events.aggregateId() == aggregate[1])
            {
                return true;
            }
        }
        return false;
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
            final JournalEvents events = new JournalEvents().upcasters(domains.upcasters());
            final long[] printed = new long[1];
            final long[] lastEnd = new long[1];
            try (NodeDirectory node = new NodeDirectory(dir); JournalReader reader = node.journal().reader())
            {
                final Journal journal = node.journal();
                final long start = null == from ? journal.startPosition() : from;
                checkEntryStart(reader, start, journal.startPosition(), journal.recoveredEndPosition());
                lastEnd[0] = start;
                out.printf("journal: recording %d, positions %,d to %,d%n", journal.recordingId(),
                    journal.startPosition(), journal.recoveredEndPosition());
                reader.readUntil(start, journal.recoveredEndPosition(), (buffer, offset, length, position) ->
                {
                    events.wrap(buffer, offset, length);
                    final long entryStart = lastEnd[0];
                    lastEnd[0] = position;
                    if (null != filter && !touches(events, filter))
                    {
                        return true;
                    }
                    events.wrap(buffer, offset, length);
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

        /**
         * Refuse, in one line, a {@code --from} that is not where an entry starts (reading from there reports the
         * frame there as corrupt, which the journal is not), naming the nearest entry starts on either side, found
         * by reading entries from the journal's start.
         */
        private static void checkEntryStart(
            final JournalReader reader, final long from, final long startPosition, final long endPosition)
        {
            final String range = ": the journal's positions run from " + startPosition + " to " + endPosition;
            if (from < 0)
            {
                throw new IllegalArgumentException("--from " + from + " is negative" + range);
            }
            if (from < startPosition)
            {
                throw new IllegalArgumentException("--from " + from + " is before the journal's start (older " +
                    "entries were compacted away)" + range);
            }
            if (from > endPosition)
            {
                throw new IllegalArgumentException("--from " + from + " is beyond the journal's end" + range);
            }
            if (from == startPosition || from == endPosition)
            {
                return;
            }
            // [0] the last entry start at or before from, [1] the end of the entry holding from, [2] 1 once an entry
            // is seen after that one.
            final long[] found = {startPosition, Long.MIN_VALUE, 0};
            reader.readUntil(startPosition, endPosition, (buffer, offset, length, position) ->
            {
                if (Long.MIN_VALUE != found[1])
                {
                    found[2] = 1;
                    return false;
                }
                if (position >= from)
                {
                    found[1] = position;
                    return position > from;
                }
                found[0] = position;
                return true;
            });
            if (found[1] == from)
            {
                return;
            }
            final String notStart = "--from " + from + " is not where a journal entry starts: ";
            if (Long.MIN_VALUE == found[1])
            {
                throw new IllegalArgumentException(notStart + "the journal's last whole entry ends at " + found[0] +
                    ", and what follows it up to " + endPosition + " is not a whole entry");
            }
            if (0 == found[2])
            {
                throw new IllegalArgumentException(notStart + "the nearest entry start before it is " + found[0] +
                    ", and no entry starts after it (the last entry ends at " + found[1] + ")");
            }
            throw new IllegalArgumentException(notStart + "the nearest entry starts are " + found[0] +
                " (before it) and " + found[1] + " (after it)");
        }
    }

    /**
     * {@code skein journal verify}.
     */
    @Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Read the whole journal and check every entry: it decodes, entry sequences and event " +
        "sequences are contiguous, each aggregate's version grows by its event count, every event decodes " +
        "through its schema. Exit code 3 names the first problem's position; exit code 4 says the journal is " +
        "consistent but some events could not be decoded (aggregate types, or templates of a type, that the domains " +
        "on the classpath do not know), listed with how many events of each.")
    static final class Verify implements Callable<Integer>
    {
        /**
         * The journal is consistent, but some events could not be decoded with the domains on the classpath.
         */
        static final int UNDECODED_EXIT_CODE = 4;

        private static final int NO_SCHEMA = 0xFFFF;

        @Option(names = "--dir", required = true, description = "The node's directory.")
        private File dir;

        @Override
        public Integer call()
        {
            final Domains domains = Domains.load();
            final PrintStream out = System.out;
            final JournalEvents events = new JournalEvents().upcasters(domains.upcasters());
            final Int2ObjectHashMap<Long2LongHashMap> versions = new Int2ObjectHashMap<>();
            final Long2LongHashMap undecoded = new Long2LongHashMap(0);
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
                            problem[0] = check(domains, events, versions, undecoded, state);
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
                    problem[0] = plain(ex);
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
            if (!undecoded.isEmpty())
            {
                // Not OK: the events' bytes were never checked against a schema, so a verify run with the domain
                // jars missing must not pass for one that read everything.
                out.println(undecodedLine(domains, undecoded, state, versions.size(), aggregates));
                return UNDECODED_EXIT_CODE;
            }
            out.printf("OK: %,d %s, %,d %s, %,d %s, in %.2f s%n", state[0], 1 == state[0] ? "entry" : "entries",
                state[1], 1 == state[1] ? "event" : "events", aggregates, 1 == aggregates ? "aggregate" : "aggregates",
                (System.nanoTime() - startNs) / 1e9);
            return 0;
        }

        /**
         * One line naming, with counts, the aggregate types and templates whose events could not be decoded.
         */
        private static String undecodedLine(
            final Domains domains,
            final Long2LongHashMap undecoded,
            final long[] state,
            final int aggregateTypes,
            final long aggregates)
        {
            final long[] keys = new long[undecoded.size()];
            int i = 0;
            long events = 0;
            final Long2LongHashMap.KeyIterator iterator = undecoded.keySet().iterator();
            while (iterator.hasNext())
            {
                final long key = iterator.nextValue();
                keys[i++] = key;
                events += undecoded.get(key);
            }
            Arrays.sort(keys);
            final StringBuilder line = new StringBuilder(128);
            line.append("NOT VERIFIED: ").append(count(events)).append(" of ").append(count(state[1]))
                .append(1 == state[1] ? " event" : " events").append(1 == events ? " does" : " do")
                .append(" not decode with the aggregate types on the classpath: ");
            for (int k = 0; k < keys.length; k++)
            {
                final long key = keys[k];
                final int typeId = (int)(key >>> 32);
                final int schemaId = (int)(key >>> 16) & 0xFFFF;
                final int templateId = (int)key & 0xFFFF;
                final Domains.Domain domain = domains.byTypeId(typeId);
                if (null == domain)
                {
                    line.append("aggregate type ").append(typeId).append(", unknown");
                }
                else
                {
                    line.append(domain.name).append(" (type ").append(typeId).append(')');
                    if (null == domain.schema)
                    {
                        line.append(", no schema");
                    }
                    else if (schemaId != domain.schema.schemaId())
                    {
                        line.append(" schema ").append(schemaId).append(" template ").append(templateId)
                            .append(", not its schema ").append(domain.schema.schemaId());
                    }
                    else
                    {
                        line.append(" template ").append(templateId).append(", not in its schema");
                    }
                }
                final long n = undecoded.get(key);
                line.append(" (").append(count(n)).append(1 == n ? " event)" : " events)")
                    .append(k < keys.length - 1 ? "; " : "");
            }
            line.append("; entries, sequences and versions are consistent (").append(count(state[0]))
                .append(1 == state[0] ? " entry, " : " entries, ").append(aggregateTypes)
                .append(1 == aggregateTypes ? " aggregate type, " : " aggregate types, ").append(count(aggregates))
                .append(1 == aggregates ? " aggregate)" : " aggregates)");
            return line.toString();
        }

        private static long undecodedKey(final int typeId, final int schemaId, final int templateId)
        {
            return ((long)typeId << 32) | ((long)schemaId << 16) | templateId;
        }

        private static String count(final long n)
        {
            return String.format("%,d", n);
        }

        private static String check(
            final Domains domains,
            final JournalEvents events,
            final Int2ObjectHashMap<Long2LongHashMap> versions,
            final Long2LongHashMap undecoded,
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
            final boolean compacted = state[4] > 0;
            while (events.next())
            {
                final Long2LongHashMap byId = versions.computeIfAbsent(events.aggregateTypeId(),
                    (type) -> new Long2LongHashMap(0));
                final boolean seen = byId.containsKey(events.aggregateId());
                final long previous = byId.get(events.aggregateId());
                if (seen ? events.version() != previous + 1 : events.version() != 1 && !compacted)
                {
                    return "aggregate " + domains.typeName(events.aggregateTypeId()) + ":" + events.aggregateId() +
                        " goes from version " + previous + " to " + events.version();
                }
                byId.put(events.aggregateId(), events.version());
                final Domains.Domain domain = domains.byTypeId(events.aggregateTypeId());
                if (entries > 0 && events.sequence() != state[3] + 1)
                {
                    return "event sequence " + events.sequence() + " follows " + state[3];
                }
                state[3] = events.sequence();
                state[1]++;
                final DirectBuffer event = events.event();
                if (null == domain || null == domain.schema)
                {
                    final long key = undecodedKey(events.aggregateTypeId(), NO_SCHEMA, NO_SCHEMA);
                    undecoded.put(key, undecoded.get(key) + 1);
                    continue;
                }
                if (event.capacity() >= SkeinProtocol.HEADER_LENGTH && !domain.schema.knows(event, 0, event.capacity()))
                {
                    final long key = undecodedKey(events.aggregateTypeId(), domain.schema.schemaIdOf(event, 0),
                        domain.schema.templateIdOf(event, 0));
                    undecoded.put(key, undecoded.get(key) + 1);
                    continue;
                }
                final String text = domain.schema.decode(event, 0, event.capacity());
                if (text.contains("<does not decode") || text.startsWith("<"))
                {
                    return "event " + events.sequence() + " does not decode: " + text;
                }
            }
            state[2] = events.entrySequence();
            state[0]++;
            return null;
        }
    }

    /**
     * {@code skein journal repair}.
     */
    @Command(name = "repair", mixinStandardHelpOptions = true,
        description = "Cut a stopped node's journal back to the end of its last whole, valid entry, printing what " +
        "is removed. A torn tail (an entry never recorded whole, so never acknowledged) is cut as asked; if whole " +
        "entries would be removed (they were recorded, so their commands may have been acknowledged) it refuses " +
        "unless given --discard-acknowledged.")
    static final class Repair implements Callable<Integer>
    {
        @Option(names = "--dir", required = true, description = "The node's directory.")
        private File dir;

        @Option(names = "--dry-run", description = "Say what would be cut and change nothing.")
        private boolean dryRun;

        @Option(names = "--discard-acknowledged", description = "Also cut when what follows the last valid entry " +
            "holds whole recorded entries whose commands may have been acknowledged.")
        private boolean discardAcknowledged;

        @Override
        public Integer call()
        {
            final PrintStream out = System.out;
            try (NodeDirectory node = new NodeDirectory(dir))
            {
                final Journal journal = node.journal();
                final long start = journal.startPosition();
                final long end = journal.recoveredEndPosition();
                final long[] lastGood = {start};
                final long[] entries = new long[1];
                final long[] lastSequence = new long[1];
                String problem = null;
                final JournalEvents events = new JournalEvents();
                try (JournalReader reader = journal.reader())
                {
                    reader.readUntil(start, end, (buffer, offset, length, position) ->
                    {
                        events.wrap(buffer, offset, length);
                        if (entries[0] > 0 && events.entrySequence() != lastSequence[0] + 1)
                        {
                            throw new SkeinException(SkeinException.Code.STORAGE, "journal entry between " +
                                "positions " + lastGood[0] + " and " + position + " has sequence " +
                                events.entrySequence() + " after " + lastSequence[0]);
                        }
                        lastSequence[0] = events.entrySequence();
                        entries[0]++;
                        lastGood[0] = position;
                        return true;
                    });
                }
                catch (final SkeinException ex)
                {
                    problem = plain(ex);
                }
                if (lastGood[0] == end)
                {
                    out.printf("Nothing to repair: %,d whole, valid entries from position %,d to %,d%n", entries[0],
                        start, end);
                    return 0;
                }
                final long cut = end - lastGood[0];
                out.printf(
                    "The journal's last valid entry (#%d) ends at position %,d; %,d bytes follow it, up to %,d%n",
                    lastSequence[0], lastGood[0], cut, end);
                if (null == problem)
                {
                    out.println("What follows is an entry never recorded whole: its command was never acknowledged.");
                }
                else
                {
                    out.println("What follows starts with: " + problem);
                    out.println("Entries after it were recorded whole, so their commands may have been " +
                        "acknowledged; cutting loses them.");
                    if (!discardAcknowledged && !dryRun)
                    {
                        out.println("Refused: give --discard-acknowledged to cut anyway (restore the node's " +
                            "directory from a copy or a follower first, if you have one).");
                        return 3;
                    }
                }
                if (dryRun)
                {
                    out.printf("Dry run: would cut %,d bytes from position %,d%n", cut, lastGood[0]);
                    return 0;
                }
                final int snapshots = journal.cut(lastGood[0]);
                out.printf("Cut %,d bytes: the journal now ends at position %,d after entry #%d%s%n", cut,
                    lastGood[0], lastSequence[0], snapshots > 0 ? "; " + snapshots + " snapshot(s) taken after it " +
                    "were invalidated" : "");
                return 0;
            }
        }
    }
}
