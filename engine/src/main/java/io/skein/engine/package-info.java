/**
 * The single-writer aggregate engine: a multi-producer Disruptor ring feeding one thread that owns every aggregate's
 * state, decides commands through the aggregates' handlers, applies their events, and hands replies to a reply stage
 * on another thread. {@link io.skein.engine.SkeinEngine} is the facade, {@link io.skein.engine.AggregateFixture} the
 * given/when/then fixture for aggregate authors.
 */
package io.skein.engine;
