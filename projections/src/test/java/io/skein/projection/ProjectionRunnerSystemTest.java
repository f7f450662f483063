package io.skein.projection;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.skein.codecs.Outcome;
import io.skein.engine.SkeinEngine;
import io.skein.engine.TestAggregates;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.JournalEvents;
import io.skein.protocol.SkeinException;
import io.skein.testsupport.Await;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProjectionRunnerSystemTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);

    @TempDir
    File dir;

    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
    private final CommandWriter writer = new CommandWriter();
    private final List<Throwable> errors = new CopyOnWriteArrayList<>();
    private final List<Throwable> warnings = new CopyOnWriteArrayList<>();

    @AfterEach
    void noUnexpectedErrors()
    {
        assertEquals(List.of(), errors, "errors reported by the engine");
    }

    @Test
    void shouldResumeFromItsStoredCheckpointAndShowItsStatusInCounters() throws Exception
    {
        final File checkpoints = new File(dir, "checkpoints");
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            for (int i = 0; i < 100; i++)
            {
                add(engine, i % 4, 0);
            }
            final List<Long> seen = new CopyOnWriteArrayList<>();
            final ProjectionRunner.Context ctx = context(engine, checkpoints, (event) -> seen.add(event.sequence()));
            final CommandResult last = add(engine, 1, 0);
            try (ProjectionRunner runner = ProjectionRunner.launch(ctx))
            {
                Await.until(() -> null != runner.checkpoint() &&
                    runner.checkpoint().position() == last.journalPosition(), TIMEOUT_NS, "caught up");
                final CountersReader counters = engine.context().countersManager();
                assertEquals(last.journalPosition(), counter(counters, "skein projection position: balances"));
                Await.until(() -> 0 == counter(counters, "skein projection lag entries: balances"), TIMEOUT_NS,
                    "no lag once caught up");
                assertEquals(ProjectionRunner.State.RUNNING.ordinal(),
                    counter(counters, "skein projection state: balances"));
            }
            assertEquals(101, seen.size());
            assertEquals(new Checkpoint(last.journalPosition(), 101),
                new FileCheckpointStore(checkpoints).load("balances"), "the checkpoint is on disk");

            for (int i = 0; i < 50; i++)
            {
                add(engine, i % 4, 0);
            }
            final List<Long> resumed = new CopyOnWriteArrayList<>();
            final CommandResult end = add(engine, 2, 0);
            try (ProjectionRunner runner = ProjectionRunner.launch(
                context(engine, checkpoints, (event) -> resumed.add(event.sequence()))))
            {
                Await.until(() -> null != runner.checkpoint() &&
                    runner.checkpoint().position() == end.journalPosition(), TIMEOUT_NS, "caught up again");
            }
            assertEquals(range(102, 153), resumed, "resumed right after its checkpoint: nothing twice, nothing lost");
        }
    }

    @Test
    void shouldRetryARefusedBatchFromTheLastCheckpoint() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            for (int i = 0; i < 30; i++)
            {
                add(engine, i, 0);
            }
            final AtomicInteger failures = new AtomicInteger();
            final List<Long> applied = new CopyOnWriteArrayList<>();
            final List<Long> batch = new ArrayList<>();
            final Projection projection = new Projection()
            {
                public void onEvent(final JournalEvents event)
                {
                    if (event.sequence() == 17 && failures.getAndIncrement() < 2)
                    {
                        throw new IllegalStateException("the sink is down");
                    }
                    batch.add(event.sequence());
                }

                public void onBatchEnd(final Checkpoint checkpoint)
                {
                    applied.addAll(batch);
                    batch.clear();
                }

                public void onBatchAbort(final Throwable cause)
                {
                    batch.clear();
                }
            };
            try (ProjectionRunner runner = ProjectionRunner.launch(
                context(engine, new File(dir, "cp"), projection).batchSize(5)))
            {
                Await.until(() -> applied.size() == 30, TIMEOUT_NS, () -> "all applied: " + applied);
                assertEquals(range(1, 31), applied, "every event once, in order, after two retries");
                assertEquals(2, runner.errors());
                assertEquals(2, warnings.size());
            }
        }
    }

    @Test
    void shouldSkipARefusedEventRecordItAndNotSeeItAgainAfterARestart() throws Exception
    {
        final File checkpoints = new File(dir, "cp");
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            for (int i = 0; i < 30; i++)
            {
                add(engine, i, 0);
            }
            final List<Long> seen = new CopyOnWriteArrayList<>();
            final Projection poisoned = (event) ->
            {
                if (event.sequence() == 12)
                {
                    throw new IllegalArgumentException("poison");
                }
                seen.add(event.sequence());
            };
            try (ProjectionRunner runner = ProjectionRunner.launch(context(engine, checkpoints, poisoned)
                .errorStrategy(ProjectionRunner.ErrorStrategy.SKIP).batchSize(1)))
            {
                Await.until(() -> null != runner.checkpoint() && runner.checkpoint().entrySequence() == 30,
                    TIMEOUT_NS, "went on past the poison");
                assertEquals(1, runner.skipped());
            }
            final List<Long> expected = range(1, 31);
            expected.remove(Long.valueOf(12));
            assertEquals(expected, seen);
            final List<String> skipLog = Files.readAllLines(new File(checkpoints, "poison.skipped").toPath(),
                StandardCharsets.UTF_8);
            assertEquals(1, skipLog.size());
            assertTrue(skipLog.get(0).startsWith("12 ") && skipLog.get(0).contains("poison"), skipLog.get(0));

            new FileCheckpointStore(checkpoints).store("poison", Checkpoint.NONE);
            seen.clear();
            try (ProjectionRunner runner = ProjectionRunner.launch(context(engine, checkpoints, poisoned)
                .errorStrategy(ProjectionRunner.ErrorStrategy.SKIP)))
            {
                Await.until(() -> null != runner.checkpoint() && runner.checkpoint().entrySequence() == 30,
                    TIMEOUT_NS, "replayed from the start");
                assertEquals(1, runner.skipped(), "the skip log is read back: the event is not tried again");
            }
            assertEquals(expected, seen);
        }
    }

    /**
     * SKIP is for events the handler refuses: a sink that cannot start a batch (its server is down) is retried, and
     * the event that happened to come first is not skipped.
     */
    @Test
    void shouldRetryABatchThatCannotStartRatherThanSkipAnEvent() throws Exception
    {
        final File checkpoints = new File(dir, "cp");
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            for (int i = 0; i < 10; i++)
            {
                add(engine, i, 0);
            }
            final AtomicInteger starts = new AtomicInteger();
            final List<Long> seen = new CopyOnWriteArrayList<>();
            final Projection unavailable = new Projection()
            {
                @Override
                public void onBatchStart()
                {
                    if (starts.incrementAndGet() <= 2)
                    {
                        throw new IllegalStateException("the sink's server is down");
                    }
                }

                @Override
                public void onEvent(final JournalEvents event)
                {
                    seen.add(event.sequence());
                }
            };
            try (ProjectionRunner runner = ProjectionRunner.launch(context(engine, checkpoints, unavailable)
                .errorStrategy(ProjectionRunner.ErrorStrategy.SKIP)))
            {
                Await.until(() -> null != runner.checkpoint() && runner.checkpoint().entrySequence() == 10,
                    TIMEOUT_NS, "caught up once the sink came back");
                assertEquals(0, runner.skipped(), "nothing skipped");
            }
            assertEquals(range(1, 11), seen);
            assertTrue(starts.get() > 2, "the batch was retried");
            assertTrue(!new File(checkpoints, "poison.skipped").exists(), "no skip log");
        }
    }

    @Test
    void shouldStopForGoodOnAFatalErrorWhateverTheStrategy() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            for (int i = 0; i < 5; i++)
            {
                add(engine, i, 0);
            }
            final AtomicInteger calls = new AtomicInteger();
            final List<Throwable> reported = new CopyOnWriteArrayList<>();
            try (ProjectionRunner runner = ProjectionRunner.launch(context(engine, new File(dir, "cp"), (event) ->
            {
                calls.incrementAndGet();
                throw new SkeinException(SkeinException.Code.GENERIC, SkeinException.Category.FATAL,
                    "fenced by a newer runner", null);
            }).errorStrategy(ProjectionRunner.ErrorStrategy.RETRY).errorHandler(reported::add)))
            {
                Await.until(() -> runner.state() == ProjectionRunner.State.FAILED, TIMEOUT_NS, "failed for good");
                assertEquals(1, calls.get(), "not retried");
                assertEquals(1, reported.size());
                assertTrue(reported.get(0).getMessage().contains("fenced"), reported.get(0).getMessage());
            }
        }
    }

    @Test
    void shouldStopAtTheLastCheckpointWithStopStrategy() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            long stopAt = 0;
            for (int i = 0; i < 10; i++)
            {
                final CommandResult result = add(engine, i, 0);
                if (i == 4)
                {
                    stopAt = result.journalPosition();
                }
            }
            final List<Throwable> stops = new CopyOnWriteArrayList<>();
            try (ProjectionRunner runner = ProjectionRunner.launch(context(engine, new File(dir, "cp"), (event) ->
            {
                if (event.sequence() == 6)
                {
                    throw new IllegalStateException("stop here");
                }
            }).batchSize(1).errorStrategy(ProjectionRunner.ErrorStrategy.STOP).errorHandler(stops::add)))
            {
                Await.until(() -> runner.state() == ProjectionRunner.State.STOPPED, TIMEOUT_NS, "stopped");
                assertEquals(stopAt, runner.checkpoint().position(), "stopped after the last good entry");
                assertEquals(1, stops.size());
            }
        }
    }

    @Test
    void shouldRefuseSettingsThatCannotKeepTheirPromise() throws Exception
    {
        try (TestArchive archive = TestArchive.launch(dir); SkeinEngine engine = launch(archive))
        {
            final Projection plain = (event) -> seenByPlain();
            assertEquals(SkeinException.Code.CONFIGURATION, assertThrows(SkeinException.class,
                () -> ProjectionRunner.open(new ProjectionRunner.Context().name("p").source(EventSource.of(engine))
                .projection(plain))).code(), "at least once without anywhere durable to keep the checkpoint");
            assertEquals(SkeinException.Code.CONFIGURATION, assertThrows(SkeinException.class,
                () -> ProjectionRunner.open(new ProjectionRunner.Context().name("p").source(EventSource.of(engine))
                .projection(plain).delivery(ProjectionRunner.Delivery.EXACTLY_ONCE))).code(),
                "exactly once needs a sink that keeps the checkpoint");
            assertEquals(SkeinException.Code.BAD_INPUT, assertThrows(SkeinException.class,
                () -> ProjectionRunner.open(context(engine, new File(dir, "cp"), plain).name("../escape"))).code());
            assertEquals(SkeinException.Code.BAD_INPUT, assertThrows(SkeinException.class,
                () -> ProjectionRunner.open(context(engine, new File(dir, "cp"), plain).name("../escape")
                .checkpointStore(new CheckpointStore()
                {
                    public Checkpoint load(final String projection)
                    {
                        return Checkpoint.NONE;
                    }

                    public void store(final String projection, final Checkpoint checkpoint)
                    {
                        throw new AssertionError("never stored");
                    }
                }).errorStrategy(ProjectionRunner.ErrorStrategy.SKIP))).code(),
                "a name that would put the skip log outside its directory, whatever the checkpoint store");
        }
    }

    private static void seenByPlain()
    {
        throw new AssertionError("a projection refused at its start is given nothing");
    }

    private static List<Long> range(final long from, final long toExclusive)
    {
        final List<Long> values = new ArrayList<>();
        for (long i = from; i < toExclusive; i++)
        {
            values.add(i);
        }
        return values;
    }

    private static long counter(final CountersReader counters, final String label)
    {
        final long[] value = { Long.MIN_VALUE };
        counters.forEach((counterId, typeId, keyBuffer, counterLabel) ->
        {
            if (counterLabel.equals(label) && typeId == ProjectionRunner.PROJECTION_COUNTER_TYPE_ID)
            {
                value[0] = counters.getCounterValue(counterId);
            }
        });
        assertTrue(Long.MIN_VALUE != value[0], "no counter " + label);
        return value[0];
    }

    private ProjectionRunner.Context context(final SkeinEngine engine, final File checkpoints, final Projection p)
    {
        final String name = checkpoints.getName().equals("checkpoints") ? "balances" : "poison";
        return new ProjectionRunner.Context()
            .name(name)
            .source(EventSource.of(engine))
            .projection(p)
            .checkpointDir(checkpoints)
            .errorHandler((ex) ->
            {
                if (ex instanceof SkeinException && ((SkeinException)ex).category() ==
                    SkeinException.Category.WARNING)
                {
                    warnings.add(ex);
                }
                else
                {
                    errors.add(ex);
                }
            });
    }

    private SkeinEngine launch(final TestArchive archive)
    {
        return SkeinEngine.launch(new SkeinEngine.Context()
            .name("projected")
            .aggregate(TestAggregates.Tally::new)
            .errorHandler(errors::add)
            .journal(archive.journal()));
    }

    private CommandResult add(final SkeinEngine engine, final long aggregateId, final long amount) throws Exception
    {
        writer.wrap(buffer, 0).correlationId(aggregateId).aggregate(TestAggregates.TYPE_ID, aggregateId);
        writer.body(new AddEncoder()).amount(amount).repeat(1).behaviour(0).putNote(TestAggregates.NO_NOTE, 0, 0);
        final CommandResult result = engine.submit(buffer, 0, writer.length()).get(10, TimeUnit.SECONDS);
        assertEquals(Outcome.ACCEPTED, result.outcome(), result.toString());
        return result;
    }
}
