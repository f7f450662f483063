package io.skein.cluster;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.skein.protocol.SkeinException;

/**
 * The members of a Skein cluster, written as one list that members and clients share: {@code host:port} per member,
 * comma-separated, member 0 first (for example {@code localhost:9000,localhost:9100,localhost:9200}). Each member
 * listens on consecutive ports from its base port:
 * <table>
 *     <caption>ports from a member's base port</caption>
 *     <tr><td>base + 1</td><td>ingress: clients' commands</td></tr>
 *     <tr><td>base + 2</td><td>consensus: the members' Raft messages</td></tr>
 *     <tr><td>base + 3</td><td>log: the replicated log, leader to followers</td></tr>
 *     <tr><td>base + 4</td><td>catch-up: a lagging follower's log</td></tr>
 *     <tr><td>base + 5</td><td>archive control: log replication between the members' archives</td></tr>
 * </table>
 */
public final class ClusterMembers
{
    /**
     * Ports each member takes from its base port.
     */
    public static final int PORTS_PER_MEMBER = 5;

    /**
     * Aeron Cluster's limit on members in a static cluster.
     */
    public static final int MAX_MEMBERS = 9;

    private final List<String> hosts;
    private final List<Integer> basePorts;

    private ClusterMembers(final List<String> hosts, final List<Integer> basePorts)
    {
        this.hosts = Collections.unmodifiableList(hosts);
        this.basePorts = Collections.unmodifiableList(basePorts);
    }

    /**
     * Parse a member list.
     *
     * @param spec {@code host:port,host:port,...}, member 0 first.
     * @return the members.
     * @throws SkeinException with code BAD_INPUT, naming the part that is wrong.
     */
    public static ClusterMembers parse(final String spec)
    {
        if (null == spec || spec.isBlank())
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT,
                "no cluster members given: expected host:port,host:port,... (member 0 first)");
        }
        final List<String> hosts = new ArrayList<>();
        final List<Integer> ports = new ArrayList<>();
        for (final String part : spec.split(","))
        {
            final String member = part.trim();
            final int colon = member.lastIndexOf(':');
            if (colon <= 0 || colon == member.length() - 1)
            {
                throw new SkeinException(SkeinException.Code.BAD_INPUT, "cluster member '" + member +
                    "' is not host:port (in '" + spec + "')");
            }
            final int port;
            try
            {
                port = Integer.parseInt(member.substring(colon + 1));
            }
            catch (final NumberFormatException ex)
            {
                throw new SkeinException(SkeinException.Code.BAD_INPUT, "cluster member '" + member +
                    "' has no numeric port (in '" + spec + "')");
            }
            if (port < 1 || port + PORTS_PER_MEMBER > 65535)
            {
                throw new SkeinException(SkeinException.Code.BAD_INPUT, "cluster member '" + member +
                    "': the base port must be between 1 and " + (65535 - PORTS_PER_MEMBER) + " (it uses the " +
                    PORTS_PER_MEMBER + " ports above it)");
            }
            hosts.add(member.substring(0, colon));
            ports.add(port);
        }
        if (hosts.size() > MAX_MEMBERS)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, hosts.size() + " cluster members given; " +
                "Aeron Cluster takes at most " + MAX_MEMBERS);
        }
        for (int i = 0; i < hosts.size(); i++)
        {
            for (int j = i + 1; j < hosts.size(); j++)
            {
                if (hosts.get(i).equals(hosts.get(j)) &&
                    Math.abs(ports.get(i) - ports.get(j)) <= PORTS_PER_MEMBER)
                {
                    throw new SkeinException(SkeinException.Code.BAD_INPUT, "cluster members " + i + " and " + j +
                        " share a host and their ports overlap: base ports on one host must be more than " +
                        PORTS_PER_MEMBER + " apart");
                }
            }
        }
        return new ClusterMembers(hosts, ports);
    }

    /**
     * Members on one host with base ports {@code basePort}, {@code basePort + 100}, ...
     *
     * @param host     of every member.
     * @param basePort of member 0.
     * @param count    of members.
     * @return the members.
     */
    public static ClusterMembers local(final String host, final int basePort, final int count)
    {
        final StringBuilder spec = new StringBuilder();
        for (int i = 0; i < count; i++)
        {
            spec.append(i == 0 ? "" : ",").append(host).append(':').append(basePort + 100 * i);
        }
        return parse(spec.toString());
    }

    /**
     * The number of members.
     *
     * @return the count.
     */
    public int size()
    {
        return hosts.size();
    }

    /**
     * One member's host.
     *
     * @param memberId of the member.
     * @return its host.
     */
    public String host(final int memberId)
    {
        return hosts.get(memberId);
    }

    /**
     * One member's base port.
     *
     * @param memberId of the member.
     * @return its base port.
     */
    public int basePort(final int memberId)
    {
        return basePorts.get(memberId);
    }

    /**
     * One member's archive control endpoint.
     *
     * @param memberId of the member.
     * @return {@code host:port}.
     */
    public String archiveEndpoint(final int memberId)
    {
        return endpoint(memberId, 5);
    }

    /**
     * The members in Aeron Cluster's form, for {@code ConsensusModule.Context.clusterMembers}:
     * {@code id,ingress,consensus,log,catchup,archive|...}.
     *
     * @return the string.
     */
    public String consensusMembers()
    {
        final StringBuilder members = new StringBuilder();
        for (int i = 0; i < hosts.size(); i++)
        {
            members.append(i == 0 ? "" : "|").append(i)
                .append(',').append(endpoint(i, 1))
                .append(',').append(endpoint(i, 2))
                .append(',').append(endpoint(i, 3))
                .append(',').append(endpoint(i, 4))
                .append(',').append(endpoint(i, 5));
        }
        return members.toString();
    }

    /**
     * The members' ingress endpoints in the cluster client's form: {@code 0=host:port,1=host:port,...}.
     *
     * @return the string.
     */
    public String ingressEndpoints()
    {
        final StringBuilder endpoints = new StringBuilder();
        for (int i = 0; i < hosts.size(); i++)
        {
            endpoints.append(i == 0 ? "" : ",").append(i).append('=').append(endpoint(i, 1));
        }
        return endpoints.toString();
    }

    private String endpoint(final int memberId, final int offset)
    {
        return hosts.get(memberId) + ':' + (basePorts.get(memberId) + offset);
    }

    @Override
    public String toString()
    {
        final StringBuilder spec = new StringBuilder();
        for (int i = 0; i < hosts.size(); i++)
        {
            spec.append(i == 0 ? "" : ",").append(hosts.get(i)).append(':').append(basePorts.get(i));
        }
        return spec.toString();
    }
}
