/**
 * The client library for remote services: open an authenticated session with a Skein node over Aeron, send commands
 * without blocking, and receive their replies by polling; retries with the same idempotency key are safe.
 */
package io.skein.client;
