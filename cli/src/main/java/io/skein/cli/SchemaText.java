package io.skein.cli;

import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import uk.co.real_logic.sbe.PrimitiveType;
import uk.co.real_logic.sbe.PrimitiveValue;
import uk.co.real_logic.sbe.ir.Encoding;
import uk.co.real_logic.sbe.ir.Ir;
import uk.co.real_logic.sbe.ir.Signal;
import uk.co.real_logic.sbe.ir.Token;
import uk.co.real_logic.sbe.otf.OtfMessageDecoder;
import uk.co.real_logic.sbe.otf.TokenListener;
import uk.co.real_logic.sbe.otf.Types;
import uk.co.real_logic.sbe.xml.IrGenerator;
import uk.co.real_logic.sbe.xml.ParserOptions;
import uk.co.real_logic.sbe.xml.XmlSchemaParser;

/**
 * Reads and writes the messages of one SBE schema as text, from the schema's XML at run time (SBE's intermediate
 * representation and on-the-fly decoder), with no generated code: {@code Deposited{amount=100}} out, and
 * {@code amount=100} pairs in.
 * <p>
 * One class for both directions because both walk the same intermediate representation token by token, type by type
 * (primitives, enums, sets, composites, groups, var data); split, each half would repeat that walk.
 */
final class SchemaText
{
    private static final int HEADER_LENGTH = 8;

    private final Ir ir;
    private final Map<String, List<Token>> messagesByName = new LinkedHashMap<>();
    private final Map<Long, List<Token>> tokensByTemplateAndVersion = new HashMap<>();

    private SchemaText(final Ir ir)
    {
        this.ir = ir;
        for (final List<Token> tokens : ir.messages())
        {
            messagesByName.put(tokens.get(0).name(), tokens);
        }
    }

    /**
     * Load a schema from the classpath.
     *
     * @param resource path of the schema XML.
     * @return the codec for it.
     * @throws IllegalArgumentException if the resource is missing or not a valid schema.
     */
    static SchemaText load(final String resource)
    {
        try (InputStream in = UserClasspath.loader().getResourceAsStream(resource))
        {
            if (null == in)
            {
                throw new IllegalArgumentException("schema " + resource + " is not on the classpath");
            }
            return new SchemaText(new IrGenerator().generate(
                XmlSchemaParser.parse(in, ParserOptions.builder().stopOnError(true).build())));
        }
        catch (final IllegalArgumentException ex)
        {
            throw ex;
        }
        catch (final Exception ex)
        {
            throw new IllegalArgumentException("cannot read schema " + resource + ": " + ex.getMessage(), ex);
        }
    }

    int schemaId()
    {
        return ir.id();
    }

    int version()
    {
        return ir.version();
    }

    List<String> messageNames()
    {
        return new ArrayList<>(messagesByName.keySet());
    }

    /**
     * The message's name for a template id.
     *
     * @param templateId of the message.
     * @return the name, or null if the schema has no such template.
     */
    String messageName(final int templateId)
    {
        final List<Token> tokens = ir.getMessage(templateId);
        return null == tokens ? null : tokens.get(0).name();
    }

