package io.skein.cli;

import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.skein.codecs.Outcome;
import io.skein.engine.SyncCaller;
import io.skein.examples.bank.BankAccount;
import io.skein.examples.bank.codecs.DepositEncoder;
import io.skein.examples.bank.codecs.OpenAccountEncoder;
import io.skein.examples.bank.codecs.TransferEncoder;
import io.skein.examples.orderbook.OrderBook;
import io.skein.examples.orderbook.codecs.PlaceFundedLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceLimitOrderEncoder;
import io.skein.examples.orderbook.codecs.PlaceMarketOrderEncoder;
import io.skein.examples.orderbook.codecs.Side;
import io.skein.node.SkeinNode;
import io.skein.protocol.CommandWriter;
import io.skein.protocol.Reply;
import io.skein.protocol.SkeinProtocol;
import io.skein.testsupport.ForkedJvm;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The journal read from C++: {@code skein_journal_dump.cpp}, built here with the machine's g++ against the C++
 * codecs the build generated, must print exactly what {@code skein journal dump} prints for the same directory, and
 * refuse an entry whose bytes were changed.
 */
class JournalCppDumpTest
{
    private static final long TIMEOUT_NS = TimeUnit.SECONDS.toNanos(30);
    private static final int TERM_LENGTH = 64 * 1024;
    private static final Path FROZEN = Path.of("..", "cli", "src", "test", "resources", "frozen");
    private static final Path SOURCES = Path.of("src", "main", "cpp");
    private static final Pattern ENTRY =
        Pattern.compile("^@(\\d+)\\.\\.(\\d+) #\\d+ \\S+ \\S+ v(\\d+)(?:-(\\d+))? ", Pattern.MULTILINE);

    private static File dumpProgram;
    private static File everyKindProgram;

    @TempDir
    File dir;

    @BeforeAll
    static void compile() throws Exception
    {
        final File build = new File(System.getProperty("skein.cpp.build", "target/cpp"));
        assertTrue(build.isDirectory() || build.mkdirs(), "cannot make " + build);
        dumpProgram = new File(build, "skein-journal-dump");
        gxx(System.getProperty("skein.cpp.generated", "target/generated-sources/cpp"),
            SOURCES.resolve("skein_journal_dump.cpp").toString(), dumpProgram);
        everyKindProgram = new File(build, "every-kind");
        gxx(System.getProperty("skein.cpp.test.generated", "target/generated-test-sources/cpp"),
            Path.of("src", "test", "cpp", "every_kind.cpp").toString(), everyKindProgram);
    }

    @Test
    void everyFrozenJournalDumpsFromCppAsItDidFromJava() throws Exception
    {
        final List<Path> versions;
        try (Stream<Path> listing = Files.list(FROZEN))
        {
            versions = listing.filter(Files::isDirectory).sorted().toList();
        }
        assertTrue(!versions.isEmpty(), "no frozen journals under " + FROZEN.toAbsolutePath());
        for (final Path frozen : versions)
        {
            final File node = new File(dir, frozen.getFileName().toString());
            FrozenJournalSystemTest.unzip(frozen.resolve("node.zip").toFile(), node);
            final Run cpp = Run.of(dumpProgram.getPath(), "--dir", node.getPath(), "--limit", "0");
            assertEquals(0, cpp.exitCode, frozen + ": " + cpp);
            assertEquals(Files.readString(frozen.resolve("dump.txt")), cpp.out,
                frozen + ": the C++ dump differs from the Java dump recorded when the journal was written");
            assertEquals(javaDump(node, "0"), cpp.out, frozen + ": the C++ dump differs from today's Java dump");
        }
    }

