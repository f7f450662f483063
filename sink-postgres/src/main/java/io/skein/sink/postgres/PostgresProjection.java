package io.skein.sink.postgres;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;

import io.skein.projection.Checkpoint;
import io.skein.projection.TransactionalProjection;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinException;

/**
 * A projection into PostgreSQL, exactly once: the {@link RowWriter}'s writes for a batch of events and the
 * projection's checkpoint (a row of {@code skein_checkpoints}) are one transaction, so after any crash the table and
 * the checkpoint agree and the runner resumes exactly after the last committed batch. Run it with
 * {@code ProjectionRunner.Delivery.EXACTLY_ONCE}.
 * <p>
 * One writer per projection: the sink holds a session-level advisory lock keyed by the projection's name for as
 * long as its connection lives. A second runner of the same projection cannot take it, so it waits (its runner
 * retries with back-off, reporting "another runner holds the lock") and takes over when the first one's connection
 * ends. A connection lost mid-batch (server restart, network) rolls the batch back on the server and releases the
 * lock there; the sink reconnects, takes the lock again and reloads the checkpoint before writing anything, so an
 * outage pauses the projection and nothing is lost or applied twice.
 * <p>
 * Plain JDBC with PostgreSQL's own driver, one connection per projection: a pool would add nothing for one
 * long-lived writer that must keep its session (the lock lives in it).
 */
public final class PostgresProjection implements TransactionalProjection, AutoCloseable
{
    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    private final String url;
    private final Properties properties;
    private final String name;
    private final String checkpointTable;
    private final RowWriter writer;
    private final long lockKey;
    private Connection connection;
    private Rows rows;

    /**
     * A projection writing through JDBC.
     *
     * @param url        the JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:5432/app}.
     * @param properties connection properties (user, password, ...).
     * @param name       the projection's name: its checkpoint row's key and its lock's.
     * @param writer     what each event writes.
     */
    public PostgresProjection(final String url, final Properties properties, final String name, final RowWriter writer)
    {
        this(url, properties, name, "skein_checkpoints", writer);
    }

    /**
     * A projection writing through JDBC, with its checkpoints in a table of its own choosing.
     *
     * @param url             the JDBC URL.
     * @param properties      connection properties.
     * @param name            the projection's name.
     * @param checkpointTable the table of checkpoints (lower-case letters, digits and underscores).
     * @param writer          what each event writes.
     */
    public PostgresProjection(
        final String url,
        final Properties properties,
        final String name,
        final String checkpointTable,
        final RowWriter writer)
    {
        if (null == name || name.isEmpty() || name.length() > 200)
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "a projection needs a name of 1 to 200 " +
                "characters");
        }
        if (null == checkpointTable || !TABLE.matcher(checkpointTable).matches())
        {
            throw new SkeinException(SkeinException.Code.CONFIGURATION, "checkpoint table '" + checkpointTable +
                "' must be lower-case letters, digits and underscores");
        }
        this.url = url;
        this.properties = (Properties)properties.clone();
        this.name = name;
        this.checkpointTable = checkpointTable;
        this.writer = writer;
        this.lockKey = lockKey(name);
    }

    /**
     * The advisory lock key of a projection: a stable 64-bit hash of its name.
     *
     * @param name the projection's name.
     * @return the key.
     */
    public static long lockKey(final String name)
    {
        final byte[] bytes = ("skein-projection:" + name).getBytes(StandardCharsets.UTF_8);
        final CRC32C low = new CRC32C();
        low.update(bytes, 0, bytes.length);
        final CRC32C high = new CRC32C();
        high.update(0x5A);
        high.update(bytes, 0, bytes.length);
        return (high.getValue() << 32) | low.getValue();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public Checkpoint loadCheckpoint() throws SQLException
    {
        final Connection c = connect();
        try (PreparedStatement select = c.prepareStatement(
            "SELECT position, entry_sequence FROM " + checkpointTable + " WHERE projection = ?"))
        {
            select.setString(1, name);
            final Checkpoint checkpoint;
            try (ResultSet result = select.executeQuery())
            {
                checkpoint = result.next() ? new Checkpoint(result.getLong(1), result.getLong(2)) : Checkpoint.NONE;
            }
            c.commit();
            return checkpoint;
        }
        catch (final SQLException ex)
        {
            disconnect();
            throw ex;
        }
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onBatchStart() throws SQLException
    {
        connect();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onEvent(final JournalEvents event) throws SQLException
    {
        writer.onEvent(rows, event);
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onBatchEnd(final Checkpoint checkpoint) throws SQLException
    {
        final PreparedStatement upsert = rows.statement("INSERT INTO " + checkpointTable +
            " (projection, position, entry_sequence, updated_at) VALUES (?, ?, ?, now()) " +
            "ON CONFLICT (projection) DO UPDATE SET position = EXCLUDED.position, " +
            "entry_sequence = EXCLUDED.entry_sequence, updated_at = EXCLUDED.updated_at");
        upsert.setString(1, name);
        upsert.setLong(2, checkpoint.position());
        upsert.setLong(3, checkpoint.entrySequence());
        upsert.executeUpdate();
        connection.commit();
    }

    /**
     * {@inheritDoc}
     */
    @Override
    public void onBatchAbort(final Throwable cause)
    {
        if (null == connection)
        {
            return;
        }
        try
        {
            connection.rollback();
            if (!connection.isValid(1))
            {
                disconnect();
            }
        }
        catch (final SQLException ex)
        {
            // The connection is gone: the server rolled the batch back and let the lock go with it.
            disconnect();
        }
    }

    /**
     * Whether this sink holds its projection's lock now (its connection is open).
     *
     * @return true if it is the projection's writer.
     */
    public boolean isWriter()
    {
        return null != connection;
    }

    /**
     * Close the connection: the lock is released and another runner may take over.
     */
    @Override
    public void close()
    {
        disconnect();
    }

    private Connection connect() throws SQLException
    {
        if (null != connection)
        {
            return connection;
        }
        final Connection c = DriverManager.getConnection(url, properties);
        try
        {
            c.setAutoCommit(true);
            try (PreparedStatement lock = c.prepareStatement("SELECT pg_try_advisory_lock(?)"))
            {
                lock.setLong(1, lockKey);
                try (ResultSet result = lock.executeQuery())
                {
                    if (!result.next() || !result.getBoolean(1))
                    {
                        throw new SQLException("another runner of projection " + name + " holds its lock " +
                            "(advisory lock " + lockKey + "): this one waits and takes over when it ends");
                    }
                }
            }
            try (Statement create = c.createStatement())
            {
                create.execute("CREATE TABLE IF NOT EXISTS " + checkpointTable + " (projection text PRIMARY KEY, " +
                    "position bigint NOT NULL, entry_sequence bigint NOT NULL, updated_at timestamptz NOT NULL)");
            }
            c.setAutoCommit(false);
            final Rows newRows = new Rows(c);
            writer.createSchema(newRows);
            c.commit();
            connection = c;
            rows = newRows;
            return c;
        }
        catch (final SQLException | RuntimeException ex)
        {
            try
            {
                c.close();
            }
            catch (final SQLException ignore)
            {
                // Closing releases the lock if it was taken.
            }
            throw ex;
        }
    }

    private void disconnect()
    {
        if (null != rows)
        {
            rows.close();
            rows = null;
        }
        if (null != connection)
        {
            try
            {
                connection.close();
            }
            catch (final SQLException ignore)
            {
                // Already broken.
            }
            connection = null;
        }
    }
}
