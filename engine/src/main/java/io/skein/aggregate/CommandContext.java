package io.skein.aggregate;

import org.agrona.sbe.MessageEncoderFlyweight;

/**
 * What a command handler can see and do: everything a query can, plus emit events. Event metadata (global sequence,
 * aggregate type, id and version, timestamp, idempotency key, correlation and causation ids) is written by the
 * engine, never by the handler.
 */
public interface CommandContext extends QueryContext
{
    /**
     * The time of this command from the engine's clock; every event of the command carries it.
     *
     * @return nanoseconds since the epoch.
     */
    long timestampNs();

    /**
     * The id of what caused this command, 0 if none.
     *
     * @return the causation id.
     */
    long causationId();

    /**
     * Start a new event: the engine writes the message header and wraps the encoder after it, in the journal entry
     * being built. Fill it in before the next call to {@code emit} or before returning. Events are applied, in
     * order, only after the handler returns without rejecting.
     *
     * @param encoder of the domain event, from the aggregate's own schema; it must have an applier.
     * @param <E>     the encoder type.
     * @return the encoder, wrapped and ready to fill in.
     * @throws IllegalStateException if the aggregate has no applier for the event's template.
     */
    <E extends MessageEncoderFlyweight> E emit(E encoder);

    /**
     * Start a new event of another aggregate of this engine (or of this command's own): one command may change
     * several aggregates, and all its events form one journal entry, applied together or not at all. The event
     * belongs to that aggregate (its type's schema, its appliers, its version); the aggregate is created if it does
     * not exist yet.
     *
     * @param typeId      of the aggregate's type, registered with this engine.
     * @param aggregateId of the aggregate.
     * @param encoder     of the event, from that type's schema; that type must have an applier for it.
     * @param <E>         the encoder type.
     * @return the encoder, wrapped and ready to fill in.
     * @throws IllegalStateException if the engine has no such type or it has no applier for the event.
     */
    <E extends MessageEncoderFlyweight> E emitTo(int typeId, long aggregateId, E encoder);

    /**
     * Require another aggregate to be at a version, as a command's envelope can for its own: if it is not, the whole
     * command is refused with {@code CONFLICT}, naming that aggregate with the expected and the actual version, and
     * nothing is applied.
     *
     * @param typeId          of the aggregate's type.
     * @param aggregateId     of the aggregate.
     * @param expectedVersion its version as the sender saw it; 0 for an aggregate that must not exist yet.
     * @return true if it matches; false if the command will be refused (return from the handler then).
     * @throws IllegalStateException if the engine has no such type.
     */
    boolean expectVersion(int typeId, long aggregateId, long expectedVersion);

    /**
     * The number of events emitted so far by this command.
     *
     * @return the count.
     */
    int eventCount();
}