    @Test
    void aJournalOfManySegmentsWithPaddingAndFragmentedEntriesDumpsTheSame() throws Exception
    {
        final File node = new File(dir, "node");
        writeJournal(node);
        final Run cpp = Run.of(dumpProgram.getPath(), "--dir", node.getPath(), "--limit", "0");
        assertEquals(0, cpp.exitCode, cpp.toString());
        assertEquals(javaDump(node, "0"), cpp.out);

        final File[] segments = new File(node, "archive").listFiles((file, name) -> name.startsWith("0-"));
        assertTrue(null != segments && segments.length >= 3, "the journal spans at least three segment files");
        final Matcher entries = ENTRY.matcher(cpp.out);
        boolean fragmented = false;
        boolean afterPadding = false;
        while (entries.find())
        {
            final long start = Long.parseLong(entries.group(1));
            final long end = Long.parseLong(entries.group(2));
            final long events = null == entries.group(4) ? 1 :
                Long.parseLong(entries.group(4)) - Long.parseLong(entries.group(3)) + 1;
            fragmented |= events >= 41 && end - start > 1408;
            afterPadding |= start / TERM_LENGTH != (end - 1) / TERM_LENGTH;
        }
        assertTrue(fragmented, "an entry longer than one frame (reassembled from fragments) was dumped");
        assertTrue(cpp.out.contains("TransferReceived{fromAccountId=1, amount=10} (account:4 v"),
            "entries of transfers, changing two accounts, were dumped");
        assertTrue(cpp.out.contains("FundsReserved{reference=") &&
            cpp.out.contains("SettlementReceived{reference=") && cpp.out.contains("(account:104 v"),
            "entries of funded orders, changing a book and accounts, were dumped");
        assertTrue(afterPadding, "an entry after a term's padding frame was dumped");

        for (final String limit : List.of("1", "7", "100"))
        {
            final Run limited = Run.of(dumpProgram.getPath(), "--dir", node.getPath(), "--limit", limit);
            assertEquals(0, limited.exitCode, limited.toString());
            assertEquals(javaDump(node, limit), limited.out, "--limit " + limit);
        }
    }

    @Test
    void aKilledNodesJournalWithNoStopPositionDumpsToItsLastFrame() throws Exception
    {
        final File node = new File(dir, "killed");
        final String ingress = "aeron:udp?endpoint=localhost:" + freeUdpPort();
        try (ForkedJvm running = ForkedJvm.start("node", dir, List.of("-Xmx256m"), SkeinCli.class, "node",
            "--dir", node.getPath(), "--ingress", ingress, "--term-length", String.valueOf(TERM_LENGTH)))
        {
            running.awaitLine((line) -> line.contains(NodeCommand.READY), TimeUnit.SECONDS.toNanos(60));
            final CliRun load = CliRun.run("load", "--ingress", ingress, "--workload", "ORDERBOOK", "--rate", "0",
                "--count", "3000", "--warmup", "0", "--aggregates", "4");
            assertEquals(0, load.exitCode, load.toString());
            running.kill();
        }
        assertEquals(-1L, catalogStopPosition(node), "a killed node's recording has no stop position");

        final Run cpp = Run.of(dumpProgram.getPath(), "--dir", node.getPath(), "--limit", "0");
        assertEquals(0, cpp.exitCode, cpp.toString());
        assertTrue(cpp.out.lines().count() > 3000, "every acknowledged command's entry is there");
        assertEquals(javaDump(node, "0"), cpp.out);
    }

