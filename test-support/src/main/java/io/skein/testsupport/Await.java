package io.skein.testsupport;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A bounded wait for a condition, polling every millisecond: fails with what was awaited (and, if given, the state
 * seen last) instead of hanging a test.
 */
public final class Await
{
    private Await()
    {
    }

    /**
     * Wait until a condition holds.
     *
     * @param condition to wait for.
     * @param timeoutNs the longest to wait.
     * @param what      what is awaited, for the failure.
     * @throws AssertionError if it does not hold in time.
     */
    public static void until(final BooleanSupplier condition, final long timeoutNs, final String what)
    {
        until(condition, timeoutNs, () -> what);
    }

    /**
     * Wait until a condition holds.
     *
     * @param condition to wait for.
     * @param timeoutNs the longest to wait.
     * @param what      what is awaited and the state seen, evaluated only on failure.
     * @throws AssertionError if it does not hold in time.
     */
    public static void until(final BooleanSupplier condition, final long timeoutNs, final Supplier<String> what)
    {
        final long deadlineNs = System.nanoTime() + timeoutNs;
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadlineNs > 0)
            {
                throw new AssertionError("timed out after " + TimeUnit.NANOSECONDS.toMillis(timeoutNs) +
                    " ms waiting for " + what.get());
            }
            try
            {
                Thread.sleep(1);
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for " + what.get(), ex);
            }
        }
    }
}
