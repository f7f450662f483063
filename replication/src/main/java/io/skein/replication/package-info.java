/**
 * Replication: a follower's archive copies the leader's journal recording with Aeron Archive replication, its engine
 * applies the entries as they arrive (hot standby), and it reports its recorded position so the leader can release
 * replies once enough followers hold them.
 */
package io.skein.replication;
