/**
 * The {@code skein} command line: the demo now, and the node, send, load, journal and snapshot tools as they land.
 */
package io.skein.cli;
