package io.skein.protocol;

import io.skein.codecs.MessageHeaderEncoder;
import io.skein.codecs.Outcome;
import io.skein.codecs.RejectReason;
import io.skein.codecs.SnapshotKeyDecoder;
import io.skein.codecs.SnapshotTypeDecoder;
import io.skein.codecs.SnapshotTypeEncoder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A reply's payload decoded from its own header: the right template decodes at the acting version, and no payload,
 * another template or a truncated block are refused with a message instead of an index error.
 */
class ReplyPayloadTest
{
    private final UnsafeBuffer buffer = new UnsafeBuffer(new byte[64]);

    private int encode(final int version)
    {
        final SnapshotTypeEncoder encoder = new SnapshotTypeEncoder().wrapAndApplyHeader(buffer, 0,
            new MessageHeaderEncoder()).aggregateTypeId(7).schemaId(1001).schemaVersion(3);
        new MessageHeaderEncoder().wrap(buffer, 0).version(version);
        return SkeinProtocol.HEADER_LENGTH + encoder.encodedLength();
    }

    @Test
    void decodesTheRepliedTemplateAtTheActingVersion()
    {
        final int length = encode(2);
        final SnapshotTypeDecoder decoder = ReplyPayload.decode(buffer, length, new SnapshotTypeDecoder());
        assertEquals(7, decoder.aggregateTypeId());
        assertEquals(1001, decoder.schemaId());
        assertEquals(3, decoder.schemaVersion());
        assertEquals(2, decoder.actingVersion());
        final CommandResult result = new CommandResult(1, Outcome.ACCEPTED, RejectReason.NONE, 1, 1, 1, 1, -1, 0, -1,
            "", copy(length));
        assertEquals(7, result.reply(new SnapshotTypeDecoder()).aggregateTypeId());
    }

    @Test
    void refusesNoPayloadAnotherTemplateAndATruncatedBlock()
    {
        final SkeinException none = assertThrows(SkeinException.class,
            () -> ReplyPayload.decode(buffer, 0, new SnapshotTypeDecoder()));
        assertEquals(SkeinException.Code.BAD_INPUT, none.code());
        assertTrue(none.getMessage().contains("no payload"), none.getMessage());

        final int length = encode(SkeinProtocol.SCHEMA_VERSION);
        final SkeinException other = assertThrows(SkeinException.class,
            () -> ReplyPayload.decode(buffer, length, new SnapshotKeyDecoder()));
        assertTrue(other.getMessage().contains("is template " + SnapshotTypeDecoder.TEMPLATE_ID + " of schema " +
            SkeinProtocol.SCHEMA_ID + ", not template " + SnapshotKeyDecoder.TEMPLATE_ID), other.getMessage());

        final SkeinException truncated = assertThrows(SkeinException.class,
            () -> ReplyPayload.decode(buffer, length - 1, new SnapshotTypeDecoder()));
        assertTrue(truncated.getMessage().contains("shorter than its header and block"), truncated.getMessage());
    }

    private byte[] copy(final int length)
    {
        final byte[] bytes = new byte[length];
        buffer.getBytes(0, bytes);
        return bytes;
    }
}
