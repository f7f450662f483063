package io.skein.codegen;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import uk.co.real_logic.sbe.ir.Ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compatibility gate against a scratch schema: every kind of breaking change is refused naming what changed, and
 * an additive change by SBE's rules passes.
 */
class SchemaCompatibilityTest
{
    private static final String AMOUNT = "<field name=\"amount\" id=\"1\" type=\"int64\"/>";
    private static final String CHANNEL = "<field name=\"channel\" id=\"2\" type=\"Channel\"/>";
    private static final String NOTE = "<data name=\"note\" id=\"5\" type=\"varDataEncoding\"/>";
    private static final String END_OF_DEPOSITED = "<!--end of Deposited-->";

    private static final String RELEASED = schema(1, """
        <sbe:message name="Deposit" id="1">
            <field name="amount" id="1" type="int64"/>
            <field name="channel" id="2" type="Channel"/>
            <group name="tags" id="3" dimensionType="groupSizeEncoding">
                <field name="tag" id="4" type="int32"/>
            </group>
            <data name="note" id="5" type="varDataEncoding"/>
        </sbe:message>
        <sbe:message name="Deposited" id="2">
            <field name="amount" id="1" type="int64"/>
            <!--end of Deposited-->
        </sbe:message>
        """);

    @Test
    void passesTheSameSchemaAndAnAdditiveChange() throws Exception
    {
        assertEquals(List.of(), check(RELEASED, RELEASED));
        assertEquals(List.of(), check(RELEASED, schema(2, """
            <sbe:message name="Deposit" id="1">
                <field name="amount" id="1" type="int64"/>
                <field name="channel" id="2" type="Channel"/>
                <field name="fee" id="6" type="int64" sinceVersion="2"/>
                <group name="tags" id="3" dimensionType="groupSizeEncoding">
                    <field name="tag" id="4" type="int32"/>
                    <field name="weight" id="8" type="int32" sinceVersion="2"/>
                </group>
                <data name="note" id="5" type="varDataEncoding"/>
                <data name="memo" id="7" type="varDataEncoding" sinceVersion="2"/>
            </sbe:message>
            <sbe:message name="Deposited" id="2">
                <field name="amount" id="1" type="int64"/>
            </sbe:message>
            <sbe:message name="Refunded" id="3" sinceVersion="2">
                <field name="amount" id="1" type="int64"/>
            </sbe:message>
            """, "<validValue name=\"MOBILE\">3</validValue>")),
            "a new field, group field, var data, message and enum value");
    }

    @Test
    void refusesAChangedFieldType() throws Exception
    {
        expect(RELEASED.replaceFirst(Pattern.quote(AMOUNT), AMOUNT.replace("int64", "int32")),
            "message Deposit (template 1) field amount (id 1): type changed from INT64 to INT32");
    }

    @Test
    void refusesARemovedFieldAndAShrunkBlock() throws Exception
    {
        final List<String> problems = check(RELEASED, RELEASED.replace(CHANNEL, ""));
        assertTrue(problems.contains("message Deposit (template 1) field channel (id 2) was removed"),
            problems.toString());
        assertTrue(problems.contains("message Deposit (template 1): block shrank from 9 to 8 bytes"),
            problems.toString());
    }

    @Test
    void refusesAFieldInsertedBeforeAReleasedOne() throws Exception
    {
        final List<String> problems = check(RELEASED, schemaVersion(RELEASED, 2).replaceFirst(Pattern.quote(AMOUNT),
            "<field name=\"fee\" id=\"6\" type=\"int32\" sinceVersion=\"2\"/>" + AMOUNT));
        assertTrue(problems.contains("message Deposit (template 1) field amount (id 1): offset moved from 0 to 4"),
            problems.toString());
        assertTrue(problems.contains("message Deposit (template 1) new field fee (id 6) is not at the end of the " +
            "block: offset 0 is inside the released block of 9 bytes"), problems.toString());
    }

    @Test
    void refusesAdditionsWithoutSinceVersionOrAVersionBump() throws Exception
    {
        final List<String> problems = check(RELEASED,
            RELEASED.replace(END_OF_DEPOSITED, "<field name=\"fee\" id=\"2\" type=\"int64\"/>"));
        assertTrue(problems.contains("message Deposited (template 2) new field fee (id 2) needs sinceVersion " +
            "above 1 (it has 0)"), problems.toString());
        assertTrue(problems.contains("schema version must go up from 1 when messages, fields, groups or var data " +
            "are added (it is 1)"), problems.toString());
        expect(schemaVersion(RELEASED, 0), "schema version went down from 1 to 0");
    }

    @Test
    void refusesARemovedMessageAndAReusedTemplateId() throws Exception
    {
        final String upToDeposited = RELEASED.substring(0, RELEASED.indexOf("<sbe:message name=\"Deposited\""));
        expect(upToDeposited + "</sbe:messageSchema>\n", "message Deposited (template 2) was removed");
        expect(upToDeposited + "<sbe:message name=\"Withdrawn\" id=\"2\">" + AMOUNT.replace("int64", "int32") +
            "</sbe:message></sbe:messageSchema>\n",
            "message Withdrawn (template 2) field amount (id 1): type changed from INT64 to INT32");
    }

