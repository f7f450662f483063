package io.skein.node;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.aeron.ChannelUri;
import io.aeron.CommonContext;
import io.aeron.ErrorCode;
import io.aeron.exceptions.RegistrationException;
import io.skein.journal.EmbeddedArchive;
import org.agrona.ErrorHandler;

/**
 * Starting a node for {@link SkeinNodeMain} (and so {@code skein node}): the ingress channel checked before
 * anything is created, errors the driver
 * reports while the node starts held back (the failure they cause is said once), a failed start said in one line
 * without exception class names, and a node directory that the failed start created removed again.
 */
final class NodeStart
{
    private static final Pattern CHANNEL = Pattern.compile("aeron:[^\\s,]+");
    private static final Pattern CLASS_NAME = Pattern.compile(
        "\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)\\b\\s*:?\\s*");
    private static final Pattern FRAME = Pattern.compile("\\s*\\(at [^()]*(?:\\([^()]*\\))?[^()]*\\)");
    private static final Pattern LEVEL = Pattern.compile("\\b(?:ERROR|WARN|FATAL) - ");
    private static final Pattern SKEIN_PREFIX = Pattern.compile("^(?:ERROR|FATAL|WARN) [A-Z_]+: ");
    private static final Pattern ERROR_CODE = Pattern.compile(",? errorCodeValue=-?\\d+");
    private static final Pattern QUALIFIED_NAME = Pattern.compile("\\b(?:[a-z_$][\\w$]*\\.){2,}[A-Z][\\w$]*\\b");
    private static final Pattern NAME_RESOLVER = Pattern.compile(",? name-resolver=[^,]*");
    private static final Pattern ENDPOINT = Pattern.compile("endpoint=([^\\s,|&]+)");
    private static final String ADDRESS_IN_USE = "Address already in use";

    private NodeStart()
    {
    }

    /**
     * Errors reported while the node starts are kept, to be printed once it has started or dropped if the start
     * fails (the failure is said once, in one line); afterwards each is printed as it comes.
     */
    static final class StartErrorHandler implements ErrorHandler
    {
        private final PrintStream err;
        private final String name;
        private final List<Throwable> held = new ArrayList<>();
        private boolean started;

        StartErrorHandler(final PrintStream err, final String name)
        {
            this.err = err;
            this.name = name;
        }

        /**
         * {@inheritDoc}
         */
        @Override
        public void onError(final Throwable throwable)
        {
            synchronized (held)
            {
                if (!started)
                {
                    held.add(throwable);
                    return;
                }
            }
            err.println("skein node " + name + ": " + throwable);
        }

        /**
         * The node has started: print what was held back, and every error from now on.
         */
        void started()
        {
            final List<Throwable> errors;
            synchronized (held)
            {
                started = true;
                errors = new ArrayList<>(held);
                held.clear();
            }
            for (final Throwable throwable : errors)
            {
                err.println("skein node " + name + ": " + throwable);
            }
        }

        List<Throwable> held()
        {
            synchronized (held)
            {
                return new ArrayList<>(held);
            }
        }
    }

    /**
     * Refuse an ingress channel the node could not open, before anything is created.
     *
     * @param channel the ingress channel.
     * @throws IllegalArgumentException saying what is wrong with it.
     */
    static void checkIngressChannel(final String channel)
    {
        final String invalid = "invalid ingress channel " + channel + ": ";
        final ChannelUri uri;
        try
        {
            uri = ChannelUri.parse(channel);
        }
        catch (final RuntimeException ex)
        {
            throw new IllegalArgumentException(invalid + readable(ex));
        }
        if (CommonContext.IPC_MEDIA.equals(uri.media()))
        {
            return;
        }
        if (!CommonContext.UDP_MEDIA.equals(uri.media()))
        {
            throw new IllegalArgumentException(invalid + "the media is udp or ipc, not " + uri.media());
        }
        final String endpoint = uri.get(CommonContext.ENDPOINT_PARAM_NAME);
        if (null == endpoint)
        {
            throw new IllegalArgumentException(invalid + "a UDP ingress needs an endpoint to listen on, such as " +
                SkeinNode.Context.INGRESS_CHANNEL_DEFAULT);
        }
        final int colon = endpoint.lastIndexOf(':');
        final String port = colon < 0 ? "" : endpoint.substring(colon + 1);
        if (colon <= 0 || endpoint.endsWith("]"))
        {
            throw new IllegalArgumentException(invalid + "the endpoint is host:port, not " + endpoint);
        }
        final int value;
        try
        {
            value = Integer.parseInt(port);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(invalid + "the port is a number from 1 to 65535, not " + port);
        }
        if (value < 1 || value > 65535)
        {
            throw new IllegalArgumentException(invalid + "the port is a number from 1 to 65535, not " + port);
        }
    }

