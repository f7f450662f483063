package io.skein.engine;

import java.nio.ByteOrder;

import io.skein.aggregate.AggregateDefinition;
import io.skein.aggregate.AggregateDefinition.Binding;
import io.skein.aggregate.AggregateDefinition.Kind;
import io.skein.codecs.JournalEntryDecoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.engine.AggregateRuntime.AggregateRecord;
import io.skein.protocol.EntryChecksum;
import io.skein.protocol.EventUpcaster;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import io.skein.protocol.Upcasters;
import org.agrona.DirectBuffer;
import org.agrona.collections.IntHashSet;

/**
 * Applies journal entries to an {@link EngineState} through the aggregates' event appliers; no handler runs. The one
 * way state changes: the decision path applies each entry it has just built, and recovery, the follower tail, the
 * snapshot builder, snapshot loading (for types without a state codec), time travel and the test fixture apply
 * entries read back. Every entry is checked to follow the state it is applied to (entry sequence, global sequence,
 * aggregate version), so a journal that does not match fails loudly instead of yielding a different state.
 * Allocation-free unless an entry fails its checks.
 */
final class EntryApplier
{
    static final int GROUP_HEADER_LENGTH = 4;
    static final int VAR_LENGTH_FIELD = 4;
    /**
     * The schema version from which an entry may change several aggregates, its events then naming theirs (a group
     * block of {@link EntryBuilder#EVENT_BLOCK_LENGTH}).
     */
    static final int MULTI_AGGREGATE_VERSION = 7;

    private final EngineState state;
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final JournalEntryDecoder entryDecoder = new JournalEntryDecoder();
    private final Upcasters upcasters = Upcasters.none();
    private final TouchedAggregates touched = new TouchedAggregates();
    private int entryBlockLength;
    private DirectBuffer entryBuffer;
    private int entryOffset;
    private int entryVersion;

    EntryApplier(final EngineState state)
    {
        this.state = state;
    }

    EngineState state()
    {
        return state;
    }

    /**
     * Apply an entry read from a journal (or a test's history) and remember its idempotency key.
     *
     * @param buffer   holding the entry.
     * @param offset   of the entry's message header.
     * @param length   of the entry.
     * @param position of the journal just after the entry, {@link SkeinProtocol#NULL_POSITION} if not from one.
     * @throws SkeinException if the entry does not decode or does not follow the state it is applied to.
     */
    void apply(final DirectBuffer buffer, final int offset, final int length, final long position)
    {
        final AggregateRecord<Object> record = applyEntry(buffer, offset, length);
        final long keyHi = entryDecoder.idempotencyKeyHi();
        final long keyLo = entryDecoder.idempotencyKeyLo();
        if ((keyHi | keyLo) != 0)
        {
            state.recordKey(keyHi, keyLo, entryDecoder.aggregateTypeId(), entryDecoder.aggregateId(),
                record.version, state.nextSequence() - 1, position);
        }
    }

    /**
     * Apply an entry's events to its aggregate and move the sequences on; its idempotency key is left to the caller
     * (the decision path records it once the journal has taken the entry).
     *
     * @param buffer holding the entry.
     * @param offset of the entry's message header.
     * @param length of the entry.
     * @return the aggregate's record, now at the entry's version.
     * @throws SkeinException if the entry does not decode or does not follow the state it is applied to.
     */
    AggregateRecord<Object> applyEntry(final DirectBuffer buffer, final int offset, final int length)
    {
        return applyEntry(buffer, offset, length, null, null);
    }

