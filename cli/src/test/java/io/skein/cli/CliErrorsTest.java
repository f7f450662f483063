package io.skein.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliErrorsTest
{
    @Test
    void shouldExitNonZeroWithNoCommand()
    {
        final CliRun none = CliRun.run();
        assertNotEquals(0, none.exitCode, none.toString());
        assertTrue(none.err.contains("no command given"), none.err);
    }

    @Test
    void shouldAnswerAMissingOptionInOneLineWithAHint()
    {
        final CliRun missing = CliRun.run("journal", "verify");
        assertEquals(2, missing.exitCode, missing.toString());
        final String err = missing.err.trim();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.startsWith("skein: Missing required option: '--dir=<dir>'") &&
            err.endsWith("(see skein journal verify --help)"), err);
    }
}
