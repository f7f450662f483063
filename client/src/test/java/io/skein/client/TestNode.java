package io.skein.client;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.skein.node.SkeinNode;
import org.agrona.CloseHelper;

/**
 * System-test support: a node in the test's own directory with 64 KiB terms, an ingress on a free loopback UDP port,
 * and a check on close that the media driver and archive logged no errors.
 */
final class TestNode implements AutoCloseable
{
    private final SkeinNode node;
    private final String ingressChannel;

    private TestNode(final File dir, final Consumer<SkeinNode.Context> customise)
    {
        ingressChannel = "aeron:udp?endpoint=localhost:" + freeUdpPort();
        final SkeinNode.Context ctx = new SkeinNode.Context()
            .dir(dir)
            .ingressChannel(ingressChannel)
            .egressTermLength(64 * 1024)
            .egressSendTimeoutNs(TimeUnit.SECONDS.toNanos(1))
            .errorHandler((ex) -> System.err.println("test node: " + ex));
        ctx.archiveContext().termLength(64 * 1024).segmentFileLength(64 * 1024 * 16)
            .markFileWaitNs(TimeUnit.SECONDS.toNanos(20));
        ctx.engineContext().snapshotOnClose(false);
        customise.accept(ctx);
        node = SkeinNode.launch(ctx);
    }

    static TestNode launch(final File dir)
    {
        return new TestNode(dir, TestNode::defaults);
    }

    private static void defaults(final SkeinNode.Context ctx)
    {
    }

    static TestNode launch(final File dir, final Consumer<SkeinNode.Context> customise)
    {
        return new TestNode(dir, customise);
    }

    static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    SkeinNode node()
    {
        return node;
    }

    String ingressChannel()
    {
        return ingressChannel;
    }

    SkeinClient.Context clientContext()
    {
        return new SkeinClient.Context()
            .aeronDirectoryName(node.archive().aeronDirectoryName())
            .ingressChannel(ingressChannel)
            .connectTimeoutNs(TimeUnit.SECONDS.toNanos(10));
    }

    @Override
    public void close()
    {
        CloseHelper.close(node);
        if (node.archive().errorCount() > 0)
        {
            throw new AssertionError("media driver or archive logged " + node.archive().errorCount() + " errors: " +
                node.archive().errors());
        }
    }
}
