/**
 * Skein's engine as an Aeron Cluster service: the members' Raft-replicated log decides which commands run and in what
 * order, every member runs each through the engine's decision path, and a new leader is elected when the leader
 * fails. {@link io.skein.cluster.SkeinClusterMember} runs one member, {@link io.skein.cluster.SkeinClusterClient}
 * sends commands to whichever member leads.
 */
package io.skein.cluster;
