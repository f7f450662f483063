package io.skein.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code skein schema check} on the bank schema: compatible with its released history, and a retyped field is
 * refused naming it with exit code 1.
 */
class SchemaCommandTest
{
    private static final String BANK = "../examples/src/main/resources/io/skein/examples/bank/bank-schema.xml";

    @TempDir
    File dir;

    @Test
    void passesTheCurrentSchemaAndRefusesARetypedField() throws IOException
    {
        final CliRun ok = CliRun.run("schema", "check", "--current", BANK, "../schema-history/bank");
        assertEquals(0, ok.exitCode, ok.toString());
        assertTrue(ok.out.contains("bank-schema.xml is compatible with 3 released schemas"), ok.toString());

        final File changed = new File(dir, "bank-schema.xml");
        Files.writeString(changed.toPath(), Files.readString(new File(BANK).toPath()).replace(
            "<field name=\"amount\" id=\"1\" type=\"int64\"/>", "<field name=\"amount\" id=\"1\" type=\"int32\"/>"));
        final CliRun broken = CliRun.run("schema", "check", "--current", changed.getPath(), "../schema-history/bank");
        assertEquals(1, broken.exitCode, broken.toString());
        assertTrue(broken.out.contains("message Deposit (template 2) field amount (id 1): type changed from INT64 to " +
            "INT32"), broken.toString());

        final CliRun missing = CliRun.run("schema", "check", "--current", changed.getPath(), "no-such-history");
        assertEquals(1, missing.exitCode, missing.toString());
        assertTrue(missing.err.contains("no-such-history does not exist"), missing.toString());
    }
}
