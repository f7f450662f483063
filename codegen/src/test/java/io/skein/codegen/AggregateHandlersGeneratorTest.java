package io.skein.codegen;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.agrona.generation.StringWriterOutputManager;
import org.junit.jupiter.api.Test;
import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.xml.IrGenerator;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The generated handler interfaces against golden files (regenerate them with {@code -Dskein.golden.update=true}
 * after a deliberate change, and review the diff), and the generator's errors.
 */
class AggregateHandlersGeneratorTest
{
    private static final String PACKAGE = "io.skein.codegen.test";

    @Test
    void generatesOneInterfacePerAggregateMatchingTheGoldenFiles() throws Exception
    {
        final Map<String, CharSequence> sources = generate(resource("counter-schema.xml"));
        assertEquals(2, sources.size(), sources.keySet().toString());
        for (final String name : new String[] {"CounterHandlers", "LightHandlers"})
        {
            final String source = sources.get(PACKAGE + "." + name).toString();
            final Path golden = Path.of("src/test/resources/io/skein/codegen/" + name + ".java.golden");
            if (Boolean.getBoolean("skein.golden.update"))
            {
                Files.writeString(golden, source);
            }
            assertEquals(Files.readString(golden), source, name + " differs from " + golden);
        }
    }

    @Test
    void refusesAMalformedSkeinSemanticTypeNamingTheMessage()
    {
        for (final String semanticType : new String[] {
            "skein:command", "skein:handler:Counter", "skein:command:9Lives", "skein:event:Counter:extra"})
        {
            final IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> generate(schema("<sbe:message name=\"Bad\" id=\"1\" semanticType=\"" + semanticType +
                "\"><field name=\"x\" id=\"1\" type=\"int32\"/></sbe:message>")), semanticType);
            assertTrue(refused.getMessage().contains("message Bad (id 1)"), refused.getMessage());
            assertTrue(refused.getMessage().contains(semanticType), refused.getMessage());
        }
    }

    @Test
    void generatesNothingForASchemaWithoutSkeinRoles() throws Exception
    {
        assertTrue(generate(schema("<sbe:message name=\"Plain\" id=\"1\" semanticType=\"other\">" +
            "<field name=\"x\" id=\"1\" type=\"int32\"/></sbe:message>")).isEmpty());
    }

    private static Map<String, CharSequence> generate(final InputStream schema) throws Exception
    {
        final Ir ir = new IrGenerator().generate(XmlSchemaParser.parse(schema, ParserOptions.builder()
            .stopOnError(true).warningsFatal(true).build()));
        final StringWriterOutputManager output = new StringWriterOutputManager();
        output.setPackageName(ir.applicableNamespace());
        new AggregateHandlersGenerator(ir, output).generate();
        return output.getSources();
    }

    private static InputStream resource(final String name) throws IOException
    {
        return AggregateHandlersGeneratorTest.class.getResourceAsStream(name);
    }

    private static InputStream schema(final String messages)
    {
        return new ByteArrayInputStream(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" +
            "<sbe:messageSchema xmlns:sbe=\"http://fixprotocol.io/2016/sbe\" package=\"" + PACKAGE + "\" id=\"7002\" " +
            "version=\"1\" byteOrder=\"littleEndian\"><types><composite name=\"messageHeader\">" +
            "<type name=\"blockLength\" primitiveType=\"uint16\"/>" +
            "<type name=\"templateId\" primitiveType=\"uint16\"/>" +
            "<type name=\"schemaId\" primitiveType=\"uint16\"/><type name=\"version\" primitiveType=\"uint16\"/>" +
            "</composite></types>" + messages + "</sbe:messageSchema>").getBytes(StandardCharsets.UTF_8));
    }
}
