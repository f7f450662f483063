/**
 * The {@code skein} command line: the demos, a node, a cluster member, a load generator (to a node or a cluster),
 * operator requests to a node, and the journal and snapshot tools.
 */
package io.skein.cli;