    /**
     * Launch a node; if that fails, remove the node directory if this start created it, and say why in one line.
     *
     * @param ctx    for the node, concluded.
     * @param errors the handler the context reports errors to.
     * @return the running node.
     * @throws IllegalArgumentException saying in one line why the node did not start.
     */
    static SkeinNode launch(final SkeinNode.Context ctx, final StartErrorHandler errors)
    {
        final File created = firstMissing(ctx.dir().getAbsoluteFile());
        final SkeinNode node;
        try
        {
            node = SkeinNode.launch(ctx);
        }
        catch (final RuntimeException ex)
        {
            String line = describe(ex, ctx, errors.held());
            if (null != created && created.exists())
            {
                final File archiveDir = null != ctx.archiveContext().archiveDir() ?
                    ctx.archiveContext().archiveDir() : new File(ctx.dir(), "archive");
                if (isLockedByAnother(archiveDir) || !deleteTree(created))
                {
                    line += "; " + created + " was left behind";
                }
            }
            throw new IllegalArgumentException(line, ex);
        }
        errors.started();
        return node;
    }

    /**
     * Why a node did not start, in one line.
     */
    static String describe(final Throwable failure, final SkeinNode.Context ctx, final List<Throwable> driverErrors)
    {
        // The node wraps the driver's refusal of a channel; the refusal itself carries the error code and channel.
        Throwable ex = failure;
        for (Throwable cause = failure; null != cause; cause = cause.getCause())
        {
            if (cause instanceof RegistrationException)
            {
                ex = cause;
                break;
            }
        }
        final String portInUse = portInUse(ex, ctx);
        if (null != portInUse)
        {
            return portInUse;
        }
        final String unknownHost = unknownHost(ex, ctx);
        if (null != unknownHost)
        {
            return unknownHost;
        }
        for (final Throwable error : driverErrors)
        {
            final String driverPortInUse = portInUse(error, ctx);
            if (null != driverPortInUse)
            {
                return driverPortInUse;
            }
        }
        return "cannot start the node: " + readable(ex);
    }

    /**
     * An exception's message without exception class names, log levels, error code values and stack frames.
     */
    static String readable(final Throwable ex)
    {
        Throwable cause = ex;
        while (null == cause.getMessage() && null != cause.getCause())
        {
            cause = cause.getCause();
        }
        if (null == cause.getMessage())
        {
            return "an unexpected error with no message";
        }
        String text = ERROR_CODE.matcher(cause.getMessage()).replaceAll("");
        text = FRAME.matcher(text).replaceAll("");
        text = CLASS_NAME.matcher(text).replaceAll("");
        text = NAME_RESOLVER.matcher(text).replaceAll("");
        text = QUALIFIED_NAME.matcher(text).replaceAll("");
        text = LEVEL.matcher(text).replaceAll("");
        text = SKEIN_PREFIX.matcher(text).replaceFirst("");
        return text.replaceAll("\\s+", " ").trim();
    }

