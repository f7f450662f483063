/**
 * The {@code skein} command line: the demo, a node, a load generator, operator requests to a node, and the journal
 * and snapshot tools.
 */
package io.skein.cli;
