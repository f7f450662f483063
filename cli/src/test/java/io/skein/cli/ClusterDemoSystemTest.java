package io.skein.cli;

import java.io.File;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code skein demo --cluster}: three member processes, the leader killed with SIGKILL mid-load, a new leader, and
 * the state after the failover what was acknowledged; the processes and the temporary directory gone afterwards.
 */
class ClusterDemoSystemTest
{
    @Test
    void shouldKillTheLeaderMidLoadAndKeepEveryAcknowledgedDeposit()
    {
        final CliRun demo = assertTimeoutPreemptively(Duration.ofSeconds(150),
            () -> CliRun.run("demo", "--cluster", "--rate", "1000", "--seconds", "4"));
        final String output = demo.out;
        System.out.println(output);
        assertEquals(0, demo.exitCode, demo.toString());
        assertTrue(output.contains(" role LEADER"), output);
        assertTrue(output.contains("Killing the leader, member "), output);
        assertTrue(output.matches("(?s).*New leader: member \\d, elected [\\d,]+ ms after the kill.*"), output);
        assertTrue(output.contains("Cluster: "), output);
        assertFalse(output.contains("FAILED"), output);
        final String last = output.trim().lines().reduce((first, second) -> second).orElse("");
        assertTrue(last.startsWith("PASS: "), last);

        final Matcher dir = Pattern.compile("directories in (\\S+)").matcher(output);
        assertTrue(dir.find(), output);
        assertFalse(new File(dir.group(1)).exists(), "the temporary directory is removed: " + dir.group(1));
    }
}
