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
import org.agrona.CloseHelper;
import org.agrona.concurrent.BackoffIdleStrategy;
import picocli.CommandLine.Option;

/**
 * Options of the commands that talk to a running node, and the Aeron they need: the media driver named with
 * {@code --aeron-dir}, or one started in-process for the command and deleted afterwards.
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
     * every {@link SkeinClient} made from it.
     */
    final class Connection implements AutoCloseable
    {
        private final MediaDriver driver;
        private final Aeron aeron;

        Connection() throws Exception
        {
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
            final String secretValue = secret(secret, secretFile, "--secret", secretVariable);
            return SkeinClient.connect(new SkeinClient.Context()
                .aeron(aeron)
                .ingressChannel(ingressChannel)
                .ingressStreamId(ingressStreamId)
                .responseChannel(responseChannel)
                .secret(secretValue)
                .connectTimeoutNs(TimeUnit.SECONDS.toNanos(connectTimeoutSeconds))
                .listener(listener));
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