    /**
     * Every byte of every entry of the frozen journal, flipped in turn: the C++ reader either refuses the journal,
     * naming the entry's position, or (a byte it does not depend on, such as a frame's session id) prints exactly
     * the original dump. Never a different dump.
     */
    @Test
    void everyFlippedByteIsRefusedOrChangesNothing() throws Exception
    {
        final Path frozen = FROZEN.resolve("v6");
        final File node = new File(dir, "flipped");
        FrozenJournalSystemTest.unzip(frozen.resolve("node.zip").toFile(), node);
        final String expected = Files.readString(frozen.resolve("dump.txt"));
        final long stop = Long.parseLong(expected.lines().findFirst().orElseThrow()
            .replaceAll(".* to ", "").replace(",", ""));
        final File segment = new File(node, "archive/0-0.rec");
        int refused = 0;
        int harmless = 0;
        try (RandomAccessFile file = new RandomAccessFile(segment, "rw"))
        {
            for (long position = 0; position < stop; position++)
            {
                file.seek(position);
                final int original = file.read();
                file.seek(position);
                file.write(original ^ 0x10);
                final Run cpp = Run.of(dumpProgram.getPath(), "--dir", node.getPath(), "--limit", "0");
                file.seek(position);
                file.write(original);
                if (cpp.exitCode == 0)
                {
                    assertEquals(expected, cpp.out, "byte " + position + " flipped changed the dump without an error");
                    harmless++;
                }
                else
                {
                    assertEquals(2, cpp.exitCode, "byte " + position + ": " + cpp);
                    assertTrue(cpp.err.contains("position"), "byte " + position + ": " + cpp.err);
                    refused++;
                }
            }
        }
        assertEquals(stop, refused + harmless);
        assertTrue(refused > harmless * 4, refused + " refused, " + harmless + " harmless: the checks are too weak");
        final Run clean = Run.of(dumpProgram.getPath(), "--dir", node.getPath(), "--limit", "0");
        assertEquals(expected, clean.out, "the segment file is restored");
    }

    @Test
    void aChangedChecksumIsNamedWithItsEntry() throws Exception
    {
        final File node = new File(dir, "corrupt");
        FrozenJournalSystemTest.unzip(FROZEN.resolve("v6").resolve("node.zip").toFile(), node);
        try (RandomAccessFile file = new RandomAccessFile(new File(node, "archive/0-0.rec"), "rw"))
        {
            // The second entry's event: frame header 32, entry header 8, block 96, group header 4, length 4.
            final long position = 192 + 32 + 8 + 96 + 4 + 4 + 8;
            file.seek(position);
            final int original = file.read();
            file.seek(position);
            file.write(original + 1);
        }
        final Run cpp = Run.of(dumpProgram.getPath(), "--dir", node.getPath(), "--limit", "0");
        assertEquals(2, cpp.exitCode, cpp.toString());
        assertTrue(cpp.err.contains("entry at position 192: checksum mismatch"), cpp.err);
        final CliRun verify = CliRun.run("journal", "verify", "--dir", node.getPath());
        assertTrue(verify.exitCode != 0, "the Java tools refuse it too: " + verify);
    }

    @Test
    void badArgumentsAreExplained() throws Exception
    {
        final Run none = Run.of(dumpProgram.getPath());
        assertEquals(1, none.exitCode);
        assertTrue(none.err.contains("--dir is required") && none.err.contains("usage:"), none.err);
        final Run badLimit = Run.of(dumpProgram.getPath(), "--dir", dir.getPath(), "--limit", "ten");
        assertEquals(1, badLimit.exitCode);
        assertTrue(badLimit.err.contains("--limit takes a count of 0 or more, not ten"), badLimit.err);
        final Run missing = Run.of(dumpProgram.getPath(), "--dir", new File(dir, "none").getPath());
        assertEquals(2, missing.exitCode);
        assertTrue(missing.err.contains("no journal: cannot read"), missing.err);
    }

