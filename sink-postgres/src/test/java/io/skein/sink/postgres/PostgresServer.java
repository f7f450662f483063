package io.skein.sink.postgres;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real PostgreSQL server for a test class, started from the machine's PostgreSQL binaries (Debian's
 * {@code postgresql} package, which {@code .ci/run} installs; or the directory in {@code SKEIN_PG_BIN}) in a
 * directory of its own, on a free port, listening on 127.0.0.1 only. PostgreSQL refuses to run as root, so as root the
 * server runs as the package's {@code postgres} user ({@code runuser}). Stopped and deleted on close; {@link #stop()}
 * and {@link #start()} let a test take it away and bring it back.
 */
final class PostgresServer implements AutoCloseable
{
    private static final long TIMEOUT_S = 60;

    private final File binDir;
    private final Path root;
    private final File dataDir;
    private final int port;
    private final boolean asRoot;

    private PostgresServer() throws IOException, InterruptedException
    {
        binDir = findBinaries();
        asRoot = "root".equals(System.getProperty("user.name"));
        root = Files.createTempDirectory("skein-pg-");
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        dataDir = new File(root.toFile(), "data");
        port = freePort();
        if (asRoot)
        {
            run(List.of("chown", "postgres", root.toString()), false);
        }
        run(List.of(new File(binDir, "initdb").getPath(), "-D", dataDir.getPath(), "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--no-sync", "--locale=C"), true);
        start();
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
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
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

    private static File findBinaries()
    {
        final String configured = System.getenv("SKEIN_PG_BIN");
        if (null != configured)
        {
            return new File(configured);
        }
        final File[] versions = new File("/usr/lib/postgresql").listFiles();
        if (null != versions && versions.length > 0)
        {
            Arrays.sort(versions, Comparator.comparingInt((File f) -> parseVersion(f.getName())).reversed());
            for (final File version : versions)
            {
                final File bin = new File(version, "bin");
                if (new File(bin, "initdb").canExecute())
                {
                    return bin;
                }
            }
        }
        throw new IllegalStateException("no PostgreSQL server binaries: install Debian's postgresql package " +
            "(.ci/run does) or set SKEIN_PG_BIN to the directory holding initdb and pg_ctl");
    }

    private static int parseVersion(final String name)
    {
        try
        {
            return Integer.parseInt(name);
        }
        catch (final NumberFormatException ex)
        {
            return 0;
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
