/**
 * Projections into PostgreSQL, exactly once: {@link io.skein.sink.postgres.PostgresProjection} runs a
 * {@link io.skein.sink.postgres.RowWriter}'s writes and the projection's checkpoint in one transaction per batch, and
 * holds an advisory lock so a second runner of the same projection waits instead of writing.
 */
package io.skein.sink.postgres;
