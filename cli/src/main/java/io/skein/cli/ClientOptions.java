package io.skein.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import io.aeron.Aeron;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.skein.client.ClientListener;
import io.skein.client.SkeinClient;
import io.skein.cluster.ClusterMembers;
import io.skein.cluster.SkeinClusterClient;
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import picocli.CommandLine.Option;

/**
 * Options of the commands that talk to a running node (or, with {@link ClusterClientOptions}, to a cluster), and the
 * Aeron they need: the media driver named with {@code --aeron-dir}, or one started in-process for the command and
 * deleted afterwards.
 */
final class ClientOptions
{
    /**
     * The environment variable the secret comes from when neither {@code --secret} nor {@code --secret-file} is given.
     */
    String secretVariable = "SKEIN_SECRET";

    @Option(names = "--ingress", defaultValue = SkeinClient.Context.INGRESS_CHANNEL_DEFAULT,
        description = "The node's ingress channel (default: ${DEFAULT-VALUE}).")
    String ingressChannel;

    @Option(names = "--ingress-stream", defaultValue = "" + SkeinClient.Context.INGRESS_STREAM_ID_DEFAULT,
        description = "The node's ingress stream id (default: ${DEFAULT-VALUE}).")
    int ingressStreamId;

    @Option(names = "--response", defaultValue = SkeinClient.Context.RESPONSE_CHANNEL_DEFAULT,
        description = "Channel for replies, reachable from the node; port 0 lets the driver choose " +
        "(default: ${DEFAULT-VALUE}).")
    String responseChannel;

    @Option(names = "--secret", description = "Shared secret, if the node requires one; visible to other users " +
        "in the process list, so prefer --secret-file or SKEIN_SECRET.")
    String secret;

    @Option(names = "--secret-file", description = "File holding the shared secret (its first line).")
    File secretFile;

    @Option(names = "--aeron-dir", description = "Use the media driver in this directory instead of starting one.")
    String aeronDir;

    @Option(names = "--connect-timeout", defaultValue = "10", description = "Seconds to wait for the node " +
        "(default: ${DEFAULT-VALUE}).")
    long connectTimeoutSeconds;

    /**
     * The Aeron resources for talking to a node: the driver (if started here) and one Aeron client shared by
     * every {@link SkeinClient} made from it; or, for a cluster, the driver every {@link SkeinClusterClient} made
     * from it uses (each cluster client connects an Aeron client of its own).
     */
    final class Connection implements AutoCloseable
    {
        private final MediaDriver driver;
        private final Aeron aeron;
        private final ClusterMembers clusterMembers;
        private final String egressHost;

        Connection() throws Exception
        {
            this(null, null);
        }

        Connection(final ClusterClientOptions cluster) throws Exception
        {
            this(cluster.parse(), cluster.egressHost);
        }

