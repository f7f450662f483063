package io.skein.engine;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's default thread factory: daemon threads named after the engine, the first the writer.
 */
final class NamedThreadFactory implements ThreadFactory
{
    private final String prefix;
    private final AtomicInteger count = new AtomicInteger();

    NamedThreadFactory(final String prefix)
    {
        this.prefix = prefix;
    }

    @Override
    public Thread newThread(final Runnable runnable)
    {
        final int n = count.getAndIncrement();
        final Thread thread = new Thread(runnable, prefix + (0 == n ? "-writer" : "-replier-" + n));
        thread.setDaemon(true);
        return thread;
    }
}
