package io.skein.engine;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.engine.AggregateRuntime.AggregateRecord;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersManager;

/**
 * The single writer's decision path for a replicated state machine (Skein as an Aeron Cluster service): the same
 * {@link CommandExecutor}, {@link EngineState} and {@link EntryApplier} as the engine, driven by the caller's thread
 * from a log every replica applies in the same order. Not thread-safe; the cluster's service thread owns it.
 * <p>
 * Everything it decides is a function of the log alone, so replicas that apply the same log hold the same state:
 * <ul>
 *     <li>a command's time is the time the log gives it (the leader's clock at append), never read from a clock here,
 *     and held from going backwards across leaders ({@code max} with the last entry's time);</li>
 *     <li>the position a reply and the idempotency window name is the log position of the command, not a local
 *     journal's;</li>
 *     <li>no decision depends on local storage (no free-space refusal): the caller keeps a local journal of the
 *     entries, and a failure there must stop the replica, never change an outcome;</li>
 *     <li>the epoch is the log's leadership term, set by the caller from the log.</li>
 * </ul>
 * Every aggregate type needs a state codec: a snapshot is the only thing a replica restarts from, and types without
 * one could only be rebuilt from a local journal that may not reach back far enough.
 */
public final class ClusterEngine
{
    private static final int COUNTERS_METADATA_LENGTH = 64 * 1024;
    private static final int COUNTERS_VALUES_LENGTH = 16 * 1024;

    private final EngineState state;
    private final CommandExecutor executor;
    private final SnapshotTaker snapshotTaker = new SnapshotTaker();
    private final SnapshotLoader snapshotLoader = new SnapshotLoader();
    private long logPosition = SkeinProtocol.NULL_POSITION;
    private long timestampNs;

    private ClusterEngine(
        final List<? extends Supplier<? extends Aggregate<?>>> aggregates,
        final int idempotencyWindowCapacity,
        final ErrorHandler errorHandler)
    {
        final EngineCounters counters = new EngineCounters(new CountersManager(
            new UnsafeBuffer(ByteBuffer.allocateDirect(COUNTERS_METADATA_LENGTH)),
            new UnsafeBuffer(ByteBuffer.allocateDirect(COUNTERS_VALUES_LENGTH))), "cluster");
        state = new EngineState(EngineState.newRuntimes(aggregates), idempotencyWindowCapacity, counters);
        for (final int typeId : state.sortedTypeIds())
        {
            final AggregateDefinition<Object> definition = state.runtime(typeId).definition();
            if (null == definition.stateCodec())
            {
                throw new SkeinException(SkeinException.Code.BAD_INPUT, "aggregate type " + definition.name() +
                    " has no state codec: in cluster mode every type needs one, since a replica restarts from the " +
                    "cluster's snapshot alone");
            }
        }
        // The appender is where the engine learns the position of an accepted entry: here the command's log position.
        executor = new CommandExecutor(state, () -> timestampNs, counters, errorHandler,
            EngineCore.MAX_ENTRY_LENGTH, EngineCore.MAX_REPLY_LENGTH, (buffer, offset, length) -> logPosition);
    }

    /**
     * An engine with no aggregates yet.
     *
     * @param aggregates                factories of the aggregate types, each called once.
     * @param idempotencyWindowCapacity how many idempotency keys are remembered (at least 1).
     * @param errorHandler              told of handlers that throw.
     * @return the engine.
     * @throws SkeinException if two types share a type id, or a type has no state codec.
     */
    public static ClusterEngine of(
        final List<? extends Supplier<? extends Aggregate<?>>> aggregates,
        final int idempotencyWindowCapacity,
        final ErrorHandler errorHandler)
    {
        return new ClusterEngine(aggregates, idempotencyWindowCapacity, errorHandler);
    }

    /**
     * Decide one command (or query) taken from the log.
     *
     * @param buffer      holding the command: envelope followed by the domain command.
     * @param offset      of the command.
     * @param length      of the command.
     * @param timestampNs the log's time for the command, nanoseconds since the epoch.
     * @param logPosition the log position just after the command: the position its reply and key name.
     * @return the length of the reply, at the start of {@link #replyBuffer()}.
     */
    public int execute(
        final DirectBuffer buffer, final int offset, final int length, final long timestampNs, final long logPosition)
    {
        this.logPosition = logPosition;
        this.timestampNs = Math.max(timestampNs, state.lastEntryTimestampNs());
        executor.batchTimestamp(this.timestampNs);
        executor.logPosition(logPosition);
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
     * Why the engine takes no more commands (an event applier threw, so state may no longer match the log).
     *
     * @return the reason, or null while it takes commands.
     */
    public String failure()
    {
        return executor.failure();
    }

    /**
     * Set the epoch later entries carry: the log's leadership term.
     *
     * @param epoch the leadership term id.
     */
    public void epoch(final long epoch)
    {
        state.epoch(Math.max(epoch, state.epoch()));
    }

    /**
     * The epoch entries carry.
     *
     * @return the epoch.
     */
    public long epoch()
    {
        return state.epoch();
    }

    /**
     * Write the state as a snapshot, in Skein's snapshot format (begin marker, types, aggregates, keys, end marker
     * with a CRC-32C), one message per call to the sink.
     *
     * @param position the log position the state reflects, named in the markers.
     * @param sink     taking the messages.
     */
    public void writeSnapshot(final long position, final SnapshotSink sink)
    {
        snapshotTaker.write(state, sink, position);
    }

    /**
     * Start loading a snapshot: the state is reset; feed each message to {@link #loadSnapshotMessage} and end with
     * {@link #endSnapshotLoad()}.
     *
     * @param position the log position the snapshot must name.
     * @param source   what the snapshot is, for error messages.
     */
    public void beginSnapshotLoad(final long position, final String source)
    {
        snapshotLoader.begin(executor.applier(), position, source);
    }

    /**
     * One message of the snapshot being loaded, whole.
     *
     * @param buffer holding the message.
     * @param offset of the message's header.
     * @param length of the message.
     * @return true once the end marker is read and checked.
     * @throws SkeinException if the snapshot is corrupt; the state is then reset.
     */
    public boolean loadSnapshotMessage(final DirectBuffer buffer, final int offset, final int length)
    {
        try
        {
            snapshotLoader.onEntry(buffer, offset, length, SkeinProtocol.NULL_POSITION);
        }
        catch (final RuntimeException ex)
        {
            state.reset();
            throw ex;
        }
        return snapshotLoader.isEnded();
    }

    /**
     * End the snapshot load: it must have ended and hold every aggregate type.
     *
     * @throws SkeinException if it did not; the state is then reset.
     */
    public void endSnapshotLoad()
    {
        snapshotLoader.finishWhole();
    }

    /**
     * Forget every aggregate, key and sequence.
     */
    public void reset()
    {
        state.reset();
    }

    /**
     * The state hash, comparable with {@link SkeinEngine#stateHash(long)} and {@link EngineCore#stateHash()}.
     *
     * @return the hash.
     */
    public long stateHash()
    {
        return state.stateHash();
    }

    /**
     * The number of aggregates in memory.
     *
     * @return the count.
     */
    public long aggregateCount()
    {
        return state.aggregateCount();
    }

    /**
     * The sequence of the last entry applied.
     *
     * @return the entry sequence, 0 before any entry.
     */
    public long lastEntrySequence()
    {
        return state.lastEntrySequence();
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
     * One aggregate's version.
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
}
