package io.skein.aggregate;

import org.agrona.sbe.MessageDecoderFlyweight;

/**
 * Decides what a command does to one aggregate: reject it, or emit one or more events, and optionally reply.
 * <p>
 * A handler must not change {@code state}: the engine applies the emitted events after the handler returns, and
 * only then does state change. If the handler throws, nothing it emitted is applied and the command is answered
 * {@code ERROR}.
 *
 * @param <S> the aggregate's state type.
 * @param <C> the SBE decoder of the command.
 */
@FunctionalInterface
public interface CommandHandler<S, C extends MessageDecoderFlyweight>
{
    /**
     * Handle one command.
     *
     * @param command decoder wrapped over the command, valid only during this call.
     * @param state   of the aggregate, a fresh one from the state factory if it does not exist yet; read only.
     * @param context to emit events, reject or reply through.
     */
    void onCommand(C command, S state, CommandContext context);
}
