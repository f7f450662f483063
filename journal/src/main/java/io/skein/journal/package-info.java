/**
 * The journal on Aeron Archive: an embedded archiving media driver, appends of one entry per accepted command to a
 * recorded exclusive publication, the archive's recorded position as the durable position, replay for recovery, and
 * Skein's own fsynced recording log.
 */
package io.skein.journal;
