package io.skein.engine;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.engine.AggregateRuntime.AggregateRecord;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

/**
 * The single writer's core without its ring, threads or journal: the same decision path, state and entry applier
 * the engine runs, driven by the caller's thread. For tools and test fixtures (the testkit's {@code AggregateFixture}
 * is built on it): decide a command and read its reply and journal entry, apply a journal entry as recovery does, and
 * read any aggregate's state and version. Not thread-safe; one caller owns it.
 */
public final class EngineCore
{
    /**
     * Longest journal entry a core builds.
     */
    public static final int MAX_ENTRY_LENGTH = 1024 * 1024;

    /**
     * Longest reply a core builds.
     */
    public static final int MAX_REPLY_LENGTH = 64 * 1024;

    private static final int COUNTERS_METADATA_LENGTH = 64 * 1024;
    private static final int COUNTERS_VALUES_LENGTH = 16 * 1024;

    private final EngineState state;
    private final CommandExecutor executor;

    private EngineCore(
        final List<? extends Supplier<? extends Aggregate<?>>> aggregates,
        final int idempotencyWindowCapacity,
        final EpochNanoClock clock,
        final ErrorHandler errorHandler)
    {
        final EngineCounters counters = new EngineCounters(new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(COUNTERS_METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(COUNTERS_VALUES_LENGTH))), "core");
        state = new EngineState(EngineState.newRuntimes(aggregates), idempotencyWindowCapacity, counters);
        executor = new CommandExecutor(state, clock, counters, errorHandler, MAX_ENTRY_LENGTH, MAX_REPLY_LENGTH, null);
    }

    /**
     * A core with no aggregates yet.
     *
     * @param aggregates                factories of the aggregate types, each called once.
     * @param idempotencyWindowCapacity how many idempotency keys are remembered (at least 1).
     * @param clock                     that stamps commands' events.
     * @param errorHandler              told of handlers that throw.
     * @return the core.
     * @throws io.skein.protocol.SkeinException if two types share a type id.
     */
    public static EngineCore of(
        final List<? extends Supplier<? extends Aggregate<?>>> aggregates,
        final int idempotencyWindowCapacity,
        final EpochNanoClock clock,
        final ErrorHandler errorHandler)
    {
        return new EngineCore(aggregates, idempotencyWindowCapacity, clock, errorHandler);
    }

    /**
     * Decide one command (or query) as the engine's single writer does.
     *
     * @param buffer holding the command: envelope followed by the domain command.
     * @param offset of the command.
     * @param length of the command.
     * @return the length of the reply, at the start of {@link #replyBuffer()}.
     */
    public int execute(final DirectBuffer buffer, final int offset, final int length)
    {
        return executor.execute(buffer, offset, length);
    }

    /**
     * The reply to the last command, valid until the next one.
     *
     * @return the buffer holding the reply at offset 0.
     */
    public DirectBuffer replyBuffer()
    {
        return executor.replyBuffer();
    }

    /**
     * The journal entry the last command produced, valid until the next one.
     *
     * @return the buffer holding the entry at offset 0.
     */
    public DirectBuffer entryBuffer()
    {
        return executor.entryBuffer();
    }

    /**
     * The length of the journal entry the last command produced.
     *
     * @return the length, 0 if it produced none.
     */
    public int entryLength()
    {
        return executor.entryLength();
    }

    /**
     * Apply a journal entry to the state as recovery does: its events through the appliers, no handler.
     *
     * @param buffer holding the entry.
     * @param offset of the entry's message header.
     * @param length of the entry.
     * @throws io.skein.protocol.SkeinException if the entry does not decode or does not follow the state.
     */
    public void apply(final DirectBuffer buffer, final int offset, final int length)
    {
        executor.applier().apply(buffer, offset, length, SkeinProtocol.NULL_POSITION);
    }

    /**
     * Put one aggregate in a given state at a given version, as loading a snapshot does: for a test kit that starts
     * an aggregate from a state rather than a history. The state object is the engine's from now on.
     *
     * @param typeId      of a registered aggregate type.
     * @param aggregateId of the aggregate.
     * @param version     it is at (the number of events its history would have had), at least 1.
     * @param aggregateState its state.
     * @throws IllegalArgumentException if the type is not registered or the version is below 1.
     */
    public void restore(final int typeId, final long aggregateId, final long version, final Object aggregateState)
    {
        final AggregateRuntime<Object> runtime = state.runtime(typeId);
        if (null == runtime)
        {
            throw new IllegalArgumentException("no aggregate type " + typeId + " is registered");
        }
        if (version < 1)
        {
            throw new IllegalArgumentException("an aggregate given a state is at version 1 or later: " + version);
        }
        state.restoreAggregate(runtime, aggregateId, version, aggregateState);
    }

    /**
     * Forget every aggregate, key and sequence, as before recovery.
     */
    public void reset()
    {
        state.reset();
    }

    /**
     * The registered aggregate types.
     *
     * @return their type ids, in order.
     */
    public int[] typeIds()
    {
        return state.sortedTypeIds();
    }

    /**
     * The definition of a registered aggregate type.
     *
     * @param typeId of the type.
     * @return the definition, or null if no such type is registered.
     */
    public AggregateDefinition<?> definition(final int typeId)
    {
        final AggregateRuntime<Object> runtime = state.runtime(typeId);
        return null == runtime ? null : runtime.definition();
    }

    /**
     * One aggregate's live state. Read, do not change.
     *
     * @param typeId      of the aggregate type.
     * @param aggregateId of the aggregate.
     * @return the state, or null if the aggregate does not exist.
     */
    public Object state(final int typeId, final long aggregateId)
    {
        final AggregateRecord<Object> record = state.existing(typeId, aggregateId);
        return null == record ? null : record.state;
    }

    /**
     * One aggregate's version: the number of events applied to it.
     *
     * @param typeId      of the aggregate type.
     * @param aggregateId of the aggregate.
     * @return the version, 0 if the aggregate does not exist.
     */
    public long version(final int typeId, final long aggregateId)
    {
        final AggregateRecord<Object> record = state.existing(typeId, aggregateId);
        return null == record ? 0 : record.version;
    }

    /**
     * The global sequence the next event will take.
     *
     * @return the sequence, 1 before any event.
     */
    public long nextSequence()
    {
        return state.nextSequence();
    }

    /**
     * The sequence of the last journal entry applied.
     *
     * @return the entry sequence, 0 before any entry.
     */
    public long lastEntrySequence()
    {
        return state.lastEntrySequence();
    }

    /**
     * The state hash, comparable with {@link SkeinEngine#stateHash(long)}.
     *
     * @return the hash.
     */
    public long stateHash()
    {
        return state.stateHash();
    }
}
