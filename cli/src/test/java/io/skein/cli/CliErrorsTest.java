package io.skein.cli;

import java.io.File;
import java.nio.file.Files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    @Test
    void shouldRefuseNegativePositionsAndPolicyValuesInOneLine(@TempDir final File dir)
    {
        final CliRun state = CliRun.run("state", "--dir", dir.getAbsolutePath(), "--as-of-position", "-5");
        assertEquals(1, state.exitCode, state.toString());
        assertEquals("skein: --as-of-position must not be negative: -5", state.err.trim());
        final CliRun admin = CliRun.run("admin", "state", "--as-of-position", "-5");
        assertEquals("skein: --as-of-position must not be negative: -5", admin.err.trim());
        final File nodeDir = new File(dir, "node");
        final CliRun node = CliRun.run("node", "--dir", nodeDir.getAbsolutePath(), "--snapshot-every", "-5");
        assertNotEquals(0, node.exitCode, node.toString());
        final String err = node.err.trim();
        assertEquals(1, err.lines().count(), err);
        assertTrue(err.contains("--snapshot-every") && err.contains("-5"), err);
        assertTrue(!nodeDir.exists(), "a refused start creates no node directory");
    }

    @Test
    void shouldTakeTheSecretFromAFileSoItStaysOutOfTheProcessList(@TempDir final File dir) throws Exception
    {
        final File file = new File(dir, "secret");
        Files.writeString(file.toPath(), "s3cr3t\nignored\n");
        assertEquals("s3cr3t", ClientOptions.secret(null, file));
        assertEquals("given", ClientOptions.secret("given", null));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ClientOptions.secret("given", file))
            .getMessage().contains("not both"));
        assertTrue(assertThrows(IllegalArgumentException.class,
            () -> ClientOptions.secret(null, new File(dir, "missing"))).getMessage().contains("cannot read"));
    }
}
