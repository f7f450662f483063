package io.skein.aggregate;

import org.agrona.sbe.MessageDecoderFlyweight;

/**
 * Applies one event to an aggregate's state: the only code that changes state, used both live and when replaying
 * the journal. An applier must be deterministic and must not fail: an applier that throws leaves state that no
 * longer matches the journal, so the engine stops accepting commands.
 *
 * @param <S> the aggregate's state type.
 * @param <E> the SBE decoder of the event.
 */
@FunctionalInterface
public interface EventApplier<S, E extends MessageDecoderFlyweight>
{
    /**
     * Apply one event.
     *
     * @param event decoder wrapped over the event, valid only during this call.
     * @param state to change.
     */
    void apply(E event, S state);
}
