package io.skein.aggregate;

import org.agrona.sbe.MessageDecoderFlyweight;

/**
 * Answers a read-only command from an aggregate's current state. A query emits no events, ignores the command's
 * expected version and idempotency key, and is answered {@code ACCEPTED} with the reply it writes, or
 * {@code REJECTED} if it rejects.
 *
 * @param <S> the aggregate's state type.
 * @param <Q> the SBE decoder of the query.
 */
@FunctionalInterface
public interface QueryHandler<S, Q extends MessageDecoderFlyweight>
{
    /**
     * Answer one query.
     *
     * @param query   decoder wrapped over the query, valid only during this call.
     * @param state   of the aggregate, a fresh one if it does not exist yet; read only.
     * @param context to reply or reject through.
     */
    void onQuery(Q query, S state, QueryContext context);
}
