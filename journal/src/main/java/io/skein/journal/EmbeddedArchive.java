package io.skein.journal;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.aeron.Aeron;
import io.aeron.CommonContext;
import io.aeron.ChannelUri;
import io.aeron.archive.Archive;
import io.aeron.exceptions.AeronException;
import io.aeron.archive.ArchiveMarkFile;
import io.aeron.archive.ArchiveTool;
import io.aeron.archive.ArchiveThreadingMode;
import io.aeron.archive.ArchivingMediaDriver;
import io.aeron.archive.CatalogView;
import io.aeron.archive.client.AeronArchive;
import io.aeron.driver.MediaDriver;
import io.aeron.driver.ThreadingMode;
import io.skein.protocol.SkeinException;
import org.agrona.CloseHelper;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;

/**
 * Skein's embedded default: an in-process archiving media driver that needs no external service. Driver and archive
 * share one thread each in their shared threading modes with back-off idling (no busy spin on a 2-core machine), use
 * their own directories under a base directory (never the machine-wide defaults), and take control requests over IPC
 * only. Errors they report are counted, so tests can fail on any.
 */
public final class EmbeddedArchive implements AutoCloseable
{
    /**
     * Name of the lock file in the archive directory held for as long as an embedded archive runs there.
     */
    public static final String LOCK_FILE_NAME = "skein-archive.lock";

    /**
     * Room for 32,768 counters, ample for a node and many sessions coming and going (each connection's images and
     * publications take a few while they linger); Aeron's default makes the driver's CnC file about 47 MiB, all of
     * it written at start, this about 12 MiB.
     */
    private static final int COUNTERS_VALUES_BUFFER_LENGTH = 4 * 1024 * 1024;
    private static final long ARCHIVE_MAX_PARK_NS = 1_000_000;

    private final Context ctx;
    private final ArchivingMediaDriver driver;
    private final FileChannel lockChannel;
    private volatile WakeableIdleStrategy[] archiveIdles = new WakeableIdleStrategy[0];

    private synchronized IdleStrategy newArchiveIdleStrategy()
    {
        final WakeableIdleStrategy idle = new WakeableIdleStrategy(ARCHIVE_MAX_PARK_NS);
        final WakeableIdleStrategy[] grown = Arrays.copyOf(archiveIdles, archiveIdles.length + 1);
        grown[grown.length - 1] = idle;
        archiveIdles = grown;
        return idle;
    }

    /**
     * Wake the archive's agents if they are parked: called by a journal of this process after each append, so the
     * entry is recorded without waiting out the recorder's idle nap (up to a millisecond).
     */
    public void wakeRecorder()
    {
        final WakeableIdleStrategy[] idles = archiveIdles;
        for (int i = 0; i < idles.length; i++)
        {
            idles[i].wake();
        }
    }

    private EmbeddedArchive(final Context ctx)
    {
        this.ctx = ctx;
        checkFreeSpace(ctx.archiveDir(), ctx.startFreeLength());
        checkFreeSpace(new File(ctx.aeronDirectoryName()), ctx.startFreeLength());
        lockChannel = lockArchiveDir(ctx.archiveDir());
        final MediaDriver.Context driverCtx = new MediaDriver.Context()
            .aeronDirectoryName(ctx.aeronDirectoryName())
            .dirDeleteOnStart(true)
            .dirDeleteOnShutdown(true)
            .warnIfDirectoryExists(false)
            .threadingMode(ThreadingMode.SHARED)
            .sharedIdleStrategy(new BackoffIdleStrategy())
            .asyncExecutorEnabled(false)
            .termBufferSparseFile(false)
            .counterValuesBufferLength(COUNTERS_VALUES_BUFFER_LENGTH)
            .ipcTermBufferLength(ctx.termLength())
            .publicationTermBufferLength(ctx.termLength())
            .spiesSimulateConnection(true)
            .errorHandler(ctx::onError);

        final Archive.Context archiveCtx = new Archive.Context()
            .aeronDirectoryName(ctx.aeronDirectoryName())
            .archiveDir(ctx.archiveDir())
            .deleteArchiveOnStart(false)
            .threadingMode(ArchiveThreadingMode.SHARED)
            .idleStrategySupplier(this::newArchiveIdleStrategy)
            .controlChannelEnabled(null != ctx.controlChannel())
            .controlChannel(null != ctx.controlChannel() ? ctx.controlChannel() : "aeron:udp?endpoint=localhost:0")
            .replicationChannel(ctx.replicationChannel())
            .recordingEventsEnabled(false)
            .archiveId(ctx.archiveId())
            .connectTimeoutNs(ctx.controlSessionTimeoutNs())
            .sessionLivenessCheckIntervalNs(ctx.sessionLivenessCheckIntervalNs())
            .segmentFileLength(ctx.segmentFileLength())
            .lowStorageSpaceThreshold(ctx.segmentFileLength())
            .fileSyncLevel(ctx.fileSyncLevel())
            .catalogFileSyncLevel(ctx.fileSyncLevel())
            .archiveClientContext(new AeronArchive.Context().controlResponseChannel(archiveClientResponseChannel(ctx)))
            .errorHandler(ctx::onError);

        try
        {
            driver = launchWaitingForStaleMarkFile(driverCtx, archiveCtx, ctx.markFileWaitNs());
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(lockChannel);
            throw ex;
        }
    }

