package io.skein.aggregate;

/**
 * An aggregate type: a consistency boundary whose state is changed only by its own events.
 * <p>
 * The engine creates one instance per engine (and the test fixture one per fixture) through a factory, so an
 * implementation may hold its encoders and decoders as fields and bind handler method references once in
 * {@link #define(AggregateDefinition)}: nothing is shared between threads and nothing is allocated per command.
 *
 * @param <S> the type of one aggregate's state.
 */
public interface Aggregate<S>
{
    /**
     * Describe this aggregate type: id, name, state factory, command and query handlers, event appliers.
     *
     * @param definition to fill in.
     */
    void define(AggregateDefinition<S> definition);
}
