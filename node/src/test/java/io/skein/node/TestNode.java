package io.skein.node;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.aeron.exceptions.AeronException;
import io.skein.client.SkeinClient;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;

/**
 * System-test support: a node in the test's own directory with 64 KiB terms, an ingress on a free loopback UDP port,
 * and a check on close that the media driver, archive, engine and node reported no
 * errors the test did not expect.
 */
final class TestNode implements AutoCloseable
{
    private final SkeinNode node;
    private final String ingressChannel;
    private String[] expectedErrors = new String[0];
    private final List<Throwable> nodeErrors = new CopyOnWriteArrayList<>();

    private TestNode(final File dir, final String ingressChannel, final Consumer<SkeinNode.Context> customise)
    {
        this.ingressChannel = ingressChannel;
        final SkeinNode.Context ctx = new SkeinNode.Context()
            .dir(dir)
            .ingressChannel(ingressChannel)
            .egressTermLength(64 * 1024)
            .egressQueueLength(4 * 1024 * 1024)
            .errorHandler(this::onError);
        ctx.archiveContext().termLength(64 * 1024).segmentFileLength(64 * 1024 * 16)
            .markFileWaitNs(TimeUnit.SECONDS.toNanos(20));
        ctx.engineContext().snapshotOnClose(false);
        customise.accept(ctx);
        node = SkeinNode.launch(ctx);
    }

    private void onError(final Throwable error)
    {
        System.err.println("test node: " + error);
        nodeErrors.add(error);
    }

    static TestNode launch(final File dir)
    {
        return new TestNode(dir, "aeron:udp?endpoint=localhost:" + freeUdpPort(), TestNode::defaults);
    }

    private static void defaults(final SkeinNode.Context ctx)
    {
    }

    static TestNode launch(final File dir, final Consumer<SkeinNode.Context> customise)
    {
        return new TestNode(dir, "aeron:udp?endpoint=localhost:" + freeUdpPort(), customise);
    }

    static TestNode launch(final File dir, final String ingressChannel, final Consumer<SkeinNode.Context> customise)
    {
        return new TestNode(dir, ingressChannel, customise);
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

    /**
     * Wait (bounded) until this follower has applied the journal up to a position.
     *
     * @param position to reach.
     * @param timeoutNs the longest to wait.
     * @throws InterruptedException if interrupted.
     */
    void awaitApplied(final long position, final long timeoutNs) throws InterruptedException
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (node.engine().appliedPosition() < position)
        {
            if (System.nanoTime() > deadlineNs)
            {
                throw new AssertionError("follower applied " + node.engine().appliedPosition() + " of " + position);
            }
            Thread.sleep(1);
        }
    }

    /**
     * Tolerate archive errors with this text: for a scenario that causes them on purpose (a leader killed under a
     * follower's replication).
     *
     * @param texts one of which an expected error's message contains.
     * @return this.
     */
    TestNode expectError(final String... texts)
    {
        expectedErrors = texts.clone();
        return this;
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

    /**
     * Close the node, then fail if its media driver, archive, engine or node reported an error that the test did not
     * expect (warnings, such as a follower's leader being unreachable, are not errors).
     */
    @Override
    public void close()
    {
        CloseHelper.close(node);
        final List<Throwable> unexpected = new ArrayList<>();
        for (final Throwable error : node.archive().errors())
        {
            if (!isExpected(error))
            {
                unexpected.add(error);
            }
        }
        for (final Throwable error : nodeErrors)
        {
            final boolean warning = error instanceof SkeinException &&
                ((SkeinException)error).category() == SkeinException.Category.WARNING ||
                error instanceof AeronException && ((AeronException)error).category() == AeronException.Category.WARN;
            if (!warning && !isExpected(error))
            {
                unexpected.add(error);
            }
        }
        if (!unexpected.isEmpty())
        {
            throw new AssertionError("the node's driver, archive, engine or node reported " + unexpected.size() +
                " unexpected errors: " + unexpected);
        }
    }

    private boolean isExpected(final Throwable error)
    {
        for (final String text : expectedErrors)
        {
            if (String.valueOf(error.getMessage()).contains(text))
            {
                return true;
            }
        }
        return false;
    }
}