    private static String portInUse(final Throwable ex, final SkeinNode.Context ctx)
    {
        final String message = String.valueOf(ex.getMessage());
        final boolean channelError = !(ex instanceof RegistrationException) ||
            ((RegistrationException)ex).errorCode() == ErrorCode.CHANNEL_ENDPOINT_ERROR;
        if (!channelError || !message.contains(ADDRESS_IN_USE))
        {
            return null;
        }
        final Matcher matcher = CHANNEL.matcher(message);
        if (!matcher.find())
        {
            return "cannot open a channel: its address is already in use (" + readable(ex) + ")";
        }
        final String channel = matcher.group();
        String endpoint = null;
        try
        {
            endpoint = ChannelUri.parse(channel).get(CommonContext.ENDPOINT_PARAM_NAME);
        }
        catch (final RuntimeException ignore)
        {
            // Named by the channel alone.
        }
        final boolean ingress = channel.equals(ctx.ingressChannel());
        final StringBuilder line = new StringBuilder(160).append("cannot open the ")
            .append(ingress ? "ingress " : "").append("channel ").append(channel).append(": ");
        final int colon = null == endpoint ? -1 : endpoint.lastIndexOf(':');
        if (colon > 0)
        {
            line.append("port ").append(endpoint.substring(colon + 1)).append(" is already in use on ")
                .append(endpoint, 0, colon);
        }
        else
        {
            line.append("its address is already in use");
        }
        line.append(" (another node or program is bound to it); stop that or choose another port")
            .append(ingress ? " with --ingress" : "");
        return line.toString();
    }

    private static String unknownHost(final Throwable ex, final SkeinNode.Context ctx)
    {
        final String message = String.valueOf(ex.getMessage());
        final boolean unknown = ex instanceof RegistrationException &&
            ((RegistrationException)ex).errorCode() == ErrorCode.UNKNOWN_HOST;
        if (!unknown && !message.contains("unresolved"))
        {
            return null;
        }
        final Matcher matcher = ENDPOINT.matcher(message);
        if (!matcher.find())
        {
            return null;
        }
        final String endpoint = matcher.group(1);
        final int colon = endpoint.lastIndexOf(':');
        final String host = colon > 0 ? endpoint.substring(0, colon) : endpoint;
        String ingressEndpoint = null;
        try
        {
            ingressEndpoint = ChannelUri.parse(ctx.ingressChannel()).get(CommonContext.ENDPOINT_PARAM_NAME);
        }
        catch (final RuntimeException ignore)
        {
            // Checked before the start; not the ingress then.
        }
        return (endpoint.equals(ingressEndpoint) ? "cannot open the ingress channel " + ctx.ingressChannel() :
            "cannot open a channel with endpoint " + endpoint) + ": the host " + host + " cannot be resolved";
    }

    private static File firstMissing(final File dir)
    {
        File missing = null;
        for (File file = dir; null != file && !file.exists(); file = file.getParentFile())
        {
            missing = file;
        }
        return missing;
    }

    /**
     * Whether a running archive (another node, or a tool) holds the archive directory's lock: then the directory
     * is in use, whoever created it, and is not removed.
     */
    private static boolean isLockedByAnother(final File archiveDir)
    {
        final File lockFile = new File(archiveDir, EmbeddedArchive.LOCK_FILE_NAME);
        if (!lockFile.exists())
        {
            return false;
        }
        try (FileChannel channel = FileChannel.open(lockFile.toPath(), StandardOpenOption.WRITE))
        {
            final FileLock lock = channel.tryLock();
            if (null == lock)
            {
                return true;
            }
            lock.release();
            return false;
        }
        catch (final OverlappingFileLockException ex)
        {
            return true;
        }
        catch (final IOException ex)
        {
            return true;
        }
    }

    private static boolean deleteTree(final File root)
    {
        try
        {
            Files.walkFileTree(root.toPath(), new SimpleFileVisitor<>()
            {
                @Override
                public FileVisitResult visitFile(final Path file, final BasicFileAttributes attrs) throws IOException
                {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(final Path dir, final IOException ex) throws IOException
                {
                    if (null != ex)
                    {
                        throw ex;
                    }
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
            return true;
        }
        catch (final IOException ex)
        {
            return false;
        }
    }
}