    /**
     * Apply an entry whose aggregate the caller has already looked up: the decision path applying the entry it has
     * just built for that aggregate (the entry's type is still checked against the runtime).
     *
     * @param buffer  holding the entry.
     * @param offset  of the entry's message header.
     * @param length  of the entry.
     * @param known   the runtime of the entry's aggregate type, or null to look it up.
     * @param record  the aggregate's record (the spare for a new one), or null to look it up.
     * @return the aggregate's record, now at the entry's version.
     * @throws SkeinException if the entry does not decode or does not follow the state it is applied to.
     */
    AggregateRecord<Object> applyEntry(
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final AggregateRuntime<Object> known,
        final AggregateRecord<Object> record)
    {
        if (length < EntryChecksum.MIN_LENGTH + GROUP_HEADER_LENGTH)
        {
            throw diverged("journal entry of " + length + " bytes is too short");
        }
        headerDecoder.wrap(buffer, offset);
        if (headerDecoder.schemaId() != SkeinProtocol.SCHEMA_ID ||
            headerDecoder.templateId() != JournalEntryDecoder.TEMPLATE_ID ||
            headerDecoder.version() > SkeinProtocol.SCHEMA_VERSION)
        {
            throw diverged("not a journal entry: schema " + headerDecoder.schemaId() + " template " +
                headerDecoder.templateId() + " version " + headerDecoder.version());
        }
        entryBuffer = buffer;
        entryOffset = offset;
        entryBlockLength = headerDecoder.blockLength();
        entryVersion = headerDecoder.version();
        entryDecoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, entryBlockLength, entryVersion);
        final long entrySequence = entryDecoder.entrySequence();
        if (entrySequence != state.lastEntrySequence() + 1)
        {
            throw diverged("journal entry has sequence " + entrySequence + " where entry " +
                (state.lastEntrySequence() + 1) + " was expected: entries are missing or out of order");
        }
        final int typeId = entryDecoder.aggregateTypeId();
        final AggregateRuntime<Object> runtime = null != known && known.typeId() == typeId ? known :
            state.runtime(typeId);
        if (null == runtime)
        {
            throw diverged("journal entry " + entrySequence + " is for unknown aggregate type " + typeId);
        }
        final long aggregateId = entryDecoder.aggregateId();
        if (changesSeveral())
        {
            final int count = applySeveral(buffer, offset, null);
            state.entryApplied(entrySequence, count, entryDecoder.timestampNs(), entryDecoder.epoch());
            return runtime.recordFor(aggregateId);
        }
        final AggregateRecord<Object> aggregate = null != record && runtime == known ? record :
            runtime.recordFor(aggregateId);
        final int count = applyEvents(runtime, aggregateId, aggregate, buffer, true);
        state.entryApplied(entrySequence, count, entryDecoder.timestampNs(), entryDecoder.epoch());
        return aggregate;
    }

    /**
     * Whether the wrapped entry's events name their own aggregates (schema version 7 on: an entry that changes more
     * than its own aggregate).
     */
    private boolean changesSeveral()
    {
        return entryVersion >= MULTI_AGGREGATE_VERSION &&
            (entryBuffer.getShort(entryOffset + SkeinProtocol.HEADER_LENGTH + entryBlockLength,
            ByteOrder.LITTLE_ENDIAN) & 0xFFFF) >= EntryBuilder.EVENT_BLOCK_LENGTH;
    }

    /**
     * Apply the events of a wrapped entry that changes several aggregates: first check that every event takes its
     * aggregate to the next version (nothing is changed if one does not), then apply each to its aggregate.
     *
     * @param onlyTypes if not null, apply only the events of these types and check nothing else (rebuilding the
     *                  types a snapshot does not hold).
     * @return the number of events in the entry.
     */
    private int applySeveral(final DirectBuffer buffer, final int offset, final IntHashSet onlyTypes)
    {
        final long entrySequence = entryDecoder.entrySequence();
        JournalEntryDecoder.EventsDecoder events = entryDecoder.events();
        final int count = events.count();
        if (null == onlyTypes)
        {
            if (entryDecoder.firstSequence() != state.nextSequence())
            {
                throw diverged("journal entry " + entrySequence + " starts at sequence " +
                    entryDecoder.firstSequence() + " but the next expected sequence is " + state.nextSequence());
            }
            touched.clear();
            for (int i = 0; i < count; i++)
            {
                events.next();
                final int typeId = events.aggregateTypeId();
                final long aggregateId = events.aggregateId();
                final AggregateRuntime<Object> runtime = state.runtime(typeId);
                if (null == runtime)
                {
                    throw diverged("journal entry " + entrySequence + " has an event for unknown aggregate type " +
                        typeId);
                }
                final int index = touched.indexOf(typeId, aggregateId);
                final long current = index >= 0 ? touched.version(index) : versionOf(runtime, aggregateId);
                if (events.version() != current + 1)
                {
                    throw diverged("journal entry " + entrySequence + " event " + i + " takes aggregate " +
                        runtime.definition().name() + "/" + aggregateId + " to version " + events.version() +
                        ", but it is at version " + current);
                }
                if (index >= 0)
                {
                    touched.version(index, events.version());
                }
                else
                {
                    touched.add(typeId, aggregateId, events.version());
                }
                events.skipBody();
            }
            final int own = touched.indexOf(entryDecoder.aggregateTypeId(), entryDecoder.aggregateId());
            final long ownVersion = own >= 0 ? touched.version(own) :
                versionOf(state.runtime(entryDecoder.aggregateTypeId()), entryDecoder.aggregateId());
            if (ownVersion != entryDecoder.version())
            {
                throw diverged("journal entry " + entrySequence + " says its aggregate is at version " +
                    entryDecoder.version() + " after it, but its events take it to " + ownVersion);
            }
            entryDecoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, entryBlockLength, entryVersion);
            events = entryDecoder.events();
        }
        for (int i = 0; i < count; i++)
        {
            events.next();
            final int typeId = events.aggregateTypeId();
            final long aggregateId = events.aggregateId();
            final long version = events.version();
            final int eventLength = events.bodyLength();
            final int eventOffset = entryDecoder.limit() + VAR_LENGTH_FIELD;
            if (null == onlyTypes || onlyTypes.contains(typeId))
            {
                final AggregateRuntime<Object> runtime = state.runtime(typeId);
                final AggregateRecord<Object> record = runtime.recordFor(aggregateId);
                applyUpcast(runtime.definition(), buffer, eventOffset, eventLength, record.state);
                record.version = version;
                state.commitIfNew(runtime, aggregateId, record);
            }
            events.skipBody();
        }
        return count;
    }

    private static long versionOf(final AggregateRuntime<Object> runtime, final long aggregateId)
    {
        final AggregateRecord<Object> existing = null == runtime ? null : runtime.existing(aggregateId);
        return null == existing ? 0 : existing.version;
    }

    private void applyUpcast(
        final AggregateDefinition<Object> definition,
        final DirectBuffer buffer,
        final int eventOffset,
        final int eventLength,
        final Object aggregateState)
    {
        final EventUpcaster upcaster = definition.upcaster();
        if (null != upcaster && upcasters.upcast(upcaster, buffer, eventOffset, eventLength))
        {
            applyEvent(definition, upcasters.current(), 0, upcasters.currentLength(), aggregateState);
        }
        else
        {
            applyEvent(definition, buffer, eventOffset, eventLength, aggregateState);
        }
    }

    /**
     * Apply a journal entry's events to its aggregate only, if its type is one of {@code typeIds}: for rebuilding
     * the aggregate types a snapshot does not hold (no state codec) from the journal before the snapshot. Sequences,
     * the idempotency window and every other type are left alone: the snapshot restored those.
     *
     * @param buffer  holding the entry.
     * @param offset  of the entry's message header.
     * @param length  of the entry.
     * @param typeIds the aggregate types being rebuilt.
     */
    void applyTypes(final DirectBuffer buffer, final int offset, final int length, final IntHashSet typeIds)
    {
        headerDecoder.wrap(buffer, offset);
        entryBuffer = buffer;
        entryOffset = offset;
        entryBlockLength = headerDecoder.blockLength();
        entryVersion = headerDecoder.version();
        entryDecoder.wrap(buffer, offset + SkeinProtocol.HEADER_LENGTH, entryBlockLength, entryVersion);
        if (changesSeveral())
        {
            applySeveral(buffer, offset, typeIds);
            return;
        }
        if (!typeIds.contains(entryDecoder.aggregateTypeId()))
        {
            return;
        }
        final AggregateRuntime<Object> runtime = state.runtime(entryDecoder.aggregateTypeId());
        final long aggregateId = entryDecoder.aggregateId();
        applyEvents(runtime, aggregateId, runtime.recordFor(aggregateId), buffer, false);
    }

    /**
     * Apply the events of the wrapped journal entry to an aggregate, checking the entry takes it to the entry's
     * version (and, when asked, starts at the next global sequence), then commit the aggregate if it is new.
     *
     * @return the number of events applied.
     */
    private int applyEvents(
        final AggregateRuntime<Object> runtime,
        final long aggregateId,
        final AggregateRecord<Object> record,
        final DirectBuffer buffer,
        final boolean checkSequence)
    {
        final JournalEntryDecoder.EventsDecoder events = entryDecoder.events();
        final int count = events.count();
        if (entryDecoder.version() != record.version + count)
        {
            throw diverged("journal entry " + entryDecoder.entrySequence() + " takes aggregate " +
                runtime.definition().name() + "/" + aggregateId + " to version " + entryDecoder.version() +
                " with " + count + " events, but it is at version " + record.version);
        }
        if (checkSequence && entryDecoder.firstSequence() != state.nextSequence())
        {
            throw diverged("journal entry " + entryDecoder.entrySequence() + " starts at sequence " +
                entryDecoder.firstSequence() + " but the next expected sequence is " + state.nextSequence());
        }
        final AggregateDefinition<Object> definition = runtime.definition();
        for (int i = 0; i < count; i++)
        {
            events.next();
            final int eventLength = events.bodyLength();
            final int eventOffset = entryDecoder.limit() + VAR_LENGTH_FIELD;
            applyUpcast(definition, buffer, eventOffset, eventLength, record.state);
            events.skipBody();
        }
        record.version = entryDecoder.version();
        state.commitIfNew(runtime, aggregateId, record);
        return count;
    }

    private void applyEvent(
        final AggregateDefinition<Object> definition,
        final DirectBuffer buffer,
        final int offset,
        final int length,
        final Object aggregateState)
    {
        if (length < SkeinProtocol.HEADER_LENGTH)
        {
            throw diverged("event of " + length + " bytes has no message header");
        }
        headerDecoder.wrap(buffer, offset);
        final Binding<Object> binding = definition.binding(headerDecoder.templateId());
        if (null == binding || binding.kind() != Kind.EVENT || headerDecoder.schemaId() != definition.schemaId())
        {
            throw diverged("aggregate type " + definition.name() + " has no applier for event template " +
                headerDecoder.templateId() + " of schema " + headerDecoder.schemaId() + " version " +
                headerDecoder.version() + (null == definition.upcaster() ? "" : " (after its upcaster)"));
        }
        binding.apply(buffer, offset + SkeinProtocol.HEADER_LENGTH, headerDecoder.blockLength(),
            headerDecoder.version(), aggregateState);
    }

    static SkeinException diverged(final String message)
    {
        return new SkeinException(SkeinException.Code.STATE_DIVERGED, SkeinException.Category.FATAL, message, null);
    }
}
