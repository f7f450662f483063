package io.skein.cli;

import java.io.File;
import java.util.Map;

import org.agrona.DirectBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code skein journal dump --from} at positions that are not entry starts, and {@code skein journal verify} on a
 * journal holding events the tool's domains cannot decode, against journals written straight into a node directory.
 */
class JournalCommandSystemTest
{
    private static final int BANK_TYPE_ID = 1;
    private static final int BANK_SCHEMA_ID = 7001;
    private static final int UNKNOWN_TYPE_ID = 77;

    @TempDir
    File dir;

    @Test
    void shouldNameTheNearestEntryStartsWhenDumpStartsInsideAnEntry()
    {
        final long first;
        final long second;
        final long third;
        final long end;
        try (TestJournalWriter writer = new TestJournalWriter(dir))
        {
            first = 0;
            second = writer.append(BANK_TYPE_ID, 42, opened());
            // Bigger than one frame (the IPC MTU is 1,408 bytes): a frame starts at second + 1408, inside it.
            third = writer.append(BANK_TYPE_ID, 43, TestJournalWriter.rawEvent(BANK_SCHEMA_ID, 11, 3_000));
            end = writer.append(BANK_TYPE_ID, 42, deposited());
            writer.awaitDurable(end);
        }
        final String path = dir.getAbsolutePath();

        final CliRun fromSecond = CliRun.run("journal", "dump", "--dir", path, "--from", Long.toString(second));
        assertEquals(0, fromSecond.exitCode, fromSecond.toString());
        assertTrue(fromSecond.out.contains("@" + second + ".." + third + " #2 "), fromSecond.out);
        assertFalse(fromSecond.out.contains(" #1 "), fromSecond.out);

        assertNotEntryStart(path, first + 8, first, second);
        assertNotEntryStart(path, second + 32, second, third);
        assertNotEntryStart(path, second + 1_408, second, third);
        final CliRun inLast = dump(path, end - 32);
        assertNotEquals(0, inLast.exitCode, inLast.toString());
        assertOneLine(inLast, "skein: --from " + (end - 32) + " is not where a journal entry starts: the nearest " +
            "entry start before it is " + third + ", and no entry starts after it (the last entry ends at " + end +
            ")");

        final CliRun atEnd = dump(path, end);
        assertEquals(0, atEnd.exitCode, atEnd.toString());
        assertFalse(atEnd.out.contains(" #"), atEnd.out);

        final CliRun beyond = dump(path, end + 64);
        assertNotEquals(0, beyond.exitCode, beyond.toString());
        assertOneLine(beyond, "skein: --from " + (end + 64) + " is beyond the journal's end: the journal's " +
            "positions run from 0 to " + end);

        final CliRun negative = dump(path, -1);
        assertNotEquals(0, negative.exitCode, negative.toString());
        assertOneLine(negative, "skein: --from -1 is negative: the journal's positions run from 0 to " + end);
    }

    @Test
    void shouldNotReportOkWhenEventsOfAnUnknownAggregateTypeCannotBeDecoded()
    {
        try (TestJournalWriter writer = new TestJournalWriter(dir))
        {
            writer.append(BANK_TYPE_ID, 42, opened());
            writer.append(UNKNOWN_TYPE_ID, 1, TestJournalWriter.rawEvent(900, 5, 16),
                TestJournalWriter.rawEvent(900, 6, 16));
            writer.awaitDurable(writer.append(UNKNOWN_TYPE_ID, 2, TestJournalWriter.rawEvent(900, 5, 16)));
        }
        final CliRun verify = CliRun.run("journal", "verify", "--dir", dir.getAbsolutePath());
        assertEquals(4, verify.exitCode, verify.toString());
        assertFalse(verify.out.contains("OK"), verify.out);
        final String last = lastLine(verify.out);
        assertEquals("NOT VERIFIED: 3 of 4 events do not decode with the aggregate types on the classpath: " +
            "aggregate type 77, unknown (3 events); entries, sequences and versions are consistent (3 entries, " +
            "2 aggregate types, 3 aggregates)", last);
    }

    @Test
    void shouldNameUnknownTemplatesAndTypesWithTheirCountsAndReadOnToTheEnd()
    {
        try (TestJournalWriter writer = new TestJournalWriter(dir))
        {
            writer.append(BANK_TYPE_ID, 42, opened());
            writer.append(BANK_TYPE_ID, 42, TestJournalWriter.rawEvent(BANK_SCHEMA_ID, 99, 8));
            writer.append(UNKNOWN_TYPE_ID, 1, TestJournalWriter.rawEvent(900, 5, 16));
            writer.append(BANK_TYPE_ID, 42, TestJournalWriter.rawEvent(BANK_SCHEMA_ID, 99, 8), deposited(),
                TestJournalWriter.rawEvent(BANK_SCHEMA_ID, 98, 8));
            writer.awaitDurable(writer.append(BANK_TYPE_ID, 42, deposited()));
        }
        final CliRun verify = CliRun.run("journal", "verify", "--dir", dir.getAbsolutePath());
        assertEquals(4, verify.exitCode, verify.toString());
        assertFalse(verify.out.contains("OK"), verify.out);
        assertEquals("NOT VERIFIED: 4 of 7 events do not decode with the aggregate types on the classpath: " +
            "account (type 1) template 98, not in its schema (1 event); account (type 1) template 99, not in its " +
            "schema (2 events); aggregate type 77, unknown (1 event); entries, sequences and versions are " +
            "consistent (5 entries, 2 aggregate types, 2 aggregates)", lastLine(verify.out));
    }

    @Test
    void shouldStillReportOkWhenEveryEventDecodes()
    {
        try (TestJournalWriter writer = new TestJournalWriter(dir))
        {
            writer.append(BANK_TYPE_ID, 42, opened());
            writer.awaitDurable(writer.append(BANK_TYPE_ID, 42, deposited(), deposited()));
        }
        final CliRun verify = CliRun.run("journal", "verify", "--dir", dir.getAbsolutePath());
        assertEquals(0, verify.exitCode, verify.toString());
        assertTrue(lastLine(verify.out).startsWith("OK: 2 entries, 3 events, 1 aggregate, in "), verify.out);
    }

    private static DirectBuffer opened()
    {
        return TestJournalWriter.bankEvent("AccountOpened", Map.of("ownerId", "7", "initialBalance", "100"));
    }

    private static DirectBuffer deposited()
    {
        return TestJournalWriter.bankEvent("Deposited", Map.of("amount", "5"));
    }

    private static CliRun dump(final String path, final long from)
    {
        return CliRun.run("journal", "dump", "--dir", path, "--from", Long.toString(from));
    }

    private static void assertNotEntryStart(final String path, final long from, final long before, final long after)
    {
        final CliRun run = dump(path, from);
        assertNotEquals(0, run.exitCode, run.toString());
        assertOneLine(run, "skein: --from " + from + " is not where a journal entry starts: the nearest entry " +
            "starts are " + before + " (before it) and " + after + " (after it)");
    }

    private static void assertOneLine(final CliRun run, final String expected)
    {
        assertEquals(expected, run.err.trim(), run.toString());
        assertFalse(run.out.contains(" #"), "no entry printed: " + run.out);
    }

    private static String lastLine(final String text)
    {
        final String[] lines = text.trim().split("\\R");
        return lines[lines.length - 1].trim();
    }
}
