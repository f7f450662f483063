package io.skein.cli;

import java.io.File;

import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import org.agrona.CloseHelper;

/**
 * A stopped node's directory opened for inspection: its archive launched in this process and its journal opened
 * read-only. A running node holds the archive's lock, so this refuses with one clear line rather than disturb it.
 */
final class NodeDirectory implements AutoCloseable
{
    private final EmbeddedArchive archive;
    private final Journal journal;

    NodeDirectory(final File dir)
    {
        if (!dir.isDirectory())
        {
            throw new IllegalArgumentException("no such directory: " + dir);
        }
        final File journalDir = new File(dir, "journal");
        if (!journalDir.isDirectory() || !new File(dir, "archive").isDirectory())
        {
            throw new IllegalArgumentException(dir + " is not a Skein node directory (no journal/ and archive/ in it)");
        }
        archive = EmbeddedArchive.launch(new EmbeddedArchive.Context().baseDir(dir).markFileWaitNs(0));
        try
        {
            journal = Journal.launch(new Journal.Context().embeddedArchive(archive).journalDir(journalDir)
                .readOnly(true));
        }
        catch (final RuntimeException ex)
        {
            CloseHelper.quietClose(archive);
            throw ex;
        }
    }

    Journal journal()
    {
        return journal;
    }

    @Override
    public void close()
    {
        CloseHelper.closeAll(journal, archive);
    }
}
