package io.skein.cli;

import io.skein.cluster.ClusterMembers;
import io.skein.protocol.SkeinException;
import picocli.CommandLine.Option;

/**
 * The options that send a command's traffic to a cluster instead of a node: the members, as the members themselves
 * were started with, and the host the members send replies to.
 */
final class ClusterClientOptions
{
    @Option(names = "--cluster", paramLabel = "LIST", description = "Talk to a cluster instead of a node: its " +
        "members as host:port,host:port,... member 0 first, the list the members were started with. Commands go " +
        "to the leader, and after a failover those still waiting are sent again with their idempotency keys. " +
        "--ingress, --ingress-stream and --response are for a node and not used.")
    String members;

    @Option(names = "--egress-host", defaultValue = "localhost", description = "With --cluster: this machine's " +
        "host or address as the members reach it, for their replies (default: ${DEFAULT-VALUE}).")
    String egressHost;

    /**
     * The cluster's members, parsed.
     *
     * @return the members, or null to talk to a node.
     * @throws IllegalArgumentException naming what is wrong with the list.
     */
    ClusterMembers parse()
    {
        if (null == members)
        {
            return null;
        }
        try
        {
            return ClusterMembers.parse(members);
        }
        catch (final SkeinException ex)
        {
            throw new IllegalArgumentException("--cluster: " + detail(ex));
        }
    }

    /**
     * What a {@link SkeinException} says, without the category and code its message starts with, for a user.
     *
     * @param ex the exception.
     * @return the message after {@code "CATEGORY CODE: "}.
     */
    static String detail(final SkeinException ex)
    {
        final String message = ex.getMessage();
        final String prefix = ex.category() + " " + ex.code() + ": ";
        return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
    }
}
