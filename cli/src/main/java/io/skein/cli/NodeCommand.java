package io.skein.cli;

import java.io.File;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import io.skein.node.SkeinNode;
import io.skein.node.SkeinNodeMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code skein node}: runs a node until interrupted. Settings come from a properties file, then {@code skein.*}
 * system properties, then these flags.
 */
@Command(name = "node", mixinStandardHelpOptions = true,
    description = "Run a Skein node: the embedded archive and journal, an engine with the aggregate types on the " +
    "classpath, and an Aeron ingress for clients. Stop it with Ctrl-C (a clean shutdown, with a snapshot).")
public final class NodeCommand implements Callable<Integer>
{
    /**
     * The line a node prints once it takes commands; tools and tests wait for it.
     */
    static final String READY = SkeinNodeMain.READY;

    @Option(names = "--dir", description = "Directory of the archive, journal and driver files (or skein.dir).")
    private File dir;

    @Option(names = "--config", description = "Properties file with skein.* settings (see the README).")
    private File config;

    @Option(names = "--ingress", description = "Aeron channel clients send to (default " +
        SkeinNode.Context.INGRESS_CHANNEL_DEFAULT + ").")
    private String ingressChannel;

    @Option(names = "--ingress-stream", description = "Stream id of the ingress (default " +
        SkeinNode.Context.INGRESS_STREAM_ID_DEFAULT + ").")
    private Integer ingressStreamId;

    @Option(names = "--secret", description = "Shared secret clients must present; required when the ingress is " +
        "reachable beyond this host. Visible in the process list: prefer --secret-file or SKEIN_SECRET.")
    private String secret;

    @Option(names = "--secret-file", description = "File holding the shared secret (its first line).")
    private File secretFile;

    @Option(names = "--operator-secret-file", description = "File holding the operators' secret (its first line; " +
        "or set SKEIN_OPERATOR_SECRET): sessions presenting it may do admin actions (promote, snapshot, hash, " +
        "state as of a position). Without one, admin is refused to every session.")
    private File operatorSecretFile;

    @Option(names = "--name", description = "Name in counters and logs (default node).")
    private String name;

    @Option(names = "--snapshot-every", description = "Snapshot after this many journal entries.")
    private Long snapshotEveryEntries;

    @Option(names = "--snapshot-interval", description = "Snapshot every this many seconds.")
    private Long snapshotIntervalSeconds;

    @Option(names = "--sync-level", description = "Archive file sync: 0 survives a process crash, 1-2 also a " +
        "machine crash (default 0).")
    private Integer syncLevel;

    @Option(names = "--term-length", description = "Journal term length in bytes, a power of two; entries are at " +
        "most an eighth of it (default 16 MiB).")
    private Integer termLength;

    @Option(names = "-D", paramLabel = "skein.key=value", description = "Any skein.* setting, as in a --config " +
        "file (replication, for example); applied after the file and system properties, before the other flags.")
    private Map<String, String> settings;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call() throws Exception
    {
        final SkeinNode.Context ctx = new SkeinNode.Context();
        if (null != config)
        {
            if (!config.exists())
            {
                throw new IllegalArgumentException("--config " + config + ": no such file");
            }
            if (!config.isFile() || !config.canRead())
            {
                throw new IllegalArgumentException("--config " + config + ": not a readable file");
            }
            ctx.propertiesFile(config);
        }
        ctx.properties(System.getProperties());
        if (null != settings)
        {
            final Properties properties = new Properties();
            properties.putAll(settings);
            ctx.properties(properties);
        }
        if (null != dir)
        {
            ctx.dir(dir);
        }
        if (null != ingressChannel)
        {
            ctx.ingressChannel(ingressChannel);
        }
        if (null != ingressStreamId)
        {
            ctx.ingressStreamId(ingressStreamId);
        }
        final String secretValue = ClientOptions.secret(secret, secretFile);
        if (null != secretValue)
        {
            ctx.sharedSecret(secretValue);
        }
        final String operatorSecret = ClientOptions.secret(null, operatorSecretFile, "--operator-secret",
            "SKEIN_OPERATOR_SECRET");
        if (null != operatorSecret)
        {
            ctx.operatorSecret(operatorSecret);
        }
        if (null != name)
        {
            ctx.name(name);
        }
        if (null != snapshotEveryEntries)
        {
            ctx.engineContext().snapshotEveryEntries(snapshotEveryEntries);
        }
        if (null != snapshotIntervalSeconds)
        {
            ctx.engineContext().snapshotIntervalNs(TimeUnit.SECONDS.toNanos(snapshotIntervalSeconds));
        }
        if (null != syncLevel)
        {
            ctx.archiveContext().fileSyncLevel(syncLevel);
        }
        if (null != termLength)
        {
            ctx.archiveContext().termLength(termLength);
        }
        return SkeinNodeMain.run(ctx, System.out, System.err);
    }
}
