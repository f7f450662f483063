package io.skein.cli;

import java.io.File;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The user's aggregates for every tool: {@code --classpath} (or {@code SKEIN_CLASSPATH}) names directories of classes,
 * jars, and {@code dir/*} for every jar in a directory, separated by the platform's path separator. They are loaded
 * by a class loader over Skein's own and made the thread's context class loader, which the service lookup of
 * aggregate types ({@code META-INF/services/io.skein.aggregate.Aggregate}), schema resources and the threads a node
 * starts all use.
 */
final class UserClasspath
{
    /**
     * The environment variable read when no {@code --classpath} is given.
     */
    static final String ENVIRONMENT = "SKEIN_CLASSPATH";

    private UserClasspath()
    {
    }

    /**
     * Make the entries visible to the tools.
     *
     * @param classpath entries separated by {@link File#pathSeparator}; null or empty for none.
     * @throws IllegalArgumentException naming an entry that does not exist.
     */
    static void install(final String classpath)
    {
        if (null == classpath || classpath.isBlank())
        {
            return;
        }
        final List<URL> urls = new ArrayList<>();
        for (final String entry : classpath.split(File.pathSeparator))
        {
            if (entry.isBlank())
            {
                continue;
            }
            if (entry.endsWith(File.separator + "*") || "*".equals(entry))
            {
                final File dir = new File(entry.substring(0, entry.length() - 1));
                final File[] jars = dir.listFiles((file) -> file.getName().endsWith(".jar"));
                if (!dir.isDirectory() || null == jars)
                {
                    throw new IllegalArgumentException("--classpath entry " + entry + ": " + dir +
                        " is not a directory");
                }
                Arrays.sort(jars);
                for (final File jar : jars)
                {
                    urls.add(url(jar));
                }
                continue;
            }
            final File file = new File(entry);
            if (!file.exists())
            {
                throw new IllegalArgumentException("--classpath entry " + entry + " does not exist");
            }
            urls.add(url(file));
        }
        final ClassLoader loader = new URLClassLoader("skein-user", urls.toArray(new URL[0]),
            UserClasspath.class.getClassLoader());
        Thread.currentThread().setContextClassLoader(loader);
    }

    /**
     * Where the tools look for aggregate types and their schemas.
     *
     * @return the context class loader, or Skein's own.
     */
    static ClassLoader loader()
    {
        final ClassLoader context = Thread.currentThread().getContextClassLoader();
        return null == context ? UserClasspath.class.getClassLoader() : context;
    }

    private static URL url(final File file)
    {
        try
        {
            return file.getAbsoluteFile().toURI().toURL();
        }
        catch (final MalformedURLException ex)
        {
            throw new IllegalArgumentException("--classpath entry " + file + ": " + ex.getMessage(), ex);
        }
    }
}
