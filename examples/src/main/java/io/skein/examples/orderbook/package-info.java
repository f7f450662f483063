/**
 * The order book sample domain: one limit order book per instrument with price-time priority matching, the realistic
 * workload Skein's benchmarks use.
 */
package io.skein.examples.orderbook;
