package io.skein.engine;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.skein.journal.EntryHandler;
import io.skein.journal.Journal;
import io.skein.journal.JournalReader;
import org.agrona.CloseHelper;
import org.agrona.DirectBuffer;
import org.agrona.ErrorHandler;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A follower engine's tail, an {@link Agent}: follows the local copy of the leader's journal (which replication keeps
 * growing) and hands the entries, in pooled chunks, to the single writer, which applies them through the
 * {@link EntryApplier}. The writer stays the only thread that changes state; nothing is allocated per entry. After an
 * error it does no more work: the follower then needs a restart.
 */
final class FollowerTail implements Agent
{
    private static final int CHUNKS = 8;
    private static final int CHUNK_CAPACITY = 1024 * 1024;
    private static final int MIN_FREE = 256 * 1024;
    private static final int MAX_ENTRIES = 4096;
    private static final long RECHECK_NS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final long REFOLLOW_NS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Journal journal;
    private final Writer writer;
    private final ErrorHandler errorHandler;
    private final AppliedListener afterChunk;
    private final String roleName;
    private final ArrayBlockingQueue<Chunk> free = new ArrayBlockingQueue<>(CHUNKS);
    private volatile boolean stopped;
    private volatile long appliedPosition;
    private volatile boolean caughtUp;
    private JournalReader reader;
    private boolean following;
    private long resumeNs;
    private long position;
    private Chunk current;

    /**
     * Told on the writer after each chunk of replicated entries is applied: where the follower's snapshot policy runs.
     */
    @FunctionalInterface
    interface AppliedListener
    {
        /**
         * Entries up to a position have been applied.
         *
         * @param executor owning the state.
         * @param position after the last applied entry.
         */
        void onApplied(CommandExecutor executor, long position);
    }

    /**
     * Hands a chunk to the single writer.
     */
    @FunctionalInterface
    interface Writer
    {
        /**
         * Put a task on the writer's ring.
         *
         * @param task to run on the writer.
         * @return true if queued, false if the engine is closed.
         */
        boolean submit(EngineTask task);
    }

    FollowerTail(
        final Journal journal,
        final long fromPosition,
        final Writer writer,
        final AppliedListener afterChunk,
        final ErrorHandler errorHandler,
        final String name)
    {
        this.afterChunk = afterChunk;
        this.journal = journal;
        this.writer = writer;
        this.errorHandler = errorHandler;
        this.roleName = "skein-follower-" + name;
        this.position = fromPosition;
        this.appliedPosition = fromPosition;
        for (int i = 0; i < CHUNKS; i++)
        {
            free.add(new Chunk());
        }
    }

    /**
     * The idle strategy to run the tail with.
     *
     * @return a new idle strategy.
     */
    static IdleStrategy idleStrategy()
    {
        return new BackoffIdleStrategy(10, 20, 1_000, 1_000_000);
    }

    long appliedPosition()
    {
        return appliedPosition;
    }

    /**
     * Whether the local copy stopped growing and every entry of it has been applied.
     */
    boolean caughtUp()
    {
        return caughtUp;
    }

    @Override
    public String roleName()
    {
        return roleName;
    }

    @Override
    public void onStart()
    {
        reader = journal.reader();
    }

    @Override
    public int doWork()
    {
        if (stopped)
        {
            return 0;
        }
        try
        {
            return follow(System.nanoTime());
        }
        catch (final Throwable ex)
        {
            stopped = true;
            throw ex;
        }
    }

    private int follow(final long nowNs)
    {
        if (!following)
        {
            if (nowNs - resumeNs < 0)
            {
                return 0;
            }
            if (journal.recordedEnd() <= position)
            {
                caughtUp = nothingPending();
                resumeNs = nowNs + RECHECK_NS;
                return 0;
            }
            reader.follow(position);
            following = true;
        }
        int work = 0;
        if (null == current)
        {
            current = free.poll();
        }
        if (null != current && current.capacity() - current.used >= MIN_FREE)
        {
            work = reader.poll(current, 64);
            position = reader.position();
        }
        if (null != current && current.count > 0 &&
            (0 == work || current.capacity() - current.used < MIN_FREE || current.count >= MAX_ENTRIES - 64))
        {
            if (!writer.submit(current))
            {
                stopped = true;
                return work;
            }
            current = null;
            work++;
        }
        if (0 == work && reader.followEnded())
        {
            caughtUp = nothingPending();
            // The local copy stopped growing (the leader went away); follow again from where it got to.
            reader.stopFollowing();
            following = false;
            resumeNs = nowNs + REFOLLOW_NS;
        }
        if (work > 0)
        {
            caughtUp = false;
        }
        return work;
    }

    /**
     * No entry is waiting in a chunk or in the writer's ring.
     */
    private boolean nothingPending()
    {
        final int held = null == current ? 0 : 1;
        return (null == current || 0 == current.count) && free.size() + held == CHUNKS;
    }

    @Override
    public void onClose()
    {
        CloseHelper.close(errorHandler, reader);
    }

    /**
     * A batch of journal entries copied from the replay, applied on the writer, then returned to the pool.
     */
    private final class Chunk implements EngineTask, EntryHandler
    {
        private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[CHUNK_CAPACITY]);
        private final int[] offsets = new int[MAX_ENTRIES];
        private final int[] lengths = new int[MAX_ENTRIES];
        private final long[] positions = new long[MAX_ENTRIES];
        private int count;
        private int used;

        int capacity()
        {
            return buffer.capacity();
        }

        @Override
        public void onEntry(final DirectBuffer source, final int offset, final int length, final long entryPosition)
        {
            buffer.putBytes(used, source, offset, length);
            offsets[count] = used;
            lengths[count] = length;
            positions[count] = entryPosition;
            used += length;
            count++;
        }

        @Override
        public void run(final CommandExecutor executor)
        {
            try
            {
                for (int i = 0; i < count; i++)
                {
                    executor.applier().apply(buffer, offsets[i], lengths[i], positions[i]);
                }
                appliedPosition = positions[count - 1];
                afterChunk.onApplied(executor, appliedPosition);
            }
            catch (final RuntimeException ex)
            {
                stopped = true;
                errorHandler.onError(ex);
            }
            finally
            {
                count = 0;
                used = 0;
                free.offer(this);
            }
        }
    }
}
