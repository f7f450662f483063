/**
 * The benchmarks' hand-written baseline of the order book's logic, in the order book's package so it shares the
 * book's data structures.
 */
package io.skein.examples.orderbook;
