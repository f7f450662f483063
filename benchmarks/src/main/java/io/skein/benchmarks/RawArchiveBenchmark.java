package io.skein.benchmarks;

import java.io.File;
import java.nio.file.Files;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.aeron.Aeron;
import io.aeron.ChannelUri;
import io.aeron.ExclusivePublication;
import io.aeron.archive.client.AeronArchive;
import io.aeron.archive.codecs.SourceLocation;
import io.aeron.archive.status.RecordingPos;
import io.skein.journal.EmbeddedArchive;
import org.agrona.CloseHelper;
import org.agrona.IoUtil;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.status.CountersReader;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The baseline for {@link JournaledBenchmark}: the same embedded archive recording an exclusive IPC publication, fed
 * messages of a journal entry's size from one thread, each batch awaited until recorded. No engine, no replies.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {
    "--add-opens", "java.base/jdk.internal.misc=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED" })
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RawArchiveBenchmark
{
    /**
     * A deposit's journal entry: header 8 + entry block 84 + group header 4 + event length 4 + event header 8 +
     * Deposited block 8.
     */
    static final int ACCOUNT_ENTRY_LENGTH = 116;

    @Param({ "account" })
    String workload;

    private final UnsafeBuffer message = new UnsafeBuffer(new byte[ACCOUNT_ENTRY_LENGTH]);
    private File dir;
    private EmbeddedArchive archive;
    private Aeron aeron;
    private AeronArchive client;
    private ExclusivePublication publication;
    private CountersReader counters;
    private int counterId;

    /**
     * Start the archive and a recorded publication.
     *
     * @throws Exception if the directory cannot be made.
     */
    @Setup
    public void setup() throws Exception
    {
        dir = Files.createTempDirectory("skein-bench-archive").toFile();
        archive = EmbeddedArchive.launch(new EmbeddedArchive.Context().baseDir(dir).termLength(16 * 1024 * 1024)
            .segmentFileLength(256 * 1024 * 1024));
        aeron = Aeron.connect(new Aeron.Context().aeronDirectoryName(archive.aeronDirectoryName()));
        client = AeronArchive.connect(new AeronArchive.Context().aeron(aeron).controlRequestChannel("aeron:ipc")
            .controlResponseChannel("aeron:ipc"));
        final String channel = "aeron:ipc?term-length=16m";
        publication = aeron.addExclusivePublication(channel, 77);
        client.startRecording(ChannelUri.addSessionId(channel, publication.sessionId()), 77, SourceLocation.LOCAL,
            true);
        counters = aeron.countersReader();
        int id;
        while (CountersReader.NULL_COUNTER_ID ==
            (id = RecordingPos.findCounterIdBySession(counters, publication.sessionId(), client.archiveId())))
        {
            Thread.onSpinWait();
        }
        counterId = id;
        message.setMemory(0, ACCOUNT_ENTRY_LENGTH, (byte)7);
    }

    /**
     * Stop everything and delete the directory.
     */
    @TearDown
    public void tearDown()
    {
        CloseHelper.closeAll(publication, client, aeron, archive);
        IoUtil.delete(dir, true);
    }

    /**
     * Offer a batch of entry-sized messages and wait until the archive has recorded them.
     *
     * @return the recorded position.
     */
    @Benchmark
    @OperationsPerInvocation(EngineBenchmark.BATCH)
    public long record()
    {
        long position = 0;
        for (int i = 0; i < EngineBenchmark.BATCH; i++)
        {
            while ((position = publication.offer(message, 0, ACCOUNT_ENTRY_LENGTH)) < 0)
            {
                LockSupport.parkNanos(1);
            }
        }
        long recorded;
        while ((recorded = counters.getCounterValue(counterId)) < position)
        {
            Thread.yield();
        }
        return recorded;
    }
}
