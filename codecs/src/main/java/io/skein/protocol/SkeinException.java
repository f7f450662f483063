package io.skein.protocol;

/**
 * The one exception type Skein throws, with a category saying how bad it is and an error code saying what it is.
 */
public final class SkeinException extends RuntimeException
{
    private static final long serialVersionUID = 1L;

    /**
     * How serious an error is.
     */
    public enum Category
    {
        /**
         * The component cannot continue and has stopped.
         */
        FATAL,

        /**
         * The operation failed; the component carries on.
         */
        ERROR,

        /**
         * Something unexpected that did not stop the operation.
         */
        WARNING
    }

    /**
     * What went wrong, in terms a caller can act on.
     */
    public enum Code
    {
        /**
         * A setting is missing or invalid.
         */
        CONFIGURATION,

        /**
         * The input was not acceptable.
         */
        BAD_INPUT,

        /**
         * A bounded wait ran out.
         */
        TIMEOUT,

        /**
         * The component is closed.
         */
        CLOSED,

        /**
         * Internal state no longer matches the journal; the component stopped to protect it.
         */
        STATE_DIVERGED,

        /**
         * The journal or another storage component failed.
         */
        STORAGE,

        /**
         * Credentials were refused.
         */
        AUTHENTICATION,

        /**
         * The peer cannot be reached or the session is not open.
         */
        NOT_CONNECTED,

        /**
         * A command was sent but its outcome cannot be learnt (a cluster's leader changed before it answered and the
         * command has no idempotency key to resend it safely): it may or may not have taken effect.
         */
        UNKNOWN_OUTCOME,

        /**
         * Anything else.
         */
        GENERIC
    }

    private final Category category;
    private final Code code;

    /**
     * An exception of category ERROR.
     *
     * @param code    of the error.
     * @param message saying what happened.
     */
    public SkeinException(final Code code, final String message)
    {
        this(code, Category.ERROR, message, null);
    }

    /**
     * An exception with a category and a cause.
     *
     * @param code     of the error.
     * @param category how serious it is.
     * @param message  saying what happened.
     * @param cause    underlying error, or null.
     */
    public SkeinException(final Code code, final Category category, final String message, final Throwable cause)
    {
        super(category + " " + code + ": " + message, cause);
        this.category = category;
        this.code = code;
    }

    /**
     * How serious the error is.
     *
     * @return the category.
     */
    public Category category()
    {
        return category;
    }

    /**
     * What went wrong.
     *
     * @return the code.
     */
    public Code code()
    {
        return code;
    }
}