        /**
         * Start or reach the media driver for talking to a node or a cluster.
         *
         * @param clusterMembers the cluster's members, or null for a node.
         * @param egressHost     the host the members send replies to, with a cluster.
         */
        Connection(final ClusterMembers clusterMembers, final String egressHost) throws Exception
        {
            if (null != clusterMembers && (null != secret || null != secretFile))
            {
                throw new IllegalArgumentException("a cluster takes no shared secret: --secret and --secret-file " +
                    "are for a node");
            }
            this.clusterMembers = clusterMembers;
            this.egressHost = egressHost;
            if (null == aeronDir)
            {
                final File dir = Files.createTempDirectory("skein-client-").toFile();
                driver = MediaDriver.launch(new MediaDriver.Context()
                    .aeronDirectoryName(dir.getAbsolutePath())
                    .threadingMode(ThreadingMode.SHARED)
                    .sharedIdleStrategy(new BackoffIdleStrategy(10, 20, 1_000, 100_000))
                    .publicationTermBufferLength(4 * 1024 * 1024)
                    .dirDeleteOnStart(true)
                    .dirDeleteOnShutdown(true));
                aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(driver.aeronDirectoryName()));
            }
            else
            {
                driver = null;
                aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(aeronDir));
            }
        }

        SkeinClient connect()
        {
            return connect(null);
        }

        SkeinClient connect(final ClientListener listener)
        {
            if (null != clusterMembers)
            {
                throw new IllegalStateException("a cluster connection makes cluster sessions, not node clients");
            }
            final String secretValue = secret(secret, secretFile, "--secret", secretVariable);
            return SkeinClient.connect(new SkeinClient.Context()
                .aeron(aeron)
                .ingressChannel(ingressChannel)
                .ingressStreamId(ingressStreamId)
                .responseChannel(responseChannel)
                .secret(secretValue)
                .connectTimeoutNs(TimeUnit.SECONDS.toNanos(connectTimeoutSeconds))
                .upcasters(Domains.load().upcasters())
                .listener(listener));
        }

        /**
         * Whether this connection goes to a cluster.
         *
         * @return true for a cluster, false for a node.
         */
        boolean isCluster()
        {
            return null != clusterMembers;
        }

        /**
         * Open a session to the node, or to the cluster's leader.
         *
         * @param listener told the outcomes of commands sent with {@link CommandSession#offer}, or null.
         * @return the session, connected.
         */
        CommandSession session(final CommandSession.Listener listener)
        {
            if (null == clusterMembers)
            {
                return new NodeSession(this, listener);
            }
            return new ClusterSession(SkeinClusterClient.connect(new SkeinClusterClient.Context()
                .members(clusterMembers)
                .aeronDirectoryName(aeron.context().aeronDirectoryName())
                .egressHost(egressHost)
                .connectTimeoutNs(TimeUnit.SECONDS.toNanos(connectTimeoutSeconds))), listener);
        }

        /**
         * A client that reads the cluster members' events and sends no commands: it needs no leader.
         *
         * @return the client.
         */
        SkeinClusterClient eventsClient()
        {
            if (null == clusterMembers)
            {
                throw new IllegalStateException("a node connection makes node clients, not cluster clients");
            }
            return SkeinClusterClient.connect(new SkeinClusterClient.Context()
                .members(clusterMembers)
                .aeronDirectoryName(aeron.context().aeronDirectoryName())
                .egressHost(egressHost)
                .commands(false)
                .connectTimeoutNs(TimeUnit.SECONDS.toNanos(connectTimeoutSeconds)));
        }

        /**
         * The cluster's members.
         *
         * @return the members, or null for a node.
         */
        ClusterMembers clusterMembers()
        {
            return clusterMembers;
        }

        @Override
        public void close()
        {
            CloseHelper.quietCloseAll(aeron, driver);
        }
    }

    /**
     * The shared secret from, in order: {@code --secret}, {@code --secret-file}, the {@code SKEIN_SECRET}
     * environment variable.
     *
     * @param secret     given on the command line, or null.
     * @param secretFile given on the command line, or null.
     * @return the secret, or null for none.
     */
    static String secret(final String secret, final File secretFile)
    {
        return secret(secret, secretFile, "--secret", "SKEIN_SECRET");
    }

    /**
     * A secret from, in order: the command line, a file, an environment variable.
     *
     * @param secret     given on the command line, or null.
     * @param secretFile given on the command line, or null.
     * @param option     the command-line option's name, for messages.
     * @param variable   the environment variable to fall back on.
     * @return the secret, or null for none.
     */
    static String secret(final String secret, final File secretFile, final String option, final String variable)
    {
        if (null != secret && null != secretFile)
        {
            throw new IllegalArgumentException("give " + option + " or " + option + "-file, not both");
        }
        if (null != secret)
        {
            return secret;
        }
        if (null != secretFile)
        {
            try
            {
                final String text = Files.readString(secretFile.toPath()).lines().findFirst()
                    .orElse("").trim();
                if (text.isEmpty())
                {
                    throw new IllegalArgumentException("the secret file " + secretFile + " is empty");
                }
                return text;
            }
            catch (final IOException ex)
            {
                throw new IllegalArgumentException("cannot read the secret file " + secretFile + ": " + ex);
            }
        }
        return System.getenv(variable);
    }
}
