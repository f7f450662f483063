/**
 * Hand-written helpers over Skein's generated codecs that both the engine and remote clients use: building a
 * command (envelope plus domain message) and reading a reply.
 */
package io.skein.protocol;
