package io.skein.protocol;

import io.skein.codecs.JournalEntryDecoder;
import io.skein.codecs.JournalEntryEncoder;
import io.skein.codecs.MessageHeaderDecoder;
import io.skein.codecs.MessageHeaderEncoder;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SBE's compatibility in both directions on the journal entry, with codecs generated from the same schema as it was
 * at version 4 ({@code -Dsbe.schema.transform.version=*:4}, package {@code io.skein.codecs.v4}): an entry today's
 * code writes is read by version 4's decoder (the acting block length from the header steps over the field it does
 * not know, the cluster log position), and an entry version 4 wrote is read by today's decoder, the later field
 * reading as its null value.
 */
class CodecVersionsTest
{
    private static final byte[] EVENT = {8, 0, 11, 0, 1, 4, 1, 0, 42, 0, 0, 0, 0, 0, 0, 0};

    @Test
    void anEntryOfTodayDecodesWithTheVersionFourCodec()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final JournalEntryEncoder encoder = new JournalEntryEncoder().wrapAndApplyHeader(buffer, 0,
            new MessageHeaderEncoder());
        fill(encoder).checksum(77).logPosition(4096);
        encoder.eventsCount(1).next().putBody(EVENT, 0, EVENT.length);

        final io.skein.codecs.v4.MessageHeaderDecoder header =
            new io.skein.codecs.v4.MessageHeaderDecoder().wrap(buffer, 0);
        assertEquals(SkeinProtocol.SCHEMA_VERSION, header.version());
        final io.skein.codecs.v4.JournalEntryDecoder old = new io.skein.codecs.v4.JournalEntryDecoder()
            .wrap(buffer, SkeinProtocol.HEADER_LENGTH, header.blockLength(), header.version());
        assertEquals(4, old.sbeSchemaVersion());
        assertTrue(old.sbeBlockLength() < header.blockLength(), "today's block is longer than version 4's");
        assertEquals(7, old.entrySequence());
        assertEquals(42, old.aggregateId());
        assertEquals(77, old.checksum());
        final io.skein.codecs.v4.JournalEntryDecoder.EventsDecoder events = old.events();
        assertEquals(1, events.count());
        final byte[] body = new byte[EVENT.length];
        events.next().getBody(body, 0, body.length);
        assertArrayEquals(EVENT, body);
    }

    @Test
    void anEntryOfVersionFourDecodesWithTodaysCodec()
    {
        final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(256);
        final io.skein.codecs.v4.JournalEntryEncoder encoder = new io.skein.codecs.v4.JournalEntryEncoder()
            .wrapAndApplyHeader(buffer, 0, new io.skein.codecs.v4.MessageHeaderEncoder());
        encoder.entrySequence(7).epoch(1).timestampNs(1_000).aggregateTypeId(3).aggregateId(42).version(2)
            .firstSequence(9).correlationId(11).causationId(0).idempotencyKeyHi(5).idempotencyKeyLo(6).checksum(77);
        encoder.eventsCount(1).next().putBody(EVENT, 0, EVENT.length);

        final MessageHeaderDecoder header = new MessageHeaderDecoder().wrap(new UnsafeBuffer(buffer), 0);
        assertEquals(4, header.version());
        final JournalEntryDecoder now = new JournalEntryDecoder()
            .wrap(buffer, SkeinProtocol.HEADER_LENGTH, header.blockLength(), header.version());
        assertEquals(7, now.entrySequence());
        assertEquals(6, now.idempotencyKeyLo());
        assertEquals(JournalEntryDecoder.logPositionNullValue(), now.logPosition(), "not in version 4");
        final byte[] body = new byte[EVENT.length];
        now.events().next().getBody(body, 0, body.length);
        assertArrayEquals(EVENT, body);
    }

    private static JournalEntryEncoder fill(final JournalEntryEncoder encoder)
    {
        return encoder.entrySequence(7).epoch(1).timestampNs(1_000).aggregateTypeId(3).aggregateId(42).version(2)
            .firstSequence(9).correlationId(11).causationId(0).idempotencyKeyHi(5).idempotencyKeyLo(6);
    }
}
