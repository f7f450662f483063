/**
 * JMH benchmarks of Skein against its raw building blocks (Disruptor, Aeron Archive) measured in the same run, and
 * the suite runner that writes JSON results and a summary table of ratios.
 */
package io.skein.benchmarks;
