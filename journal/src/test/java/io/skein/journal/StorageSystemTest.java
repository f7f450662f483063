package io.skein.journal;

import java.io.File;

import io.skein.protocol.SkeinException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StorageSystemTest
{
    @TempDir
    File dir;

    @Test
    void shouldRefuseToStartInOneLineWhenTheFileSystemIsTooSmall()
    {
        try (Tmpfs tmpfs = Tmpfs.mount(dir, 32L * 1024 * 1024))
        {
            final File base = new File(tmpfs.dir(), "node");
            final SkeinException ex = assertThrows(SkeinException.class,
                () -> EmbeddedArchive.launch(new EmbeddedArchive.Context().baseDir(base)));
            assertTrue(ex.getMessage().startsWith("ERROR STORAGE: not enough free space to start in "),
                ex.getMessage());
            assertTrue(ex.getMessage().contains("MiB free, at least ") && !ex.getMessage().contains("\n"),
                ex.getMessage());
            assertFalse(base.exists(), "nothing was created");
        }
    }
}
