package io.skein.engine;

import com.lmax.disruptor.ExceptionHandler;
import org.agrona.ErrorHandler;

/**
 * Hands what escapes the writer and reply stages to the engine's error handler; the stages carry on.
 */
final class WriterExceptionHandler implements ExceptionHandler<CommandSlot>
{
    private final ErrorHandler errorHandler;

    WriterExceptionHandler(final ErrorHandler errorHandler)
    {
        this.errorHandler = errorHandler;
    }

    @Override
    public void handleEventException(final Throwable ex, final long sequence, final CommandSlot event)
    {
        errorHandler.onError(ex);
    }

    @Override
    public void handleOnStartException(final Throwable ex)
    {
        errorHandler.onError(ex);
    }

    @Override
    public void handleOnShutdownException(final Throwable ex)
    {
        errorHandler.onError(ex);
    }
}
