package io.skein.sink.kafka;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs the Kafka sink's load harness: tiny by default, as CI's check that it still works (the figures mean nothing
 * then); for figures, {@code mvn -B -pl sink-kafka surefire:test -Dtest=KafkaSinkHarnessTest
 * -Dskein.harness="100000 500 2000 10"} (commands, batch, rate, seconds), printed to the test's output.
 */
class KafkaSinkHarnessTest
{
    @Test
    void shouldRunTheHarness() throws Exception
    {
        final String[] args = System.getProperty("skein.harness", "2000 500 500 1").trim().split("\\s+");
        final String report = KafkaSinkHarness.run(Integer.parseInt(args[0]), Integer.parseInt(args[1]),
            Integer.parseInt(args[2]), Integer.parseInt(args[3]));
        System.out.println(report);
        assertTrue(report.contains("events/s") && report.contains("lag at"), report);
    }
}
