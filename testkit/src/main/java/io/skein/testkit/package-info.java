/**
 * Test support for aggregate authors: {@link io.skein.testkit.AggregateFixture} runs an aggregate's handlers and
 * appliers on the engine's own decision path ({@link io.skein.engine.EngineCore}), given/when/then, and fails with an
 * {@link java.lang.AssertionError} on what a plain unit test would miss.
 */
package io.skein.testkit;
