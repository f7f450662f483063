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
     * The number of events emitted so far by this command.
     *
     * @return the count.
     */
    int eventCount();
}
