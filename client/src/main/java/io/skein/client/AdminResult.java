package io.skein.client;

/**
 * A node's answer to an operator request: a value (a position, hash, count or version) and readable text.
 */
public final class AdminResult
{
    private final long value;
    private final String message;

    AdminResult(final long value, final String message)
    {
        this.value = value;
        this.message = message;
    }

    /**
     * The answer's value.
     *
     * @return the value.
     */
    public long value()
    {
        return value;
    }

    /**
     * The answer as text (for a time-travel request on one aggregate, its state).
     *
     * @return the text, possibly empty.
     */
    public String message()
    {
        return message;
    }

    @Override
    public String toString()
    {
        return value + (message.isEmpty() ? "" : " (" + message + ")");
    }
}
