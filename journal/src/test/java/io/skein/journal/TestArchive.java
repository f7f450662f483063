package io.skein.journal;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.agrona.CloseHelper;

/**
 * System-test support: an embedded archive in a test's own directory with 64 KiB terms, sparse files, shared
 * threading and back-off idling, and journals on it. Closing it closes every journal it opened, then the archive, and
 * fails the test if the driver or archive logged any error.
 */
public final class TestArchive implements AutoCloseable
{
    public static final int TERM_LENGTH = 64 * 1024;

    private final File dir;
    private final EmbeddedArchive archive;
    private final List<AutoCloseable> opened = new ArrayList<>();

    private TestArchive(final File dir, final Consumer<EmbeddedArchive.Context> settings)
    {
        this.dir = dir;
        final EmbeddedArchive.Context ctx = new EmbeddedArchive.Context()
            .baseDir(dir)
            .termLength(TERM_LENGTH)
            .segmentFileLength(TERM_LENGTH * 16)
            .markFileWaitNs(TimeUnit.SECONDS.toNanos(20));
        settings.accept(ctx);
        archive = EmbeddedArchive.launch(ctx);
    }

    public static TestArchive launch(final File dir)
    {
        return new TestArchive(dir, TestArchive::defaults);
    }

    private static void defaults(final EmbeddedArchive.Context ctx)
    {
        // The defaults above.
    }

    public static TestArchive launch(final File dir, final Consumer<EmbeddedArchive.Context> settings)
    {
        return new TestArchive(dir, settings);
    }

    public Journal journal()
    {
        return journal(TestArchive::journalDefaults);
    }

    public Journal journal(final Consumer<Journal.Context> settings)
    {
        final Journal.Context ctx = new Journal.Context()
            .embeddedArchive(archive)
            .journalDir(new File(dir, "journal"))
            .timeoutNs(TimeUnit.SECONDS.toNanos(10));
        settings.accept(ctx);
        final Journal journal = Journal.launch(ctx);
        opened.add(journal);
        return journal;
    }

    private static void journalDefaults(final Journal.Context ctx)
    {
        // The defaults above.
    }

    public EmbeddedArchive archive()
    {
        return archive;
    }

    public File dir()
    {
        return dir;
    }

    @Override
    public void close()
    {
        for (int i = opened.size() - 1; i >= 0; i--)
        {
            CloseHelper.quietClose(opened.get(i));
        }
        CloseHelper.close(archive);
        if (archive.errorCount() > 0)
        {
            throw new AssertionError("media driver or archive logged " + archive.errorCount() + " errors: " +
                archive.errors());
        }
    }
}