    @Test
    void refusesARemovedGroupOrVarDataAndOnesAddedBeforeThem() throws Exception
    {
        expect(RELEASED.replace(NOTE, ""), "message Deposit (template 1) var data note (id 5) was removed");
        expect(RELEASED.replace("name=\"tags\" id=\"3\"", "name=\"tags\" id=\"9\""),
            "message Deposit (template 1) group tags (id 3) was removed");
        final List<String> problems = check(RELEASED, schemaVersion(RELEASED, 2).replace(NOTE,
            "<data name=\"memo\" id=\"7\" type=\"varDataEncoding\" sinceVersion=\"2\"/>" + NOTE));
        assertTrue(problems.contains("message Deposit (template 1) new var data memo (id 7) comes before a " +
            "released group or var data: new ones go after them"), problems.toString());
    }

    @Test
    void refusesAChangedOrReusedEnumValue() throws Exception
    {
        expect(RELEASED.replace("<validValue name=\"WEB\">2</validValue>", "<validValue name=\"WEB\">5</validValue>"),
            "enum Channel value WEB changed from 2 to 5");
        final List<String> problems = check(RELEASED, RELEASED.replace("<validValue name=\"BRANCH\">1</validValue>",
            "<validValue name=\"KIOSK\">1</validValue>"));
        assertTrue(problems.contains("enum Channel value BRANCH (1) was removed"), problems.toString());
        assertTrue(problems.contains("enum Channel value KIOSK reuses the number 1 of a released value"),
            problems.toString());
    }

    @Test
    void refusesAChangedSchemaId() throws Exception
    {
        expect(RELEASED.replace("id=\"7100\"", "id=\"7101\""), "schema id changed from 7100 to 7101");
    }

    @Test
    void checksAHistoryDirectoryByTheSchemaIdOfEachFile(@TempDir final File dir) throws Exception
    {
        final File current = new File(dir, "current.xml");
        Files.writeString(current.toPath(), schemaVersion(RELEASED, 2));
        final File history = new File(dir, "schema-history");
        final List<String> report = new ArrayList<>();
        assertEquals(List.of(), SchemaCompatibility.checkHistory(List.of(current), history, report));
        assertTrue(report.get(0).startsWith("no schema history in "), report.toString());

        final File released = new File(history, "ledger/v1.xml");
        assertTrue(released.getParentFile().mkdirs());
        Files.writeString(released.toPath(), RELEASED);
        report.clear();
        assertEquals(List.of(), SchemaCompatibility.checkHistory(List.of(current), history, report));
        assertEquals(List.of("current.xml (schema 7100): checked against 1 released version(s) in " + history),
            report);

        Files.writeString(current.toPath(), schemaVersion(RELEASED, 2).replace(AMOUNT, ""));
        final List<String> broken = SchemaCompatibility.checkHistory(List.of(current), history, new ArrayList<>());
        assertTrue(broken.stream().anyMatch((problem) -> problem.startsWith("current.xml against v1.xml: ") &&
            problem.contains("field amount (id 1) was removed")), broken.toString());

        Files.writeString(current.toPath(), schemaVersion(RELEASED, 2).replace("id=\"7100\"", "id=\"7101\""));
        final List<String> moved = SchemaCompatibility.checkHistory(List.of(current), history, new ArrayList<>());
        assertTrue(moved.stream().anyMatch((problem) -> problem.startsWith("schema 7100 was released") &&
            problem.contains("its id changed")), moved.toString());
    }

    private static void expect(final String current, final String problem) throws Exception
    {
        final List<String> problems = check(RELEASED, current);
        assertTrue(problems.contains(problem), "expected \"" + problem + "\" in " + problems);
    }

    private static List<String> check(final String released, final String current) throws Exception
    {
        final Ir was = SchemaCompatibility.parse(new ByteArrayInputStream(released.getBytes(StandardCharsets.UTF_8)));
        final Ir now = SchemaCompatibility.parse(new ByteArrayInputStream(current.getBytes(StandardCharsets.UTF_8)));
        return SchemaCompatibility.breakingChanges(was, now);
    }

    private static String schemaVersion(final String schema, final int version)
    {
        return schema.replaceFirst("version=\"\\d+\"", "version=\"" + version + "\"");
    }

    private static String schema(final int version, final String messages)
    {
        return schema(version, messages, "");
    }

    private static String schema(final int version, final String messages, final String extraEnumValue)
    {
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <sbe:messageSchema xmlns:sbe="http://fixprotocol.io/2016/sbe" package="t" id="7100" version="%d"
                               byteOrder="littleEndian">
                <types>
                    <composite name="messageHeader">
                        <type name="blockLength" primitiveType="uint16"/>
                        <type name="templateId" primitiveType="uint16"/>
                        <type name="schemaId" primitiveType="uint16"/>
                        <type name="version" primitiveType="uint16"/>
                    </composite>
                    <composite name="groupSizeEncoding">
                        <type name="blockLength" primitiveType="uint16"/>
                        <type name="numInGroup" primitiveType="uint16"/>
                    </composite>
                    <composite name="varDataEncoding">
                        <type name="length" primitiveType="uint32" maxValue="1073741824"/>
                        <type name="varData" primitiveType="uint8" length="0"/>
                    </composite>
                    <enum name="Channel" encodingType="uint8">
                        <validValue name="BRANCH">1</validValue>
                        <validValue name="WEB">2</validValue>
                        %s
                    </enum>
                </types>
            %s</sbe:messageSchema>
            """.formatted(version, extraEnumValue, messages);
    }
}
