package io.skein.engine;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.engine.AggregateRuntime.AggregateRecord;
import io.skein.journal.Journal;
import io.skein.protocol.JournalEvents;
import io.skein.journal.JournalReader;
import io.skein.protocol.SkeinProtocol;
import org.agrona.ErrorHandler;

/**
 * State as it was at any point of a journal, and aggregates' event histories, built off the live engine: the nearest
 * earlier valid snapshot plus a bounded replay of the journal into fresh aggregates, through the engine's own entry
 * applier and with no idempotency window (a point holds the aggregates and nothing else). Safe to use beside a running
 * engine on the same journal (it only reads).
 */
public final class TimeTravel
{
    private final Journal journal;
    private final List<Supplier<? extends Aggregate<?>>> aggregates;
    private final ErrorHandler errorHandler;

    /**
     * Time travel over a journal with the aggregate types that wrote it.
     *
     * @param journal      to read.
     * @param aggregates   factories of the aggregate types, as registered with the engine.
     * @param errorHandler told about snapshots skipped as unusable.
     */
    public TimeTravel(
        final Journal journal, final List<Supplier<? extends Aggregate<?>>> aggregates, final ErrorHandler errorHandler)
    {
        this.journal = journal;
        this.aggregates = new ArrayList<>(aggregates);
        this.errorHandler = errorHandler;
    }

    /**
     * The state as of a journal position: every entry ending at or before it applied, none after.
     *
     * @param position in the journal; past the recorded end means the recorded end.
     * @return the state at that point.
     */
    public PointInTime atPosition(final long position)
    {
        return build(position, Long.MAX_VALUE);
    }

    /**
     * The state as of a time: every entry stamped at or before it applied, none after.
     *
     * @param timestampNs nanoseconds since the epoch.
     * @return the state at that point.
     */
    public PointInTime atTimestamp(final long timestampNs)
    {
        return build(Long.MAX_VALUE, timestampNs);
    }

    /**
     * A page of one aggregate's events, oldest first, read from the journal (a scan: there is no index yet).
     *
     * @param typeId      of the aggregate type.
     * @param aggregateId of the aggregate.
     * @param fromVersion the first version wanted (1 for the start).
     * @param maxEvents   the most events to return.
     * @return the page; ask for {@code lastVersion + 1} for the next one.
     */
    public List<RecordedEvent> history(
        final int typeId, final long aggregateId, final long fromVersion, final int maxEvents)
    {
        final List<RecordedEvent> events = new ArrayList<>();
        final JournalEvents entry = new JournalEvents()
            .upcasters(EngineState.upcasters(EngineState.newRuntimes(aggregates)));
        try (JournalReader reader = journal.reader())
        {
            reader.readUntil(journal.startPosition(), journal.durablePosition(), (buffer, offset, length, position) ->
            {
                entry.wrap(buffer, offset, length);
                if (!entry.changesSeveral() &&
                    (entry.aggregateTypeId() != typeId || entry.aggregateId() != aggregateId))
                {
                    return true;
                }
                while (entry.next() && events.size() < maxEvents)
                {
                    if (entry.aggregateTypeId() == typeId && entry.aggregateId() == aggregateId &&
                        entry.version() >= fromVersion)
                    {
                        final byte[] bytes = new byte[entry.event().capacity()];
                        entry.event().getBytes(0, bytes);
                        events.add(new RecordedEvent(entry.templateId(), entry.version(), entry.sequence(),
                            entry.timestampNs(), entry.correlationId(), entry.causationId(), bytes));
                    }
                }
                return events.size() < maxEvents;
            });
        }
        return Collections.unmodifiableList(events);
    }

    private PointInTime build(final long maxPosition, final long maxTimestampNs)
    {
        // No idempotency window: a point in time answers states, never duplicates.
        final EngineState state = new EngineState(EngineState.newRuntimes(aggregates), 0, null);
        final EntryApplier applier = new EntryApplier(state);
        final long end = journal.durablePosition();
        final long snapshotPosition = new SnapshotLoader().loadNewest(
            applier, journal, Math.min(maxPosition, end), maxTimestampNs, Long.MAX_VALUE, errorHandler);
        final long from = SkeinProtocol.NULL_POSITION == snapshotPosition ? journal.startPosition() : snapshotPosition;

        final long[] reached = { from, 0 };
        final JournalEvents header = new JournalEvents();
        try (JournalReader reader = journal.reader())
        {
            reader.readUntil(from, end, (buffer, offset, length, position) ->
            {
                if (position > maxPosition || header.wrap(buffer, offset, length).timestampNs() > maxTimestampNs)
                {
                    return false;
                }
                applier.apply(buffer, offset, length, position);
                reached[0] = position;
                reached[1] = header.timestampNs();
                return true;
            });
        }
        return new PointInTime(state, snapshotPosition, reached[0], reached[1]);
    }

    /**
     * The state of every aggregate as of one point of the journal. Read only.
     */
    public static final class PointInTime
    {
        private final EngineState state;
        private final long snapshotPosition;
        private final long position;
        private final long timestampNs;

        PointInTime(
            final EngineState state, final long snapshotPosition, final long position, final long timestampNs)
        {
            this.state = state;
            this.snapshotPosition = snapshotPosition;
            this.position = position;
            this.timestampNs = timestampNs;
        }

        /**
         * The journal position reached: the end of the last entry applied.
         *
         * @return the position.
         */
        public long position()
        {
            return position;
        }

        /**
         * The timestamp of the last entry applied.
         *
         * @return nanoseconds since the epoch, 0 if none was replayed after the snapshot.
         */
        public long timestampNs()
        {
            return timestampNs;
        }

        /**
         * The snapshot this point was built from.
         *
         * @return its journal position, or {@link SkeinProtocol#NULL_POSITION} if built from the journal's start.
         */
        public long snapshotPosition()
        {
            return snapshotPosition;
        }

        /**
         * One aggregate's state at this point.
         *
         * @param typeId      of the aggregate type.
         * @param aggregateId of the aggregate.
         * @param <S>         the state type.
         * @return the state, or null if the aggregate did not exist yet.
         */
        @SuppressWarnings("unchecked")
        public <S> S state(final int typeId, final long aggregateId)
        {
            final AggregateRecord<Object> record = record(typeId, aggregateId);
            return null == record ? null : (S)record.state;
        }

        /**
         * One aggregate's version at this point.
         *
         * @param typeId      of the aggregate type.
         * @param aggregateId of the aggregate.
         * @return the version, 0 if it did not exist yet.
         */
        public long version(final int typeId, final long aggregateId)
        {
            final AggregateRecord<Object> record = record(typeId, aggregateId);
            return null == record ? 0 : record.version;
        }

        /**
         * The state hash at this point, comparable with {@link SkeinEngine#stateHash(long)}.
         *
         * @return the hash.
         */
        public long stateHash()
        {
            return state.stateHash();
        }

        /**
         * The number of aggregates at this point.
         *
         * @return the count.
         */
        public long aggregateCount()
        {
            return state.aggregateCount();
        }

        private AggregateRecord<Object> record(final int typeId, final long aggregateId)
        {
            return state.existing(typeId, aggregateId);
        }
    }
}
