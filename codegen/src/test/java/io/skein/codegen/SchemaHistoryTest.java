package io.skein.codegen;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compatibility gate for Skein's own schemas: each current schema (Skein's wire, journal and snapshot formats,
 * and each sample domain's) against every released one kept in {@code schema-history/}, by SBE's rules. A change
 * that would make a released journal or snapshot unreadable, or that released code could not read, fails here,
 * naming the message and field. Record a schema in {@code schema-history/} when releasing it.
 */
class SchemaHistoryTest
{
    private static final File HISTORY = new File("../schema-history");
    private static final Map<String, File> CURRENT = Map.of(
        "skein", new File("../codecs/src/main/resources/io/skein/codecs/skein-codecs.xml"),
        "bank", new File("../examples/src/main/resources/io/skein/examples/bank/bank-schema.xml"),
        "orderbook", new File("../examples/src/main/resources/io/skein/examples/orderbook/orderbook-schema.xml"));

    @Test
    void everyCurrentSchemaIsCompatibleWithEveryReleasedOne() throws Exception
    {
        final List<String> problems = new ArrayList<>();
        int pairs = 0;
        for (final Map.Entry<String, File> schema : CURRENT.entrySet())
        {
            final List<File> released = SchemaCompatibility.releasedFiles(
                new String[] {new File(HISTORY, schema.getKey()).getPath()}, 0);
            problems.addAll(SchemaCompatibility.check(schema.getValue(), released));
            pairs += released.size();
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertTrue(pairs >= 8, pairs + " pairs");
    }
}
