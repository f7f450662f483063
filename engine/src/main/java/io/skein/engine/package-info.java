/**
 * The single-writer aggregate engine: a multi-producer Disruptor ring feeding one thread that owns every aggregate's
 * state, decides commands through the aggregates' handlers, applies their events, and hands replies to a reply stage
 * on another thread. {@link io.skein.engine.SkeinEngine} is the facade; {@link io.skein.engine.EngineCore} the same
 * decision path without threads, on which the testkit's fixture runs.
 */
package io.skein.engine;
