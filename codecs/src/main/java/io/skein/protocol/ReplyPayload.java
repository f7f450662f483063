package io.skein.protocol;

import io.skein.codecs.MessageHeaderDecoder;
import org.agrona.DirectBuffer;
import org.agrona.sbe.MessageDecoderFlyweight;

/**
 * A reply's domain payload decoded without hand-wrapping its message header: the header must name the decoder's
 * template and schema, and the decoder is wrapped at the acting block length and version the header gives, so a reply
 * of an older or newer schema version decodes by SBE's rules.
 */
public final class ReplyPayload
{
    private ReplyPayload()
    {
    }

    private static int field(final DirectBuffer payload, final int offset)
    {
        return payload.getShort(offset, MessageHeaderDecoder.BYTE_ORDER) & 0xFFFF;
    }

    /**
     * Wrap a decoder over a payload (message header included).
     *
     * @param payload holding the domain reply.
     * @param length  of the payload; 0 if the handler replied nothing.
     * @param decoder of the reply's template, wrapped and returned.
     * @param <D>     the decoder type.
     * @return the decoder, wrapped over the payload's block.
     * @throws SkeinException BAD_INPUT if there is no payload, it is of another template or schema, or it is shorter
     *                        than its header and block.
     */
    public static <D extends MessageDecoderFlyweight> D decode(
        final DirectBuffer payload, final int length, final D decoder)
    {
        if (length < SkeinProtocol.HEADER_LENGTH)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "the reply has no payload to decode as template " +
                decoder.sbeTemplateId() + " (the handler replied nothing, or the command was not answered by one)");
        }
        // Read the header in place, so decoding a reply allocates nothing.
        final int templateId = field(payload, MessageHeaderDecoder.templateIdEncodingOffset());
        final int schemaId = field(payload, MessageHeaderDecoder.schemaIdEncodingOffset());
        final int blockLength = field(payload, MessageHeaderDecoder.blockLengthEncodingOffset());
        if (templateId != decoder.sbeTemplateId() || schemaId != decoder.sbeSchemaId())
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "the reply is template " + templateId +
                " of schema " + schemaId + ", not template " + decoder.sbeTemplateId() + " of schema " +
                decoder.sbeSchemaId());
        }
        if (SkeinProtocol.HEADER_LENGTH + blockLength > length)
        {
            throw new SkeinException(SkeinException.Code.BAD_INPUT, "the reply of " + length + " bytes is shorter " +
                "than its header and block of " + blockLength + " bytes");
        }
        decoder.wrap(payload, SkeinProtocol.HEADER_LENGTH, blockLength,
            field(payload, MessageHeaderDecoder.versionEncodingOffset()));
        return decoder;
    }
}
