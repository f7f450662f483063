/**
 * A Skein node: an engine hosted with its embedded archive and journal, taking commands from clients over Aeron
 * through authenticated sessions and sending each session's replies on its own publication.
 */
package io.skein.node;
