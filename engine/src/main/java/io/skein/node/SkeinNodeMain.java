package io.skein.node;

import java.io.File;
import java.util.concurrent.CountDownLatch;

import io.skein.protocol.SkeinException;

/**
 * Runs a node until the process is told to stop (SIGTERM or SIGINT, which close it cleanly). Settings come from an
 * optional properties file named as the only argument, then from {@code skein.*} system properties on top; see
 * {@link SkeinNode.Context} for the keys. Prints one line starting {@code skein node ready} once commands are taken.
 */
public final class SkeinNodeMain
{
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
            System.err.println("skein node: " + ex.getMessage());
            System.exit(2);
        }
        final SkeinNode node = SkeinNode.launch(ctx);
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() ->
        {
            node.close();
            stopped.countDown();
        }, "skein-shutdown"));
        System.out.println("skein node ready: ingress " + ctx.ingressChannel() + " stream " + ctx.ingressStreamId() +
            ", dir " + ctx.dir().getAbsolutePath() + ", recovered " + node.engine().recoveredEntries() +
            " journal entries");
        System.out.flush();
        stopped.await();
    }
}