    /**
     * Whether a message, header included, is of this schema and a template it defines, so {@link #decode} can read
     * its fields.
     *
     * @param buffer holding the message.
     * @param offset of its header.
     * @param length of the message.
     * @return false if it is too short for a header, of another schema, or of a template this schema lacks.
     */
    boolean knows(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            return false;
        }
        final ByteOrder order = ir.byteOrder();
        return (buffer.getShort(offset + 4, order) & 0xFFFF) == ir.id() &&
            null != ir.getMessage(buffer.getShort(offset + 2, order) & 0xFFFF);
    }

    /**
     * The schema id in a message's header, in this schema's byte order.
     *
     * @param buffer holding the message.
     * @param offset of its header.
     * @return the schema id.
     */
    int schemaIdOf(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + 4, ir.byteOrder()) & 0xFFFF;
    }

    /**
     * The template id in a message's header, in this schema's byte order.
     *
     * @param buffer holding the message.
     * @param offset of its header.
     * @return the template id.
     */
    int templateIdOf(final DirectBuffer buffer, final int offset)
    {
        return buffer.getShort(offset + 2, ir.byteOrder()) & 0xFFFF;
    }

    /**
     * Decode a message, header included, into one line of text.
     *
     * @param buffer holding the message.
     * @param offset of its header.
     * @param length of the message.
     * @return the text, or a readable note if the message is not of this schema or does not decode.
     */
    String decode(final DirectBuffer buffer, final int offset, final int length)
    {
        if (length < HEADER_LENGTH)
        {
            return "<" + length + " bytes: too short for a message>";
        }
        final ByteOrder order = ir.byteOrder();
        final int blockLength = buffer.getShort(offset, order) & 0xFFFF;
        final int templateId = buffer.getShort(offset + 2, order) & 0xFFFF;
        final int schemaId = buffer.getShort(offset + 4, order) & 0xFFFF;
        final int version = buffer.getShort(offset + 6, order) & 0xFFFF;
        final List<Token> tokens = schemaId == ir.id() ? tokensFor(templateId, version) : null;
        if (null == tokens)
        {
            return "<schema " + schemaId + " template " + templateId + ", " + length + " bytes>";
        }
        final TextListener listener = new TextListener();
        try
        {
            OtfMessageDecoder.decode(buffer, offset + HEADER_LENGTH, version, blockLength, tokens, listener);
        }
        catch (final RuntimeException ex)
        {
            return listener.text + " <does not decode: " + ex.getMessage() + ">";
        }
        return listener.text.toString();
    }

    /**
     * A message's tokens as a message of an acting version holds it: without the fields, groups and variable data
     * added in later versions (the on-the-fly decoder would read them from bytes that are not theirs).
     */
    private List<Token> tokensFor(final int templateId, final int actingVersion)
    {
        final List<Token> all = ir.getMessage(templateId);
        if (null == all)
        {
            return null;
        }
        return tokensByTemplateAndVersion.computeIfAbsent(((long)templateId << 32) | (actingVersion & 0xFFFFL),
            (key) ->
            {
                final List<Token> acting = new ArrayList<>(all.size());
                int i = 0;
                while (i < all.size())
                {
                    final Token token = all.get(i);
                    final Signal signal = token.signal();
                    if ((signal == Signal.BEGIN_FIELD || signal == Signal.BEGIN_GROUP ||
                        signal == Signal.BEGIN_VAR_DATA) && token.version() > actingVersion)
                    {
                        i += token.componentTokenCount();
                        continue;
                    }
                    acting.add(token);
                    i++;
                }
                return acting;
            });
    }

    /**
     * Encode a message, header included, from field values given as text.
     *
     * @param messageName of the message.
     * @param fields      field name to value: numbers, enum names, text for character arrays and variable data.
     * @param buffer      to write into.
     * @param offset      at which the header goes.
     * @return the message's length.
     * @throws IllegalArgumentException naming what is wrong and what would be valid.
     */
    int encode(
        final String messageName, final Map<String, String> fields, final MutableDirectBuffer buffer, final int offset)
    {
        final List<Token> tokens = findMessage(messageName);
        final Token message = tokens.get(0);
        final ByteOrder order = ir.byteOrder();
        final Map<String, String> remaining = new LinkedHashMap<>(fields);
        final List<String> known = fieldNames(messageName);
        final List<String> unknown = new ArrayList<>();
        for (final String name : fields.keySet())
        {
            if (!known.contains(name))
            {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty())
        {
            throw new IllegalArgumentException("unknown field" + (unknown.size() > 1 ? "s " : " ") +
                String.join(", ", unknown) + " for " + message.name() + "; its fields: " + String.join(", ", known));
        }
        final int blockLength = message.encodedLength();
        buffer.setMemory(offset + HEADER_LENGTH, blockLength, (byte)0);
        buffer.putShort(offset, (short)blockLength, order);
        buffer.putShort(offset + 2, (short)message.id(), order);
        buffer.putShort(offset + 4, (short)ir.id(), order);
        buffer.putShort(offset + 6, (short)ir.version(), order);
        final int body = offset + HEADER_LENGTH;
        int limit = body + blockLength;
        for (int i = 1; i < tokens.size() - 1; )
        {
            final Token token = tokens.get(i);
            if (token.signal() == Signal.BEGIN_FIELD)
            {
                final Token type = tokens.get(i + 1);
                writeField(token, type, tokens, i + 1, remaining.remove(token.name()), buffer, body, messageName);
                i += token.componentTokenCount();
            }
            else if (token.signal() == Signal.BEGIN_GROUP)
            {
                if (remaining.containsKey(token.name()))
                {
                    throw new IllegalArgumentException("repeating group " + token.name() + " of " + messageName +
                        " cannot be given on the command line");
                }
                final Token dimensions = tokens.get(i + 1);
                buffer.setMemory(limit, dimensions.encodedLength(), (byte)0);
                buffer.putShort(limit, (short)tokens.get(i).encodedLength(), order);
                limit += dimensions.encodedLength();
                i += token.componentTokenCount();
            }
            else if (token.signal() == Signal.BEGIN_VAR_DATA)
            {
                final String text = remaining.remove(token.name());
                final byte[] bytes = null == text ? new byte[0] : text.getBytes(StandardCharsets.UTF_8);
                final Token lengthToken = tokens.get(i + 2);
                final int lengthSize = lengthToken.encodedLength();
                if (lengthSize == 1)
                {
                    buffer.putByte(limit, (byte)bytes.length);
                }
                else if (lengthSize == 2)
                {
                    buffer.putShort(limit, (short)bytes.length, order);
                }
                else
                {
                    buffer.putInt(limit, bytes.length, order);
                }
                buffer.putBytes(limit + lengthSize, bytes);
                limit += lengthSize + bytes.length;
                i += token.componentTokenCount();
            }
            else
            {
                i++;
            }
        }
        if (!remaining.isEmpty())
        {
            throw new IllegalArgumentException("unknown field" + (remaining.size() > 1 ? "s " : " ") +
                String.join(", ", remaining.keySet()) + " for " + messageName + "; its fields: " +
                String.join(", ", fieldNames(messageName)));
        }
        return limit - offset;
    }

    /**
     * The names of a message's fields, in order.
     *
     * @param messageName of the message.
     * @return the field names.
     */
    List<String> fieldNames(final String messageName)
    {
        final List<Token> tokens = findMessage(messageName);
        final List<String> names = new ArrayList<>();
        for (int i = 1; i < tokens.size() - 1; )
        {
            final Token token = tokens.get(i);
            final Signal signal = token.signal();
            if (signal == Signal.BEGIN_FIELD || signal == Signal.BEGIN_GROUP || signal == Signal.BEGIN_VAR_DATA)
            {
                names.add(token.name());
                i += token.componentTokenCount();
            }
            else
            {
                i++;
            }
        }
        return names;
    }

    private List<Token> findMessage(final String messageName)
    {
        for (final Map.Entry<String, List<Token>> entry : messagesByName.entrySet())
        {
            if (entry.getKey().equalsIgnoreCase(messageName))
            {
                return entry.getValue();
            }
        }
        throw new IllegalArgumentException("no message " + messageName + " in schema " + ir.packageName() +
            "; its messages: " + String.join(", ", messagesByName.keySet()));
    }

    private void writeField(
        final Token field,
        final Token type,
        final List<Token> tokens,
        final int typeIndex,
        final String value,
        final MutableDirectBuffer buffer,
        final int body,
        final String messageName)
    {
        final int offset = body + field.offset();
        if (type.isConstantEncoding() || type.signal() == Signal.ENCODING && type.encoding().presence() ==
            Encoding.Presence.CONSTANT)
        {
            if (null != value)
            {
                throw new IllegalArgumentException("field " + field.name() + " of " + messageName + " is constant");
            }
            return;
        }
        if (type.signal() == Signal.BEGIN_COMPOSITE || type.signal() == Signal.BEGIN_SET)
        {
            if (null != value)
            {
                throw new IllegalArgumentException("field " + field.name() + " of " + messageName + " is a " +
                    (type.signal() == Signal.BEGIN_SET ? "set" : "composite") +
                    " and cannot be given on the command line");
            }
            return;
        }
        if (type.signal() == Signal.BEGIN_ENUM)
        {
            final Encoding encoding = type.encoding();
            if (null == value)
            {
                if (field.isOptionalEncoding())
                {
                    putPrimitive(buffer, offset, encoding, encoding.applicableNullValue().longValue());
                    return;
                }
                throw missing(field, messageName);
            }
            final List<String> names = new ArrayList<>();
            for (int i = typeIndex + 1; i < tokens.size() && tokens.get(i).signal() == Signal.VALID_VALUE; i++)
            {
                final Token valid = tokens.get(i);
                names.add(valid.name());
                if (valid.name().equalsIgnoreCase(value) || String.valueOf(valid.encoding().constValue())
                    .equals(value))
                {
                    putPrimitive(buffer, offset, encoding, valid.encoding().constValue().longValue());
                    return;
                }
            }
            throw new IllegalArgumentException("field " + field.name() + " of " + messageName + " takes one of " +
                String.join(", ", names) + ", not '" + value + "'");
        }
        final Encoding encoding = type.encoding();
        if (null == value)
        {
            if (encoding.presence() == Encoding.Presence.OPTIONAL)
            {
                putPrimitive(buffer, offset, encoding, encoding.applicableNullValue().longValue());
                return;
            }
            throw missing(field, messageName);
        }
        if (encoding.primitiveType() == PrimitiveType.CHAR && type.arrayLength() > 1)
        {
            final byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
            if (bytes.length > type.arrayLength())
            {
                throw new IllegalArgumentException("field " + field.name() + " of " + messageName + " takes at most " +
                    type.arrayLength() + " characters");
            }
            buffer.putBytes(offset, bytes);
            return;
        }
        try
        {
            switch (encoding.primitiveType())
            {
                case FLOAT -> buffer.putFloat(offset, Float.parseFloat(value), encoding.byteOrder());
                case DOUBLE -> buffer.putDouble(offset, Double.parseDouble(value), encoding.byteOrder());
                case CHAR -> buffer.putByte(offset, (byte)value.charAt(0));
                default -> putPrimitive(buffer, offset, encoding, parseInteger(value, encoding));
            }
        }
        catch (final NumberFormatException ex)
        {
            final String typeName = encoding.primitiveType().primitiveName();
            throw new IllegalArgumentException("field " + field.name() + " of " + messageName + " takes " +
                ("aeiou".indexOf(typeName.charAt(0)) >= 0 ? "an " : "a ") + typeName + ", not '" + value + "'");
        }
    }

    private static long parseInteger(final String value, final Encoding encoding)
    {
        final PrimitiveType type = encoding.primitiveType();
        final long parsed = type == PrimitiveType.UINT64 ? Long.parseUnsignedLong(value) : Long.parseLong(value);
        final PrimitiveValue min = encoding.applicableMinValue();
        final PrimitiveValue max = encoding.applicableMaxValue();
        if (type != PrimitiveType.UINT64 && (parsed < min.longValue() || parsed > max.longValue()))
        {
            throw new NumberFormatException("out of range");
        }
        return parsed;
    }

    private static void putPrimitive(
        final MutableDirectBuffer buffer, final int offset, final Encoding encoding, final long value)
    {
        final ByteOrder order = encoding.byteOrder();
        switch (encoding.primitiveType().size())
        {
            case 1 -> buffer.putByte(offset, (byte)value);
            case 2 -> buffer.putShort(offset, (short)value, order);
            case 4 -> buffer.putInt(offset, (int)value, order);
            default -> buffer.putLong(offset, value, order);
        }
    }

    private static IllegalArgumentException missing(final Token field, final String messageName)
    {
        return new IllegalArgumentException("field " + field.name() + " of " + messageName + " is required");
    }

    /**
     * Builds one line of text from the on-the-fly decoder's callbacks.
     */
    private static final class TextListener implements TokenListener
    {
        final StringBuilder text = new StringBuilder();

        private void separate()
        {
            final char last = text.length() == 0 ? '{' : text.charAt(text.length() - 1);
            if (last != '{' && last != '[')
            {
                text.append(", ");
            }
        }

        @Override
        public void onBeginMessage(final Token token)
        {
            text.append(token.name()).append('{');
        }

        @Override
        public void onEndMessage(final Token token)
        {
            text.append('}');
        }

        @Override
        public void onEncoding(
            final Token fieldToken,
            final DirectBuffer buffer,
            final int index,
            final Token typeToken,
            final int actingVersion)
        {
            separate();
            text.append(fieldToken.name()).append('=');
            final Encoding encoding = typeToken.encoding();
            if (typeToken.isConstantEncoding())
            {
                text.append(encoding.constValue());
            }
            else if (encoding.primitiveType() == PrimitiveType.CHAR && typeToken.arrayLength() > 1)
            {
                int end = 0;
                while (end < typeToken.arrayLength() && buffer.getByte(index + end) != 0)
                {
                    end++;
                }
                text.append('"').append(buffer.getStringWithoutLengthAscii(index, end)).append('"');
            }
            else if (typeToken.arrayLength() > 1)
            {
                text.append('[');
                final int size = encoding.primitiveType().size();
                for (int i = 0; i < typeToken.arrayLength(); i++)
                {
                    appendValue(text.append(i > 0 ? ", " : ""), buffer, index + i * size, encoding);
                }
                text.append(']');
            }
            else
            {
                appendValue(text, buffer, index, encoding);
            }
        }

        /**
         * As SBE's {@link Types#appendAsString}, except that a uint64 is shown unsigned.
         */
        private static void appendValue(
            final StringBuilder text, final DirectBuffer buffer, final int index, final Encoding encoding)
        {
            if (encoding.primitiveType() == PrimitiveType.UINT64)
            {
                text.append(Long.toUnsignedString(buffer.getLong(index, encoding.byteOrder())));
            }
            else
            {
                Types.appendAsString(text, buffer, index, encoding);
            }
        }

        @Override
        public void onEnum(
            final Token fieldToken,
            final DirectBuffer buffer,
            final int bufferIndex,
            final List<Token> tokens,
            final int beginIndex,
            final int endIndex,
            final int actingVersion)
        {
            separate();
            final Token typeToken = tokens.get(beginIndex);
            final long value = Types.getLong(buffer, bufferIndex, typeToken.encoding());
            text.append(fieldToken.name()).append('=');
            for (int i = beginIndex + 1; i < endIndex; i++)
            {
                if (tokens.get(i).encoding().constValue().longValue() == value)
                {
                    text.append(tokens.get(i).name());
                    return;
                }
            }
            text.append(value == typeToken.encoding().applicableNullValue().longValue() ? "null" : value);
        }

        @Override
        public void onBitSet(
            final Token fieldToken,
            final DirectBuffer buffer,
            final int bufferIndex,
            final List<Token> tokens,
            final int beginIndex,
            final int endIndex,
            final int actingVersion)
        {
            separate();
            final long bits = Types.getLong(buffer, bufferIndex, tokens.get(beginIndex).encoding());
            text.append(fieldToken.name()).append("={");
            boolean first = true;
            for (int i = beginIndex + 1; i < endIndex; i++)
            {
                if ((bits & (1L << tokens.get(i).encoding().constValue().longValue())) != 0)
                {
                    text.append(first ? "" : ", ").append(tokens.get(i).name());
                    first = false;
                }
            }
            text.append('}');
        }

        @Override
        public void onBeginComposite(
            final Token fieldToken, final List<Token> tokens, final int fromIndex, final int toIndex)
        {
            separate();
            text.append(fieldToken.name()).append("={");
        }

        @Override
        public void onEndComposite(
            final Token fieldToken, final List<Token> tokens, final int fromIndex, final int toIndex)
        {
            text.append('}');
        }

        @Override
        public void onGroupHeader(final Token token, final int numInGroup)
        {
            separate();
            text.append(token.name()).append("=[");
            if (0 == numInGroup)
            {
                text.append(']');
            }
        }

        @Override
        public void onBeginGroup(final Token token, final int groupIndex, final int numInGroup)
        {
            separate();
            text.append('{');
        }

        @Override
        public void onEndGroup(final Token token, final int groupIndex, final int numInGroup)
        {
            text.append('}');
            if (groupIndex == numInGroup - 1)
            {
                text.append(']');
            }
        }

        @Override
        public void onVarData(
            final Token fieldToken,
            final DirectBuffer buffer,
            final int bufferIndex,
            final int length,
            final Token typeToken)
        {
            separate();
            text.append(fieldToken.name()).append('=');
            final String characterEncoding = typeToken.encoding().characterEncoding();
            if (null != characterEncoding)
            {
                text.append('"').append(buffer.getStringWithoutLengthUtf8(bufferIndex, length)).append('"');
            }
            else
            {
                text.append("0x");
                for (int i = 0; i < Math.min(length, 32); i++)
                {
                    text.append(String.format("%02x", buffer.getByte(bufferIndex + i)));
                }
                text.append(length > 32 ? "...(" + length + " bytes)" : "");
            }
        }
    }
}
