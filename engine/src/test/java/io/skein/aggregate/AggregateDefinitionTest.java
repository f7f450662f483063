package io.skein.aggregate;

import java.lang.reflect.Proxy;

import org.agrona.sbe.MessageDecoderFlyweight;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Template lookups: small ids from the array, large ones from the map, unbound ones null either way.
 */
class AggregateDefinitionTest
{
    @Test
    void findsEveryBoundTemplateAndNoOther()
    {
        final AggregateDefinition<long[]> definition = new AggregateDefinition<long[]>()
            .typeId(7).name("counter").state(() -> new long[1])
            .command(decoder(3), (command, state, ctx) -> ctx.reject(1, "no"))
            .query(decoder(1023), (query, state, ctx) -> ctx.reject(1, "no"))
            .event(decoder(1024), (event, state) -> state[0]++)
            .event(decoder(60_000), (event, state) -> state[0]--);
        definition.validate();

        assertSame(AggregateDefinition.Kind.COMMAND, definition.binding(3).kind());
        assertSame(AggregateDefinition.Kind.QUERY, definition.binding(1023).kind());
        assertSame(AggregateDefinition.Kind.EVENT, definition.binding(1024).kind());
        assertSame(AggregateDefinition.Kind.EVENT, definition.binding(60_000).kind());
        for (final int unbound : new int[] {0, 2, 4, 500, 1022, 1025, 59_999, 65_535, -1})
        {
            assertNull(definition.binding(unbound), "template " + unbound);
        }
        assertThrows(IllegalArgumentException.class, () -> definition.command(decoder(1023),
            (command, state, ctx) -> ctx.reject(1, "no")), "a template bound twice");
    }

    private static MessageDecoderFlyweight decoder(final int templateId)
    {
        return (MessageDecoderFlyweight)Proxy.newProxyInstance(AggregateDefinitionTest.class.getClassLoader(),
            new Class<?>[] {MessageDecoderFlyweight.class}, (proxy, method, args) ->
            {
                switch (method.getName())
                {
                    case "sbeTemplateId":
                        return templateId;
                    case "sbeSchemaId":
                        return 99;
                    case "sbeSchemaVersion":
                        return 1;
                    case "sbeBlockLength":
                        return 8;
                    case "sbeSemanticType":
                        return "";
                    case "hashCode":
                        return templateId;
                    case "equals":
                        return proxy == args[0];
                    case "toString":
                        return "decoder " + templateId;
                    default:
                        return null;
                }
            });
    }
}
