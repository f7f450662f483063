/**
 * Skein's read side: {@link io.skein.projection.EventReader} pages through every durable event with a filter,
 * {@link io.skein.projection.EventSubscription} follows the journal from any position and goes on live with no gap
 * and no duplicate, and {@link io.skein.projection.ProjectionRunner} keeps a named projection with a checkpoint,
 * at least once or exactly once. Nothing here ever sees an event past the durable position
 * ({@link io.skein.projection.EventSource}).
 */
package io.skein.projection;
