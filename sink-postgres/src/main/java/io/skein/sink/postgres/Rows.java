package io.skein.sink.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link RowWriter}'s door to the database during a batch: the sink's connection (in its transaction) and prepared
 * statements cached per connection, so a statement is parsed once per connection rather than once per event.
 */
public final class Rows
{
    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    Rows(final Connection connection)
    {
        this.connection = connection;
    }

    /**
     * The connection, inside the batch's transaction. Do not commit, roll back or close it.
     *
     * @return the connection.
     */
    public Connection connection()
    {
        return connection;
    }

    /**
     * A prepared statement for this SQL, prepared once per connection and reused.
     *
     * @param sql the statement.
     * @return the prepared statement; set its parameters and execute it.
     * @throws SQLException if it cannot be prepared.
     */
    public PreparedStatement statement(final String sql) throws SQLException
    {
        PreparedStatement statement = statements.get(sql);
        if (null == statement)
        {
            statement = connection.prepareStatement(sql);
            statements.put(sql, statement);
        }
        return statement;
    }

    void close()
    {
        for (final PreparedStatement statement : statements.values())
        {
            try
            {
                statement.close();
            }
            catch (final SQLException ignore)
            {
                // The connection is going away with it.
            }
        }
        statements.clear();
    }
}
