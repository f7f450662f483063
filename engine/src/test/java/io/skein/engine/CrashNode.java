package io.skein.engine;

import java.io.File;
import java.io.PrintStream;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.BufferedOutputStream;
import java.util.concurrent.TimeUnit;

import io.skein.codecs.Outcome;
import io.skein.engine.test.codecs.AddEncoder;
import io.skein.journal.EmbeddedArchive;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import io.skein.protocol.CommandWriter;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * The process a crash test kills: an engine on an embedded archive and journal, sending commands from
 * {@link #command} forever with a bounded number in flight. Before offering command i it prints and flushes
 * {@code S i}; when command i is acknowledged it prints {@code A i}. The parent kills it with SIGKILL.
 */
public final class CrashNode
{
    static final int AGGREGATES = 16;
    static final int MAX_IN_FLIGHT = 64;

    private CrashNode()
    {
    }

    static long amount(final long i)
    {
        return 1 + (i * 7919) % 1000;
    }

    static int repeat(final long i)
    {
        return 1 + (int)(i % 2);
    }

    static long aggregate(final long i)
    {
        return i % AGGREGATES;
    }

    static int command(
        final CommandWriter writer, final UnsafeBuffer buffer, final AddEncoder add, final long seed, final long i)
    {
        writer.wrap(buffer, 0).correlationId(i).aggregate(TestAggregates.TYPE_ID, aggregate(i))
            .idempotencyKey(seed, i + 1);
        writer.body(add).amount(amount(i)).repeat(repeat(i)).behaviour(0).putNote(TestAggregates.NO_NOTE, 0, 0);
        return writer.length();
    }

    public static void main(final String[] args) throws Exception
    {
        final File dir = new File(args[0]);
        final long seed = Long.parseLong(args[1]);
        final PrintStream out = new PrintStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.out)));
        final EmbeddedArchive archive = EmbeddedArchive.launch(new EmbeddedArchive.Context()
            .baseDir(dir).termLength(TestArchive.TERM_LENGTH).segmentFileLength(TestArchive.TERM_LENGTH * 16));
        final Journal journal = Journal.launch(new Journal.Context()
            .embeddedArchive(archive).journalDir(new File(dir, "journal")));
        final SkeinEngine engine = SkeinEngine.launch(new SkeinEngine.Context()
            .name("crash")
            .aggregate(TestAggregates.Tally::new)
            .journal(journal));

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

        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[256]);
        final CommandWriter writer = new CommandWriter();
        final AddEncoder add = new AddEncoder();
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
                Thread.onSpinWait();
            }
            final int length = command(writer, buffer, add, seed, i);
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
}
