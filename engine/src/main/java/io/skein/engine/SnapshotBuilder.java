package io.skein.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.journal.Journal;
import io.skein.journal.JournalReader;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.ErrorHandler;

/**
 * Builds snapshots off the single writer ({@link SnapshotMode#OFF_WRITER}). It keeps a shadow copy of the engine's
 * state in its own aggregate instances: on its first request it loads the latest valid snapshot, then for each
 * request it replays the journal from where it got to up to the requested position (waiting until that is recorded)
 * through the same event appliers, and writes the snapshot at exactly that position. The writer only notes the
 * position, so it never pauses for a snapshot.
 */
final class SnapshotBuilder implements AutoCloseable
{
    private static final Request STOP = new Request(-1);

    private final Journal journal;
    private final EntryApplier shadow;
    private final SnapshotTaker taker = new SnapshotTaker();
    private final Consumer<Journal> afterSnapshot;
    private final ErrorHandler errorHandler;
    private final long timeoutNs;
    private final BlockingQueue<Request> requests = new ArrayBlockingQueue<>(1);
    private final Thread thread;
    private boolean initialised;
    private long shadowPosition;

    private static final class Request
    {
        final long position;
        final CompletableFuture<Long> result = new CompletableFuture<>();

        Request(final long position)
        {
            this.position = position;
        }
    }

    SnapshotBuilder(
        final Journal journal,
        final List<Supplier<? extends Aggregate<?>>> aggregates,
        final int windowCapacity,
        final String name,
        final Consumer<Journal> afterSnapshot,
        final ErrorHandler errorHandler,
        final long timeoutNs)
    {
        this.journal = journal;
        this.afterSnapshot = afterSnapshot;
        this.errorHandler = errorHandler;
        this.timeoutNs = timeoutNs;
        shadow = new EntryApplier(new EngineState(EngineState.newRuntimes(aggregates), windowCapacity, null));
        thread = new Thread(this::run, "skein-snapshot-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Ask for a snapshot at a journal position without waiting.
     *
     * @param position an entry boundary the engine has appended up to.
     * @return a future completed with the position once the snapshot counts, or null if a snapshot is already being
     * built (a policy trigger is then simply skipped).
     */
    CompletableFuture<Long> request(final long position)
    {
        final Request request = new Request(position);
        return requests.offer(request) ? request.result : null;
    }

    private void run()
    {
        while (true)
        {
            final Request request;
            try
            {
                request = requests.take();
            }
            catch (final InterruptedException ex)
            {
                return;
            }
            if (STOP == request)
            {
                return;
            }
            try
            {
                request.result.complete(build(request.position));
            }
            catch (final Throwable ex)
            {
                errorHandler.onError(ex);
                request.result.completeExceptionally(ex);
            }
        }
    }

    private long build(final long position)
    {
        if (!initialised)
        {
            initialise();
        }
        if (position < shadowPosition)
        {
            throw new SkeinException(SkeinException.Code.GENERIC, "snapshot requested at " + position +
                " behind the builder's state at " + shadowPosition);
        }
        if (!journal.awaitDurable(position, timeoutNs))
        {
            throw new SkeinException(SkeinException.Code.TIMEOUT, "the journal was not recorded to " + position +
                " in time for the snapshot");
        }
        if (position > shadowPosition)
        {
            try (JournalReader reader = journal.reader())
            {
                reader.read(shadowPosition, position, shadow::apply, null);
            }
            shadowPosition = position;
        }
        final long written = taker.take(shadow.state(), journal, position).position();
        afterSnapshot.accept(journal);
        return written;
    }

    private void initialise()
    {
        // Recovery has already reported any snapshot it had to skip: skip them quietly here.
        final long snapshotPosition = new SnapshotLoader().loadNewest(
            shadow, journal, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, null);
        shadowPosition = SkeinProtocol.NULL_POSITION == snapshotPosition ? journal.startPosition() : snapshotPosition;
        initialised = true;
    }

    @Override
    public void close()
    {
        final List<Request> pending = new ArrayList<>();
        requests.drainTo(pending);
        for (final Request request : pending)
        {
            request.result.completeExceptionally(new SkeinException(SkeinException.Code.CLOSED,
                "the engine closed before the snapshot was built"));
        }
        try
        {
            requests.put(STOP);
            thread.join(TimeUnit.NANOSECONDS.toMillis(timeoutNs));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
    }
}
