package io.skein.sink.postgres;

import java.sql.SQLException;

import io.skein.protocol.JournalEvents;

/**
 * What a PostgreSQL projection writes for each event, through the sink's connection, inside the batch's
 * transaction: never commit or roll back here, the sink does (with the checkpoint).
 */
public interface RowWriter
{
    /**
     * Create the projection's tables if they do not exist (called once per connection, before any event).
     *
     * @param rows the batch's connection and statements.
     * @throws SQLException to fail the start (the runner tries again).
     */
    default void createSchema(final Rows rows) throws SQLException
    {
    }

    /**
     * Write what one event changes.
     *
     * @param rows  the batch's connection and its cached statements.
     * @param event positioned on the event, with its metadata; valid during the call only.
     * @throws SQLException to abort the batch (the runner's error strategy decides what then).
     */
    void onEvent(Rows rows, JournalEvents event) throws SQLException;
}
