package io.skein.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.journal.Journal;
import io.skein.journal.JournalReader;
import io.skein.protocol.SkeinException;
import io.skein.protocol.SkeinProtocol;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.SleepingMillisIdleStrategy;

/**
 * Builds snapshots off the single writer ({@link SnapshotMode#OFF_WRITER}). It keeps a shadow copy of the engine's
 * state in its own aggregate instances: on its first request it loads the latest valid snapshot, then for each
 * request it replays the journal from where it got to up to the requested position (waiting until that is recorded)
 * through the same event appliers, and writes the snapshot at exactly that position. The writer only notes the
 * position, so it never pauses for a snapshot. An {@link Agent}: each duty cycle takes at most one request.
 */
final class SnapshotBuilder implements Agent
{

    private final Journal journal;
    private final EntryApplier shadow;
    private final SnapshotTaker taker = new SnapshotTaker();
    private final Consumer<Journal> afterSnapshot;
    private final ErrorHandler errorHandler;
    private final long timeoutNs;
    private final BlockingQueue<Request> requests = new ArrayBlockingQueue<>(1);
    private final String roleName;
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
        roleName = "skein-snapshot-" + name;
    }

    /**
     * The idle strategy to run the builder with: requests are rare, and a few milliseconds do not matter to one.
     *
     * @return a new idle strategy.
     */
    static IdleStrategy idleStrategy()
    {
        return new SleepingMillisIdleStrategy(10);
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

    @Override
    public String roleName()
    {
        return roleName;
    }

    @Override
    public int doWork()
    {
        final Request request = requests.poll();
        if (null == request)
        {
            return 0;
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
        return 1;
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
    public void onClose()
    {
        failPending();
    }

    /**
     * Fail every request not yet taken: the engine is closing.
     */
    void failPending()
    {
        final List<Request> pending = new ArrayList<>();
        requests.drainTo(pending);
        for (final Request request : pending)
        {
            request.result.completeExceptionally(new SkeinException(SkeinException.Code.CLOSED,
                "the engine closed before the snapshot was built"));
        }
    }
}
