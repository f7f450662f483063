package io.skein.node;

import java.io.File;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.aggregate.AggregateDefinition;
import io.skein.protocol.SkeinException;

/**
 * The node's one {@code main}, which {@code skein node} also runs: starts a node and runs it until the process is
 * told to stop (SIGTERM or SIGINT, which close it cleanly). Settings come from an optional properties file named as
 * the only argument, then from {@code skein.*} system properties on top; see {@link SkeinNode.Context} for the keys.
 * Prints a line starting {@value #READY} once commands are taken. A start that fails says why in one line on
 * standard error (no exception class names) and leaves no node directory it created behind.
 */
public final class SkeinNodeMain
{
    /**
     * How the line printed once the node takes commands begins.
     */
    public static final String READY = "skein node ready";

    private SkeinNodeMain()
    {
    }

    /**
     * Run a node.
     *
     * @param args an optional properties file.
     * @throws InterruptedException if interrupted while running.
     */
    public static void main(final String[] args) throws InterruptedException
    {
        final SkeinNode.Context ctx = new SkeinNode.Context();
        try
        {
            if (args.length > 0)
            {
                ctx.propertiesFile(new File(args[0]));
            }
            ctx.properties(System.getProperties());
        }
        catch (final SkeinException ex)
        {
            System.err.println("skein node: " + NodeStart.readable(ex));
            System.exit(2);
        }
        try
        {
            run(ctx, System.out, System.err);
        }
        catch (final IllegalArgumentException ex)
        {
            System.err.println("skein node: " + ex.getMessage());
            System.exit(1);
        }
    }

    /**
     * Start a node from a context not yet concluded, print the ready line, and run it until the process stops.
     *
     * @param ctx to start from; its error handler is replaced by one that holds errors back during the start.
     * @param out where the ready and shutdown lines go.
     * @param err where errors go.
     * @return 0 once the node has been closed by the process's shutdown.
     * @throws IllegalArgumentException with one readable line if the configuration is refused or the start fails.
     * @throws InterruptedException     if interrupted while running.
     */
    public static int run(final SkeinNode.Context ctx, final PrintStream out, final PrintStream err)
        throws InterruptedException
    {
        NodeStart.checkIngressChannel(ctx.ingressChannel());
        final NodeStart.StartErrorHandler errors = new NodeStart.StartErrorHandler(err, ctx.name());
        ctx.errorHandler(errors);
        try
        {
            ctx.conclude();
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException(NodeStart.readable(ex), ex);
        }

        final long startNs = System.nanoTime();
        final SkeinNode node = NodeStart.launch(ctx, errors);
        final double startMs = (System.nanoTime() - startNs) / 1e6;
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            out.println("skein node: shutting down");
            node.close();
            stopped.countDown();
        }, "skein-shutdown"));

        final StringBuilder types = new StringBuilder();
        for (final Supplier<? extends Aggregate<?>> factory : ctx.engineContext().aggregates())
        {
            final AggregateDefinition<Object> definition = new AggregateDefinition<>();
            @SuppressWarnings("unchecked")
            final Aggregate<Object> aggregate = (Aggregate<Object>)factory.get();
            aggregate.define(definition);
            types.append(types.length() > 0 ? ", " : "").append(definition.name()).append(" (")
                .append(definition.typeId()).append(')');
        }
        final long snapshotAt = node.engine().startedFromSnapshotAt();
        out.printf("%s: ingress %s stream %d, dir %s%n  aggregate types: %s%n  recovered in %.0f ms: %s" +
            "%,d journal entries replayed%n", READY, ctx.ingressChannel(), ctx.ingressStreamId(),
            ctx.dir().getAbsolutePath(), types, startMs,
            snapshotAt >= 0 ? String.format("snapshot at journal position %,d, then ", snapshotAt) : "",
            node.engine().recoveredEntries());
        out.flush();
        stopped.await();
        return 0;
    }
}
