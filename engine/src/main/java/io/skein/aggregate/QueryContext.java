package io.skein.aggregate;

import org.agrona.sbe.MessageEncoderFlyweight;

/**
 * What a query handler can see and do: read the command's metadata and any aggregate's current state, reply, or
 * reject.
 */
public interface QueryContext
{
    /**
     * The id of the aggregate the command addresses.
     *
     * @return the aggregate id.
     */
    long aggregateId();

    /**
     * The aggregate's current version: the number of events applied to it, 0 if it does not exist yet.
     *
     * @return the current version.
     */
    long version();

    /**
     * Whether the aggregate exists, i.e. has at least one event.
     *
     * @return true if the aggregate's version is above 0.
     */
    boolean exists();

    /**
     * The current state of another aggregate of this engine, of any registered type, to decide or answer on: read
     * it, never change it (appliers are the only code that changes state). In a command it is the state before the
     * command: events emitted so far are applied only once the handler returns.
     *
     * @param typeId      of the aggregate's type.
     * @param aggregateId of the aggregate.
     * @param <T>         the type's state class.
     * @return the state; for an aggregate that does not exist yet, a new state (its version is then 0).
     * @throws IllegalStateException if the engine has no such type.
     */
    <T> T stateOf(int typeId, long aggregateId);

    /**
     * The current version of another aggregate of this engine, before this command (for a query, its current version).
     *
     * @param typeId      of the aggregate's type.
     * @param aggregateId of the aggregate.
     * @return its version, 0 if it does not exist.
     * @throws IllegalStateException if the engine has no such type.
     */
    long versionOf(int typeId, long aggregateId);

    /**
     * The caller's correlation id for this command.
     *
     * @return the correlation id.
     */
    long correlationId();

    /**
     * Start the reply payload: the engine writes the message header and wraps the encoder after it. Calling it again
     * replaces the earlier payload. The payload is sent only if the command is accepted.
     *
     * @param encoder of the domain reply message, from the aggregate's own schema.
     * @param <R>     the encoder type.
     * @return the encoder, wrapped and ready to fill in.
     */
    <R extends MessageEncoderFlyweight> R reply(R encoder);

    /**
     * Reject the command with a domain code and a readable ASCII message. Events already emitted are discarded.
     *
     * @param code    domain rejection code, typically an SBE enum value of the aggregate's schema.
     * @param message readable reason; a constant does not allocate.
     */
    void reject(int code, CharSequence message);

    /**
     * Whether {@link #reject(int, CharSequence)} has been called for this command.
     *
     * @return true once rejected.
     */
    boolean isRejected();
}
