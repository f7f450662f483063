package io.skein.journal;

import java.io.File;
import java.io.IOException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * System-test support: a small tmpfs of the test's own, for running out of space on purpose. Needs root (as CI
 * runs); elsewhere the test is skipped with a message saying so. Closing it unmounts it.
 */
public final class Tmpfs implements AutoCloseable
{
    private final File dir;

    private Tmpfs(final File dir)
    {
        this.dir = dir;
    }

    /**
     * Mount a tmpfs of a given size on a new directory under {@code parent}.
     *
     * @param parent    for the mount point.
     * @param sizeBytes of the file system.
     * @return the mounted file system.
     */
    public static Tmpfs mount(final File parent, final long sizeBytes)
    {
        final File dir = new File(parent, "tmpfs");
        Assumptions.assumeTrue(dir.mkdirs(), "cannot create " + dir);
        final int code = run("mount", "-t", "tmpfs", "-o", "size=" + sizeBytes, "tmpfs", dir.getAbsolutePath());
        Assumptions.assumeTrue(0 == code, "skipped: mounting a tmpfs needs root (mount exited " + code + ")");
        return new Tmpfs(dir);
    }

    /**
     * Where it is mounted.
     *
     * @return the directory.
     */
    public File dir()
    {
        return dir;
    }

    @Override
    public void close()
    {
        if (0 != run("umount", "-l", dir.getAbsolutePath()))
        {
            throw new AssertionError("cannot unmount " + dir);
        }
    }

    private static int run(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(30, TimeUnit.SECONDS))
            {
                process.destroyForcibly();
                return -1;
            }
            return process.exitValue();
        }
        catch (final IOException ex)
        {
            return -1;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
