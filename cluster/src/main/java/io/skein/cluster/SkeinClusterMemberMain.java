package io.skein.cluster;

import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.aeron.cluster.ElectionState;
import io.aeron.cluster.service.Cluster;
import io.skein.aggregate.Aggregate;
import io.skein.protocol.SkeinException;

/**
 * Runs one cluster member until it is stopped (SIGTERM or SIGINT) or the cluster shuts it down: the aggregate types
 * are those on the classpath ({@code META-INF/services/io.skein.aggregate.Aggregate}). Prints one line per event that
 * matters: started, each role change, each state probe, stopped.
 * <pre>
 * --member N          this member's index in the list (or skein.cluster.member)
 * --members LIST      host:port,host:port,... member 0 first (or skein.cluster.members)
 * --dir DIR           the member's directory (or skein.cluster.dir)
 * --config FILE       a properties file with any of the skein.cluster.* keys; options given override it
 * --snapshot-every N  entries between snapshots the leader asks for (skein.cluster.snapshot.every), 0 never
 * --for-tests         small terms and short timeouts (skein.cluster.for.tests=true)
 * </pre>
 */
public final class SkeinClusterMemberMain
{
    private SkeinClusterMemberMain()
    {
    }

    /**
     * Run a member.
     *
     * @param args the options above.
     * @throws InterruptedException if interrupted while running.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final PrintStream out = System.out;
        final SkeinClusterMember.Context ctx;
        try
        {
            ctx = context(args, out);
        }
        catch (final SkeinException | IllegalArgumentException ex)
        {
            System.err.println("skein cluster: " + ex.getMessage());
            System.exit(2);
            return;
        }
        try
        {
            run(ctx, out);
        }
        catch (final RuntimeException ex)
        {
            System.err.println("skein cluster: member " + ctx.memberId() + " failed to start: " + ex.getMessage());
            System.exit(1);
        }
    }

    /**
     * Launch a member and run it until the cluster terminates it or the JVM shuts down (SIGTERM, SIGINT), printing
     * one line when it started, each election state, each role change and when it ended.
     *
     * @param ctx of the member.
     * @param out where the lines go.
     * @return the exit status: 0.
     * @throws InterruptedException if interrupted while running.
     * @throws SkeinException       if the member fails to start.
     */
    public static int run(final SkeinClusterMember.Context ctx, final PrintStream out) throws InterruptedException
    {
        final SkeinClusterMember member = SkeinClusterMember.launch(ctx);
        final Object lock = new Object();
        final boolean[] stopping = new boolean[1];
        final Runnable stop = () ->
        {
            synchronized (lock)
            {
                if (stopping[0])
                {
                    return;
                }
                stopping[0] = true;
            }
            member.close();
        };
        final Thread closer = new Thread(stop, "skein-cluster-shutdown");
        Runtime.getRuntime().addShutdownHook(closer);
        out.println("skein cluster member " + ctx.memberId() + " of " + ctx.members().size() + " started in " +
            ctx.baseDir() + " (members " + ctx.members() + ")");
        Cluster.Role role = null;
        ElectionState election = null;
        while (true)
        {
            final Cluster.Role roleNow;
            final ElectionState electionNow;
            synchronized (lock)
            {
                // The shutdown hook closes the member, and with it the counters the states are read from.
                if (stopping[0] || member.isTerminated())
                {
                    break;
                }
                electionNow = member.electionState();
                roleNow = member.role();
            }
            if (electionNow != election)
            {
                election = electionNow;
                out.println("skein cluster member " + ctx.memberId() + " election " + election);
            }
            if (roleNow != role)
            {
                role = roleNow;
                out.println("skein cluster member " + ctx.memberId() + " role " + role);
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        if (member.isTerminated())
        {
            out.println("skein cluster member " + ctx.memberId() + " terminated by the cluster");
        }
        try
        {
            Runtime.getRuntime().removeShutdownHook(closer);
        }
        catch (final IllegalStateException ignore)
        {
            // Already shutting down: the hook closes the member.
            return 0;
        }
        stop.run();
        return 0;
    }

    /**
     * A probe listener printing each state probe as one line: {@code skein cluster member N state-hash position=P
     * entry=E hash=H}.
     *
     * @param out where the lines go.
     * @return the listener.
     */
    public static SkeinClusteredService.StateProbe printingProbe(final PrintStream out)
    {
        return (id, position, entrySequence, hash) -> out.println("skein cluster member " + id +
            " state-hash position=" + position + " entry=" + entrySequence + " hash=" + Long.toHexString(hash));
    }

    static SkeinClusterMember.Context context(final String[] args, final PrintStream out)
    {
        final Properties properties = new Properties();
        for (int i = 0; i < args.length; i++)
        {
            if ("--config".equals(args[i]) && i + 1 < args.length)
            {
                try (FileReader reader = new FileReader(args[i + 1], StandardCharsets.UTF_8))
                {
                    properties.load(reader);
                }
                catch (final IOException ex)
                {
                    throw new IllegalArgumentException("cannot read " + args[i + 1] + ": " + ex.getMessage());
                }
            }
        }
        for (int i = 0; i < args.length; i++)
        {
            final String option = args[i];
            if ("--for-tests".equals(option))
            {
                properties.setProperty("skein.cluster.for.tests", "true");
                continue;
            }
            if (i + 1 >= args.length)
            {
                throw new IllegalArgumentException("option " + option + " needs a value");
            }
            final String value = args[++i];
            switch (option)
            {
                case "--member" -> properties.setProperty("skein.cluster.member", value);
                case "--members" -> properties.setProperty("skein.cluster.members", value);
                case "--dir" -> properties.setProperty("skein.cluster.dir", value);
                case "--snapshot-every" -> properties.setProperty("skein.cluster.snapshot.every", value);
                case "--config" ->
                {
                    // Read above.
                }
                default -> throw new IllegalArgumentException("unknown option " + option +
                    " (expected --member, --members, --dir, --config, --snapshot-every, --for-tests)");
            }
        }
        final String member = required(properties, "skein.cluster.member", "--member");
        final String members = required(properties, "skein.cluster.members", "--members");
        final String dir = required(properties, "skein.cluster.dir", "--dir");
        final SkeinClusterMember.Context ctx = new SkeinClusterMember.Context();
        if (Boolean.parseBoolean(properties.getProperty("skein.cluster.for.tests", "false")))
        {
            ctx.forTests();
        }
        final int memberId;
        try
        {
            memberId = Integer.parseInt(member);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("--member must be a number: " + member);
        }
        ctx.memberId(memberId)
            .members(ClusterMembers.parse(members))
            .baseDir(new File(dir))
            .aggregates(aggregatesOnClasspath())
            .probe(printingProbe(out));
        final String snapshotEvery = properties.getProperty("skein.cluster.snapshot.every");
        if (null != snapshotEvery)
        {
            ctx.snapshotEveryEntries(Long.parseLong(snapshotEvery));
        }
        return ctx;
    }

    private static String required(final Properties properties, final String key, final String option)
    {
        final String value = properties.getProperty(key);
        if (null == value || value.isBlank())
        {
            throw new IllegalArgumentException(option + " (or " + key + " in --config) is required");
        }
        return value.trim();
    }

    /**
     * The aggregate types registered on the classpath.
     *
     * @return their factories.
     */
    @SuppressWarnings("rawtypes")
    public static List<Supplier<? extends Aggregate<?>>> aggregatesOnClasspath()
    {
        final List<Supplier<? extends Aggregate<?>>> factories = new ArrayList<>();
        for (final ServiceLoader.Provider<Aggregate> provider : ServiceLoader.load(Aggregate.class).stream().toList())
        {
            factories.add(() -> (Aggregate<?>)provider.get());
        }
        return factories;
    }
}