    /**
     * Every kind of field SBE has, rendered by the generated C++ and by the Java tools' on-the-fly renderer from the
     * same bytes: the same text, message for message.
     */
    @Test
    void cppAndJavaRenderEveryKindOfFieldAlike() throws Exception
    {
        final File messages = new File(dir, "every-kind.bin");
        final Run cpp = Run.of(everyKindProgram.getPath(), messages.getPath());
        assertEquals(0, cpp.exitCode, cpp.toString());
        final List<String> cppLines = cpp.out.lines().toList();
        final SchemaText schema = SchemaText.load("io/skein/cpp/every-kind.xml");
        final ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(messages.toPath())).order(ByteOrder.LITTLE_ENDIAN);
        final List<String> javaLines = new ArrayList<>();
        while (bytes.hasRemaining())
        {
            final int length = bytes.getInt();
            final UnsafeBuffer message = new UnsafeBuffer(new byte[length]);
            bytes.get(message.byteArray());
            javaLines.add(schema.decode(message, 0, length));
        }
        assertEquals(202, javaLines.size());
        for (int i = 0; i < javaLines.size(); i++)
        {
            assertEquals(javaLines.get(i), cppLines.get(i), "message " + i);
        }
        assertTrue(cppLines.get(0).contains("u64=18446744073709551615"), cppLines.get(0));
        assertTrue(!cppLines.get(9).contains("added="),
            "a version-1 message leaves out the field of version 2: " + cppLines.get(9));
        assertTrue(cppLines.get(8).contains("added=56"), cppLines.get(8));
    }

    private void writeJournal(final File node)
    {
        final SkeinNode.Context ctx = new SkeinNode.Context().dir(node)
            .ingressChannel("aeron:udp?endpoint=localhost:" + freeUdpPort());
        ctx.archiveContext().termLength(TERM_LENGTH).segmentFileLength(TERM_LENGTH);
        ctx.engineContext().snapshotOnClose(false);
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[1024]);
        final CommandWriter writer = new CommandWriter();
        try (SkeinNode running = SkeinNode.launch(ctx))
        {
            final SyncCaller caller = running.engine().newSyncCaller();
            long correlationId = 0;
            for (int account = 1; account <= 20; account++)
            {
                writer.wrap(buffer, 0).correlationId(++correlationId).aggregate(BankAccount.TYPE_ID, account)
                    .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
                writer.body(new OpenAccountEncoder()).ownerId(account * 10).initialDeposit(account);
                accept(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
            }
            for (int account = 101; account <= 104; account++)
            {
                // Two traders' base and quote accounts, for funded orders.
                writer.wrap(buffer, 0).correlationId(++correlationId).aggregate(BankAccount.TYPE_ID, account)
                    .expectedVersion(SkeinProtocol.NEW_AGGREGATE);
                writer.body(new OpenAccountEncoder()).ownerId(account <= 102 ? 1000 : 1001).initialDeposit(1_000_000);
                accept(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
            }
            final PlaceFundedLimitOrderEncoder funded = new PlaceFundedLimitOrderEncoder();
            final DepositEncoder deposit = new DepositEncoder();
            final TransferEncoder transfer = new TransferEncoder();
            final PlaceLimitOrderEncoder limit = new PlaceLimitOrderEncoder();
            final PlaceMarketOrderEncoder market = new PlaceMarketOrderEncoder();
            long orderId = 0;
            for (int round = 0; round < 30; round++)
            {
                for (int i = 0; i < 40; i++)
                {
                    writer.wrap(buffer, 0).correlationId(++correlationId)
                        .aggregate(BankAccount.TYPE_ID, 1 + (i % 20)).idempotencyKey(round, i + 1);
                    writer.body(deposit).amount(round * 100 + i + 1);
                    accept(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
                }
                // A transfer: one entry changing two accounts, each event naming its own.
                writer.wrap(buffer, 0).correlationId(++correlationId)
                    .aggregate(BankAccount.TYPE_ID, 1 + (round % 20));
                writer.body(transfer).toAccountId(1 + ((round + 3) % 20)).amount(10).toExpectedVersion(-1);
                accept(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
                // Forty resting sells, then one market buy that takes them all: an entry of 41 events, in fragments.
                for (int i = 0; i < 40; i++)
                {
                    writer.wrap(buffer, 0).correlationId(++correlationId).aggregate(OrderBook.TYPE_ID, 1);
                    writer.body(limit).orderId(++orderId).traderId(i).side(Side.SELL).price(1000 + i).quantity(2);
                    accept(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
                }
                writer.wrap(buffer, 0).correlationId(++correlationId).causationId(correlationId - 1)
                    .aggregate(OrderBook.TYPE_ID, 1);
                writer.body(market).orderId(++orderId).traderId(99).side(Side.BUY).quantity(80);
                accept(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
                // A funded buy that rests, reserving on an account, then a funded sell that fills it: an entry of
                // the book's and four accounts' events.
                writer.wrap(buffer, 0).correlationId(++correlationId).aggregate(OrderBook.TYPE_ID, 2);
                writer.body(funded).orderId(++orderId).traderId(1000).side(Side.BUY).price(50).quantity(3)
                    .baseAccountId(101).quoteAccountId(102);
                accept(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
                writer.wrap(buffer, 0).correlationId(++correlationId).aggregate(OrderBook.TYPE_ID, 2);
                writer.body(funded).orderId(++orderId).traderId(1001).side(Side.SELL).price(49).quantity(3)
                    .baseAccountId(103).quoteAccountId(104);
                accept(caller.call(buffer, 0, writer.length(), TIMEOUT_NS));
            }
        }
    }

    private static void accept(final Reply reply)
    {
        assertEquals(Outcome.ACCEPTED, reply.outcome(),
            () -> "rejected: " + reply.reason() + " code " + reply.rejectCode());
    }

    private static long catalogStopPosition(final File node) throws IOException
    {
        final ByteBuffer catalog = ByteBuffer.wrap(Files.readAllBytes(new File(node, "archive/archive.catalog")
            .toPath())).order(ByteOrder.LITTLE_ENDIAN);
        // The first descriptor follows the 32-byte catalog header and its own 32-byte header; stopPosition at 48.
        return catalog.getLong(32 + 32 + 48);
    }

    private static String javaDump(final File node, final String limit)
    {
        final CliRun dump = CliRun.run("journal", "dump", "--dir", node.getPath(), "--limit", limit);
        assertEquals(0, dump.exitCode, dump.toString());
        return dump.out;
    }

    private static void gxx(final String includeDir, final String source, final File output) throws Exception
    {
        try
        {
            Run.of("g++", "--version");
        }
        catch (final IOException ex)
        {
            throw new AssertionError("the C++ journal reader's tests need g++, a C++17 compiler, on the PATH " +
                "(Debian and Ubuntu: apt-get install g++): " + ex.getMessage(), ex);
        }
        final Run compiled = Run.of("g++", "-std=c++17", "-O1", "-Wall", "-Wextra", "-Werror", "-I", includeDir,
            source, "-o", output.getPath());
        assertEquals(0, compiled.exitCode, "g++ " + source + ": " + compiled);
    }

    private static int freeUdpPort()
    {
        try (DatagramSocket socket = new DatagramSocket(0))
        {
            return socket.getLocalPort();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException(ex);
        }
    }

    /**
     * A program run to its end, with what it printed.
     */
    private record Run(int exitCode, String out, String err)
    {
        static Run of(final String... command) throws IOException, InterruptedException
        {
            final File out = File.createTempFile("skein-cpp", ".out");
            final File err = File.createTempFile("skein-cpp", ".err");
            try
            {
                final Process process = new ProcessBuilder(command).redirectOutput(out).redirectError(err).start();
                if (!process.waitFor(120, TimeUnit.SECONDS))
                {
                    process.destroyForcibly();
                    throw new AssertionError(String.join(" ", command) + " did not finish within 120 s");
                }
                return new Run(process.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
                    Files.readString(err.toPath(), StandardCharsets.UTF_8));
            }
            finally
            {
                Files.deleteIfExists(out.toPath());
                Files.deleteIfExists(err.toPath());
            }
        }

        @Override
        public String toString()
        {
            return "exit " + exitCode + "\nout:\n" + out + "\nerr:\n" + err;
        }
    }
}
