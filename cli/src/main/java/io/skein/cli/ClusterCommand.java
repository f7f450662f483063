package io.skein.cli;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Properties;
import java.util.concurrent.Callable;

import io.skein.cluster.ClusterMembers;
import io.skein.cluster.SkeinClusterMember;
import io.skein.cluster.SkeinClusterMemberMain;
import io.skein.protocol.SkeinException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code skein cluster}: runs one cluster member in the foreground until interrupted, with the options, the
 * {@code skein.cluster.*} keys of a {@code --config} file and the output lines of {@link SkeinClusterMemberMain}
 * (started, each election state and role change, each state probe, warnings and errors), so scripts that watch for
 * {@code role LEADER} work with either.
 * The member runs on the two-core defaults of {@link SkeinClusterMember.Context}: shared threading and back-off
 * idling, and a 2 s leader heartbeat timeout.
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Run one member of a Skein cluster (Aeron Cluster: a replicated log, leader election, the engine " +
    "with the aggregate types on the classpath on every member) until interrupted. Start one per member of " +
    "--members, each with its own --member and --dir; clients use send and load with --cluster and the same list.")
public final class ClusterCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    @Option(names = "--member", paramLabel = "N", description = "This member's index in --members, from 0 " +
        "(or skein.cluster.member in --config).")
    private String member;

    @Option(names = "--members", paramLabel = "LIST", description = "The cluster's members as host:port,host:port," +
        "... member 0 first, the same list on every member and client; each member takes its base port + 1 to + " +
        ClusterMembers.PORTS_PER_MEMBER + " (or skein.cluster.members in --config).")
    private String members;

    @Option(names = "--dir", description = "The member's directory: its archive, journal and cluster files " +
        "(or skein.cluster.dir in --config).")
    private File dir;

    @Option(names = "--config", description = "Properties file with skein.cluster.* keys; options given override it.")
    private File config;

    @Option(names = "--snapshot-every", paramLabel = "N", description = "Log entries between the snapshots the " +
        "leader asks for, 0 never (or skein.cluster.snapshot.every; default " +
        SkeinClusterMember.Context.SNAPSHOT_EVERY_ENTRIES_DEFAULT + ").")
    private String snapshotEvery;

    @Option(names = "--for-tests", description = "Small terms and short timeouts, so elections take about a " +
        "second (or skein.cluster.for.tests=true).")
    private boolean forTests;

    /**
     * {@inheritDoc}
     */
    @Override
    public Integer call() throws Exception
    {
        final PrintStream out = System.out;
        final SkeinClusterMember.Context ctx = context(out);
        try
        {
            return SkeinClusterMemberMain.run(ctx, out);
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalStateException("member " + ctx.memberId() + " failed to start: " + firstLine(ex));
        }
    }

    /**
     * The member's configuration from the options and the {@code --config} file, checked before anything starts.
     */
    private SkeinClusterMember.Context context(final PrintStream out)
    {
        final Properties properties = new Properties();
        if (null != config)
        {
            if (!config.isFile() || !config.canRead())
            {
                throw new ParameterException(spec.commandLine(), "--config " + config + ": " +
                    (config.exists() ? "not a readable file" : "no such file"));
            }
            try (Reader reader = Files.newBufferedReader(config.toPath(), StandardCharsets.UTF_8))
            {
                properties.load(reader);
            }
            catch (final IOException | IllegalArgumentException ex)
            {
                throw new ParameterException(spec.commandLine(), "--config " + config + ": cannot read it: " +
                    ex.getMessage());
            }
        }
        set(properties, "skein.cluster.member", member);
        set(properties, "skein.cluster.members", members);
        set(properties, "skein.cluster.dir", null == dir ? null : dir.getPath());
        set(properties, "skein.cluster.snapshot.every", snapshotEvery);
        if (forTests)
        {
            properties.setProperty("skein.cluster.for.tests", "true");
        }

        final String membersText = required(properties, "skein.cluster.members", "--members",
            "the cluster's members as host:port,host:port,... member 0 first");
        final ClusterMembers clusterMembers;
        try
        {
            clusterMembers = ClusterMembers.parse(membersText);
        }
        catch (final SkeinException ex)
        {
            throw new ParameterException(spec.commandLine(), "--members: " + ClusterClientOptions.detail(ex));
        }
        final String memberText = required(properties, "skein.cluster.member", "--member",
            "this member's index in --members, 0 to " + (clusterMembers.size() - 1));
        final long memberId = parse(memberText, "--member");
        if (memberId < 0 || memberId >= clusterMembers.size())
        {
            throw new ParameterException(spec.commandLine(), "--member " + memberId + " is not one of the " +
                clusterMembers.size() + " members in --members " + clusterMembers + " (0 to " +
                (clusterMembers.size() - 1) + ")");
        }
        final String dirText = required(properties, "skein.cluster.dir", "--dir", "the member's directory");
        final SkeinClusterMember.Context ctx = new SkeinClusterMember.Context();
        if (Boolean.parseBoolean(properties.getProperty("skein.cluster.for.tests", "false").trim()))
        {
            ctx.forTests();
        }
        final String snapshotText = properties.getProperty("skein.cluster.snapshot.every");
        if (null != snapshotText)
        {
            final long entries = parse(snapshotText, "--snapshot-every");
            if (entries < 0)
            {
                throw new ParameterException(spec.commandLine(), "--snapshot-every must not be negative: " +
                    entries);
            }
            ctx.snapshotEveryEntries(entries);
        }
        return ctx.memberId((int)memberId)
            .members(clusterMembers)
            .baseDir(new File(dirText))
            .aggregates(SkeinClusterMemberMain.aggregatesOnClasspath())
            .probe(SkeinClusterMemberMain.printingProbe(out));
    }

    private static void set(final Properties properties, final String key, final String value)
    {
        if (null != value)
        {
            properties.setProperty(key, value);
        }
    }

    private String required(final Properties properties, final String key, final String option, final String what)
    {
        final String value = properties.getProperty(key);
        if (null == value || value.isBlank())
        {
            throw new ParameterException(spec.commandLine(), "missing " + option + ": " + what + " (or " + key +
                " in --config)");
        }
        return value.trim();
    }

    private long parse(final String text, final String option)
    {
        try
        {
            return Long.parseLong(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new ParameterException(spec.commandLine(), option + " must be a whole number, not '" + text + "'");
        }
    }

    private static String firstLine(final Throwable ex)
    {
        final String message = ex instanceof SkeinException ? ClusterClientOptions.detail((SkeinException)ex) :
            null == ex.getMessage() ? ex.getClass().getSimpleName() : ex.getMessage();
        final int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
