package io.skein.examples;

import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import io.skein.aggregate.Aggregate;
import io.skein.codecs.Outcome;
import io.skein.engine.OfferResult;
import io.skein.engine.ReplyListener;
import io.skein.engine.SkeinEngine;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandResult;
import io.skein.protocol.CommandWriter;
import io.skein.testsupport.Await;
import io.skein.testsupport.ForkedJvm;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The load loop of the sample domains' crash nodes: the processes their crash tests kill with SIGKILL. It prints
 * {@code READY}, then before offering command i prints {@code S i} and, when i is accepted, {@code A i} (its
 * correlation id must be i), with a bounded number in flight, until the process is killed.
 */
public final class CrashLoad
{
    /**
     * How many commands may be in flight at once.
     */
    public static final int MAX_IN_FLIGHT = 32;

    /**
     * Writes command i, with correlation id i, into the buffer.
     */
    @FunctionalInterface
    public interface Commands
    {
        /**
         * @param writer to write the envelope and body with.
         * @param buffer to write into.
         * @param i      the command's number.
         * @return its length.
         */
        int write(CommandWriter writer, UnsafeBuffer buffer, long i);
    }

    private CrashLoad()
    {
    }

    /**
     * In a crash node: an engine of the aggregates on an embedded archive in the directory, with small terms.
     *
     * @param dir        of the archive and journal.
     * @param name       of the engine.
     * @param aggregates the engine holds.
     * @return the running engine; the process ends by being killed.
     */
    public static SkeinEngine launchEngine(
        final File dir, final String name, final List<Supplier<? extends Aggregate<?>>> aggregates)
    {
        final EmbeddedArchive archive = EmbeddedArchive.launch(new EmbeddedArchive.Context()
            .baseDir(dir).termLength(TestArchive.TERM_LENGTH).segmentFileLength(TestArchive.TERM_LENGTH * 16));
        final Journal journal = Journal.launch(new Journal.Context()
            .embeddedArchive(archive).journalDir(new File(dir, "journal")));
        final SkeinEngine.Context context = new SkeinEngine.Context().name(name).journal(journal);
        aggregates.forEach(context::aggregate);
        return SkeinEngine.launch(context);
    }

    /**
     * In a crash test: start a crash node in a JVM of its own, wait until its output shows enough accepted
     * commands (failing if it ends first), and kill it with SIGKILL.
     *
     * @param dir           for the node's archive, journal and output.
     * @param node          the node's main class, which takes the directory as its argument.
     * @param killAfterAcks how many accepted commands to wait for.
     * @return the commands the node printed as accepted before it died.
     * @throws Exception if the node cannot be started or killed.
     */
    public static BitSet runAndKill(final File dir, final Class<?> node, final int killAfterAcks) throws Exception
    {
        final File output = new File(dir, "node.out");
        try (ForkedJvm process = ForkedJvm.startWithOutputFile("node", dir, List.of("-Xmx256m"), node,
            dir.getAbsolutePath()))
        {
            Await.until(() ->
            {
                if (!process.isAlive())
                {
                    throw new AssertionError("node ended early; see " + dir + "/node.err");
                }
                return acked(output).cardinality() >= killAfterAcks;
            }, TimeUnit.SECONDS.toNanos(90), killAfterAcks + " acknowledgements");
            final int status = process.kill();
            if (status != 137)
            {
                throw new AssertionError("the node was not killed by SIGKILL: exit status " + status);
            }
        }
        return acked(output);
    }

    /**
     * Send a setup command and wait for it to be accepted.
     *
     * @param engine to send to.
     * @param buffer holding the command.
     * @param length of the command.
     * @param what   the command is, for the error.
     * @throws Exception if it is not accepted within 30 s.
     */
    public static void require(final SkeinEngine engine, final UnsafeBuffer buffer, final int length,
        final String what) throws Exception
    {
        final CommandResult result = engine.submit(buffer, 0, length).get(30, TimeUnit.SECONDS);
        if (result.outcome() != Outcome.ACCEPTED)
        {
            throw new IllegalStateException("could not " + what + ": " + result);
        }
    }

    /**
     * Offer command after command until the process is killed.
     *
     * @param engine   to offer to.
     * @param commands writes command i.
     */
    public static void offerForever(final SkeinEngine engine, final Commands commands)
    {
        final PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[512]);
        final CommandWriter writer = new CommandWriter();
        final long[] replied = new long[1];
        final ReplyListener listener = (reply) ->
        {
            if (reply.outcome() == Outcome.ACCEPTED)
            {
                synchronized (out)
                {
                    out.print("A ");
                    out.println(reply.correlationId());
                }
            }
            synchronized (replied)
            {
                replied[0]++;
            }
        };
        out.println("READY");
        out.flush();
        for (long i = 0; ; i++)
        {
            while (true)
            {
                synchronized (replied)
                {
                    if (i - replied[0] < MAX_IN_FLIGHT)
                    {
                        break;
                    }
                }
                LockSupport.parkNanos(20_000);
            }
            final int length = commands.write(writer, buffer, i);
            synchronized (out)
            {
                out.print("S ");
                out.println(i);
                out.flush();
            }
            if (engine.offer(buffer, 0, length, listener, TimeUnit.SECONDS.toNanos(30)) != OfferResult.OFFERED)
            {
                throw new IllegalStateException("could not offer command " + i);
            }
        }
    }

    /**
     * The commands a node printed as accepted: complete lines only, since a line torn by the kill was never acted
     * on.
     *
     * @param file the node's output.
     * @return the numbers of the accepted commands.
     */
    public static BitSet acked(final File file)
    {
        final BitSet acked = new BitSet();
        if (!file.exists())
        {
            return acked;
        }
        final String text;
        try
        {
            text = Files.readString(file.toPath(), StandardCharsets.US_ASCII);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
        final int end = text.lastIndexOf('\n');
        if (end < 0)
        {
            return acked;
        }
        for (final String line : text.substring(0, end).split("\n"))
        {
            if (line.startsWith("A "))
            {
                acked.set(Integer.parseInt(line.substring(2)));
            }
        }
        return acked;
    }
}
