package io.skein.sink.postgres;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the PostgreSQL load harness: by default tiny, as CI's check that it still works end to end (the figures mean
 * nothing then); with {@code -Dskein.harness="DEPOSITS RATE SECONDS"} for real figures, printed to the test's output:
 * {@code mvn -B -pl sink-postgres surefire:test -Dtest=PostgresSinkHarnessTest -Dskein.harness="200000 2000 10"}.
 */
class PostgresSinkHarnessTest
{
    @Test
    void shouldRunTheHarness() throws Exception
    {
        final String[] args = System.getProperty("skein.harness", "2000 500 1").trim().split("\\s+");
        final String report = PostgresSinkHarness.run(Integer.parseInt(args[0]), Integer.parseInt(args[1]),
            Integer.parseInt(args[2]));
        System.out.println(report);
        assertTrue(report.contains("rows/s") && report.contains("projection lag"), report);
    }
}