    /**
     * Where other archives answer this archive's own client, which it uses to replicate from them (a cluster member
     * copying the leader's log): a UDP endpoint on the control channel's host when the archive takes remote control
     * requests, IPC otherwise. An IPC response channel cannot be reached from another machine's archive, and the
     * replication would never progress.
     */
    private static String archiveClientResponseChannel(final Context ctx)
    {
        if (null == ctx.controlChannel())
        {
            return "aeron:ipc";
        }
        final String endpoint = ChannelUri.parse(ctx.controlChannel()).get(CommonContext.ENDPOINT_PARAM_NAME);
        final int colon = null == endpoint ? -1 : endpoint.lastIndexOf(':');
        if (colon <= 0)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION,
                "the archive's control channel needs an endpoint of the form host:port: " + ctx.controlChannel());
        }
        return "aeron:udp?endpoint=" + endpoint.substring(0, colon) + ":0";
    }

    /**
     * Refuse to start, in one line, where the driver or the archive would run out of space while starting (the
     * media driver faults on a mapped file it cannot back) or soon after.
     */
    private static void checkFreeSpace(final File dir, final long required)
    {
        File existing = dir.getAbsoluteFile();
        while (null != existing && !existing.exists())
        {
            existing = existing.getParentFile();
        }
        if (null == existing)
        {
            return;
        }
        final long usable = existing.getUsableSpace();
        if (usable < required)
        {
            throw new SkeinException(SkeinException.Code.STORAGE, "not enough free space to start in " + dir +
                ": " + (usable / (1024 * 1024)) + " MiB free, at least " + (required / (1024 * 1024)) +
                " MiB needed (log buffers of three terms for the journal, a snapshot and a replay, and the " +
                "driver's files); free some space or use a smaller skein.archive.term.length");
        }
    }

    /**
     * Take the archive directory's lock, which the operating system releases when the holder exits in any way
     * (SIGKILL included). Holding it proves no other embedded archive runs there, so a mark file left behind is from
     * a dead process and can be removed at once instead of waiting for it to go stale.
     */
    private static FileChannel lockArchiveDir(final File archiveDir)
    {
        if (!archiveDir.isDirectory() && !archiveDir.mkdirs())
        {
            throw new SkeinException(SkeinException.Code.STORAGE, "cannot create the archive directory " + archiveDir);
        }
        FileChannel channel = null;
        try
        {
            channel = FileChannel.open(new File(archiveDir, LOCK_FILE_NAME).toPath(),
                StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            final FileLock lock = channel.tryLock();
            if (null == lock)
            {
                throw new OverlappingFileLockException();
            }
            final File markFile = new File(archiveDir, ArchiveMarkFile.FILENAME);
            if (markFile.exists() && !markFile.delete())
            {
                throw new SkeinException(SkeinException.Code.STORAGE, "cannot remove the stale mark file " + markFile);
            }
            return channel;
        }
        catch (final OverlappingFileLockException ex)
        {
            CloseHelper.quietClose(channel);
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "the archive directory " + archiveDir +
                " is in use by another running archive (a node, or a tool reading it)");
        }
        catch (final IOException ex)
        {
            CloseHelper.quietClose(channel);
            throw new SkeinException(SkeinException.Code.STORAGE, SkeinException.Category.ERROR,
                "cannot lock the archive directory " + archiveDir + ": " + ex.getMessage(), ex);
        }
    }

    /**
     * Launch the embedded archiving media driver.
     *
     * @param ctx for the configuration; concluded here.
     * @return the running driver and archive.
     */
    public static EmbeddedArchive launch(final Context ctx)
    {
        ctx.conclude();
        return new EmbeddedArchive(ctx);
    }

    /**
     * The configuration it runs with.
     *
     * @return the context.
     */
    public Context context()
    {
        return ctx;
    }

    /**
     * The Aeron directory clients connect through.
     *
     * @return the directory name.
     */
    public String aeronDirectoryName()
    {
        return ctx.aeronDirectoryName();
    }

    /**
     * Warnings the driver and archive have reported since launch (Aeron events of category WARN, such as a control
     * client that left before its answer); not counted as errors.
     *
     * @return the count.
     */
    public int warningCount()
    {
        return ctx.warningCount.get();
    }

    /**
     * Errors the driver and archive have reported since launch (warnings excluded).
     *
     * @return the count.
     */
    public int errorCount()
    {
        return ctx.errorCount.get();
    }

    /**
     * The errors the driver and archive have reported (the first 100).
     *
     * @return a copy of the errors.
     */
    public List<Throwable> errors()
    {
        synchronized (ctx.errors)
        {
            return new ArrayList<>(ctx.errors);
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void close()
    {
        try
        {
            CloseHelper.close(driver);
        }
        finally
        {
            CloseHelper.quietClose(lockChannel);
        }
    }

    private static ArchivingMediaDriver launchWaitingForStaleMarkFile(
        final MediaDriver.Context driverCtx, final Archive.Context archiveCtx, final long waitNs)
    {
        // An archive restarted within its mark-file timeout of a crash refuses to start because the dead process's
        // mark file still looks active; wait (bounded) until it goes stale rather than deleting another's file.
        final long deadlineNs = System.nanoTime() + waitNs;
        boolean triedCut = false;
        while (true)
        {
            try
            {
                return ArchivingMediaDriver.launch(driverCtx.clone(), archiveCtx.clone());
            }
            catch (final RuntimeException ex)
            {
                final String message = String.valueOf(ex.getMessage());
                if (!triedCut && message.contains("incomplete last fragment"))
                {
                    triedCut = true;
                    if (cutTornFragments(archiveCtx, ex))
                    {
                        continue;
                    }
                }
                if (!message.contains("active") || System.nanoTime() - deadlineNs >= 0)
                {
                    throw ex;
                }
                try
                {
                    Thread.sleep(250);
                }
                catch (final InterruptedException ie)
                {
                    Thread.currentThread().interrupt();
                    throw ex;
                }
            }
        }
    }

    /**
     * A crash mid-write (a full disk, a machine crash) can leave the last fragment of a recording that was active
     * torn across a page boundary, and the archive then refuses to start until someone runs {@code ArchiveTool
     * verify}. Nothing in a torn fragment was acknowledged (the recorded position never passed it), so cut it as
     * that tool would, without asking, and say what was cut. Only recordings active at the crash are touched.
     *
     * @return true if something was cut and the launch should be tried again.
     */
    private static boolean cutTornFragments(final Archive.Context archiveCtx, final RuntimeException cause)
    {
        final File archiveDir = archiveCtx.archiveDir();
        final List<Long> active = new ArrayList<>();
        CatalogView.listRecordings(archiveDir, (controlSessionId, correlationId, recordingId, startTimestamp,
            stopTimestamp, startPosition, stopPosition, initialTermId, segmentFileLength, termBufferLength, mtuLength,
            sessionId, streamId, strippedChannel, originalChannel, sourceIdentity) ->
        {
            if (AeronArchive.NULL_POSITION == stopPosition)
            {
                active.add(recordingId);
            }
        });
        final List<String> cut = new ArrayList<>();
        for (final long recordingId : active)
        {
            final ByteArrayOutputStream report = new ByteArrayOutputStream();
            ArchiveTool.verifyRecording(new PrintStream(report, true, StandardCharsets.UTF_8), archiveDir, recordingId,
                EnumSet.noneOf(ArchiveTool.VerifyOption.class), null, (file) ->
                {
                    cut.add(file.getName());
                    return true;
                });
        }
        if (cut.isEmpty())
        {
            return false;
        }
        System.err.println("skein embedded archive: cut a torn last fragment (never acknowledged) at the end of " +
            cut + " left by a crash mid-write: " + cause.getMessage().split("\n")[0]);
        return true;
    }

    /**
     * Configuration of the embedded archiving media driver.
     */
    public static final class Context
    {
        /**
         * Default term length of the journal's IPC publication: entries may be up to an eighth of it.
         */
        public static final int TERM_LENGTH_DEFAULT = 16 * 1024 * 1024;

        /**
         * Default archive segment file length.
         */
        public static final int SEGMENT_FILE_LENGTH_DEFAULT = 128 * 1024 * 1024;

        /**
         * Default archive file sync level: 0, data survives a process crash but not a machine crash.
         */
        public static final int FILE_SYNC_LEVEL_DEFAULT = 0;

        private boolean isConcluded;
        private File baseDir;
        private String aeronDirectoryName;
        private File archiveDir;
        private int termLength = TERM_LENGTH_DEFAULT;
        private int segmentFileLength = SEGMENT_FILE_LENGTH_DEFAULT;
        private int fileSyncLevel = FILE_SYNC_LEVEL_DEFAULT;
        private String replicationChannel = "aeron:udp?endpoint=localhost:0";
        private String controlChannel;
        private long archiveId = Aeron.NULL_VALUE;
        private long markFileWaitNs = TimeUnit.SECONDS.toNanos(20);
        private long controlSessionTimeoutNs = TimeUnit.SECONDS.toNanos(5);
        private long sessionLivenessCheckIntervalNs = TimeUnit.SECONDS.toNanos(1);
        private ErrorHandler errorHandler;
        private final AtomicInteger errorCount = new AtomicInteger();
        private final AtomicInteger warningCount = new AtomicInteger();
        private final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());

        /**
         * Validate and fill in defaults: the aeron and archive directories default to {@code aeron} and
         * {@code archive} under the base directory.
         *
         * @return this, concluded.
         */
        public Context conclude()
        {
            if (isConcluded)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "context already concluded");
            }
            isConcluded = true;
            if (null == baseDir && (null == aeronDirectoryName || null == archiveDir))
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "set a baseDir, or both aeronDirectoryName and archiveDir: the machine-wide defaults are not used");
            }
            if (null == aeronDirectoryName)
            {
                aeronDirectoryName = new File(baseDir, "aeron").getAbsolutePath();
            }
            if (null == archiveDir)
            {
                archiveDir = new File(baseDir, "archive");
            }
            if (Integer.bitCount(termLength) != 1 || termLength < 64 * 1024)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION,
                    "termLength must be a power of two of at least 64 KiB: " + termLength);
            }
            if (fileSyncLevel < 0 || fileSyncLevel > 2)
            {
                throw new SkeinException(SkeinException.Code.CONFIGURATION, "fileSyncLevel must be 0, 1 or 2");
            }
            return this;
        }

        /**
         * Set the archive's id, which archives that replicate from each other (the members of a cluster) need to
         * tell apart; by default Aeron derives one.
         *
         * @param archiveId of the archive.
         * @return this for a fluent API.
         */
        public Context archiveId(final long archiveId)
        {
            this.archiveId = archiveId;
            return this;
        }

        /**
         * The archive's id.
         *
         * @return the id, {@code Aeron.NULL_VALUE} for Aeron's default.
         */
        public long archiveId()
        {
            return archiveId;
        }

        /**
         * The free space the archive needs to start: log buffers of three terms for the journal, a snapshot and a
         * replay, and 24 MiB for the driver's own files.
         *
         * @return the length in bytes.
         */
        public long startFreeLength()
        {
            return 9L * termLength + 24L * 1024 * 1024;
        }

        /**
         * How long the archive keeps a control session whose client reads nothing (Aeron's archive connect
         * timeout); the journal's watch keeps its session read, so only a stalled process hits it.
         *
         * @param timeoutNs the timeout.
         * @return this for a fluent API.
         */
        public Context controlSessionTimeoutNs(final long timeoutNs)
        {
            this.controlSessionTimeoutNs = timeoutNs;
            return this;
        }

        /**
         * How long the archive keeps a control session whose client reads nothing.
         *
         * @return the timeout.
         */
        public long controlSessionTimeoutNs()
        {
            return controlSessionTimeoutNs;
        }

        /**
         * How often the archive pings each control session (each ping takes room on its response stream until the
         * client reads it).
         *
         * @param intervalNs the interval.
         * @return this for a fluent API.
         */
        public Context sessionLivenessCheckIntervalNs(final long intervalNs)
        {
            this.sessionLivenessCheckIntervalNs = intervalNs;
            return this;
        }

        /**
         * How often the archive pings each control session.
         *
         * @return the interval.
         */
        public long sessionLivenessCheckIntervalNs()
        {
            return sessionLivenessCheckIntervalNs;
        }

        /**
         * Open the archive's control channel on UDP so followers on other hosts can replicate the journal from it
         * (a leader with followers needs one); null (the default) keeps control to IPC on this host.
         *
         * @param channel such as {@code aeron:udp?endpoint=10.0.0.5:8010}, or null.
         * @return this for a fluent API.
         */
        public Context controlChannel(final String channel)
        {
            this.controlChannel = channel;
            return this;
        }

        /**
         * The archive's UDP control channel, or null if control is IPC only.
         *
         * @return the channel or null.
         */
        public String controlChannel()
        {
            return controlChannel;
        }

        /**
         * Set the directory under which the aeron and archive directories are made.
         *
         * @param baseDir for the driver's and archive's files.
         * @return this for a fluent API.
         */
        public Context baseDir(final File baseDir)
        {
            this.baseDir = baseDir;
            return this;
        }

        /**
         * The base directory.
         *
         * @return the directory, or null.
         */
        public File baseDir()
        {
            return baseDir;
        }

        /**
         * Set the Aeron directory (driver's shared memory); deleted on start and shutdown, so it must be private.
         *
         * @param name of the directory.
         * @return this for a fluent API.
         */
        public Context aeronDirectoryName(final String name)
        {
            this.aeronDirectoryName = name;
            return this;
        }

        /**
         * The Aeron directory.
         *
         * @return the directory name.
         */
        public String aeronDirectoryName()
        {
            return aeronDirectoryName;
        }

        /**
         * Set the archive directory: recordings and catalog, which persist across restarts.
         *
         * @param archiveDir for the archive.
         * @return this for a fluent API.
         */
        public Context archiveDir(final File archiveDir)
        {
            this.archiveDir = archiveDir;
            return this;
        }

        /**
         * The archive directory.
         *
         * @return the directory.
         */
        public File archiveDir()
        {
            return archiveDir;
        }

        /**
         * Set the term length of publications on this driver, the journal's included.
         *
         * @param termLength a power of two, at least 64 KiB.
         * @return this for a fluent API.
         */
        public Context termLength(final int termLength)
        {
            this.termLength = termLength;
            return this;
        }

        /**
         * The term length.
         *
         * @return length in bytes.
         */
        public int termLength()
        {
            return termLength;
        }

        /**
         * Set the archive's segment file length.
         *
         * @param length in bytes, a power of two and a multiple of the term length.
         * @return this for a fluent API.
         */
        public Context segmentFileLength(final int length)
        {
            this.segmentFileLength = length;
            return this;
        }

        /**
         * The archive's segment file length.
         *
         * @return length in bytes.
         */
        public int segmentFileLength()
        {
            return segmentFileLength;
        }

        /**
         * Set the archive's file sync level: 0 writes through the page cache (survives a process crash, not a power
         * loss); 1 forces recorded data to the device; 2 forces data and metadata.
         *
         * @param level 0, 1 or 2.
         * @return this for a fluent API.
         */
        public Context fileSyncLevel(final int level)
        {
            this.fileSyncLevel = level;
            return this;
        }

        /**
         * The archive's file sync level.
         *
         * @return 0, 1 or 2.
         */
        public int fileSyncLevel()
        {
            return fileSyncLevel;
        }

        /**
         * Set the archive's replication channel (required by the archive even when unused).
         *
         * @param channel for replication.
         * @return this for a fluent API.
         */
        public Context replicationChannel(final String channel)
        {
            this.replicationChannel = channel;
            return this;
        }

        /**
         * The archive's replication channel.
         *
         * @return the channel.
         */
        public String replicationChannel()
        {
            return replicationChannel;
        }

        /**
         * Set how long to wait for a crashed predecessor's archive mark file to go stale before giving up.
         *
         * @param waitNs the wait.
         * @return this for a fluent API.
         */
        public Context markFileWaitNs(final long waitNs)
        {
            this.markFileWaitNs = waitNs;
            return this;
        }

        /**
         * How long to wait for a stale archive mark file.
         *
         * @return the wait in nanoseconds.
         */
        public long markFileWaitNs()
        {
            return markFileWaitNs;
        }

        /**
         * Set a handler to also receive the driver's and archive's errors (they are always counted).
         *
         * @param errorHandler for errors; must not throw.
         * @return this for a fluent API.
         */
        public Context errorHandler(final ErrorHandler errorHandler)
        {
            this.errorHandler = errorHandler;
            return this;
        }

        /**
         * The extra error handler.
         *
         * @return the handler, or null.
         */
        public ErrorHandler errorHandler()
        {
            return errorHandler;
        }

        void onError(final Throwable throwable)
        {
            if (throwable instanceof AeronException &&
                ((AeronException)throwable).category() == AeronException.Category.WARN)
            {
                // Aeron's own warnings (a control client that went away before its answer, for example).
                warningCount.incrementAndGet();
            }
            else
            {
                errorCount.incrementAndGet();
                if (errors.size() < 100)
                {
                    errors.add(throwable);
                }
            }
            if (null != errorHandler)
            {
                errorHandler.onError(throwable);
            }
            else
            {
                System.err.println("skein embedded archive: " + throwable);
            }
        }
    }
}
