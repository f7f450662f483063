package io.skein.codegen;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.xml.IrGenerator;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The C++ text generator's own rules; that its output renders as the Java tools do is checked by compiling it
 * (journal-cpp's {@code JournalCppDumpTest}).
 */
class CppTextGeneratorTest
{
    @Test
    void aCompositeHoldingAnEnumIsRefusedByName() throws Exception
    {
        final Ir ir = ir("<enum name=\"Unit\" encodingType=\"uint8\"><validValue name=\"KG\">1</validValue></enum>" +
            "<composite name=\"weight\"><type name=\"amount\" primitiveType=\"int64\"/><ref name=\"unit\" " +
            "type=\"Unit\"/></composite>",
            "<sbe:message name=\"Weighed\" id=\"1\"><field name=\"w\" id=\"1\" type=\"weight\"/></sbe:message>");
        final IllegalStateException refused = assertThrows(IllegalStateException.class,
            () -> new CppTextGenerator(ir, null, null).header());
        assertTrue(refused.getMessage().contains("field w is composite weight, which holds unit"),
            refused.getMessage());
    }

    @Test
    void fieldsOfLaterVersionsAreGuardedByTheActingVersionAndEnumsNamed() throws Exception
    {
        final Ir ir = ir("<enum name=\"Side\" encodingType=\"uint8\"><validValue name=\"BUY\">1</validValue>" +
            "<validValue name=\"SELL\">2</validValue></enum>",
            "<sbe:message name=\"Order\" id=\"4\"><field name=\"side\" id=\"1\" type=\"Side\"/>" +
            "<field name=\"qty\" id=\"2\" type=\"int64\" sinceVersion=\"2\"/></sbe:message>");
        final String header = new CppTextGenerator(ir, null, null).header();
        assertTrue(header.contains("if (m.qtyInActingVersion())"), header);
        assertTrue(header.contains("case 1LL: out += \"BUY\"; break;") &&
            header.contains("case 255LL: out += \"null\"; break;"), header);
        assertTrue(header.contains("case 4:") && header.contains("skein_text::describeOrder(m, text);"), header);
    }

    private static Ir ir(final String types, final String messages) throws Exception
    {
        final String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" +
            "<sbe:messageSchema xmlns:sbe=\"http://fixprotocol.io/2016/sbe\" package=\"cpp.test\" id=\"7003\" " +
            "version=\"2\" byteOrder=\"littleEndian\"><types><composite name=\"messageHeader\">" +
            "<type name=\"blockLength\" primitiveType=\"uint16\"/>" +
            "<type name=\"templateId\" primitiveType=\"uint16\"/>" +
            "<type name=\"schemaId\" primitiveType=\"uint16\"/><type name=\"version\" primitiveType=\"uint16\"/>" +
            "</composite>" + types + "</types>" + messages + "</sbe:messageSchema>";
        return new IrGenerator().generate(XmlSchemaParser.parse(
            new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)),
            ParserOptions.builder().stopOnError(true).build()));
    }
}
