/**
 * The aggregate SPI: what a user implements to put business logic on Skein's single writer. An {@link
 * io.skein.aggregate.Aggregate} defines its state, its command and query handlers, and the event appliers that are
 * the only code allowed to change state.
 */
package io.skein.aggregate;
