package io.skein.cli;

import java.io.File;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

import io.skein.codecs.JournalEntryEncoder;
import io.skein.codecs.MessageHeaderEncoder;
import io.skein.protocol.EntryChecksum;
import io.skein.journal.Journal;
import io.skein.journal.TestArchive;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * Writes journal entries straight into a node directory's journal, with whatever aggregate types and event templates
 * a test needs (including ones no domain on the classpath knows), so the journal tools can be tested without a node.
 */
final class TestJournalWriter implements AutoCloseable
{
    /**
     * The bank example's schema, as the tools load it.
     */
    static final String BANK_SCHEMA = "io/skein/examples/bank/bank-schema.xml";

    private final TestArchive archive;
    private final Journal journal;
    private final ExpandableArrayBuffer buffer = new ExpandableArrayBuffer(8192);
    private final JournalEntryEncoder encoder = new JournalEntryEncoder();
    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final EntryChecksum checksum = new EntryChecksum();
    private final Map<String, Long> versions = new HashMap<>();
    private long entrySequence;
    private long eventSequence;

    TestJournalWriter(final File dir)
    {
        archive = TestArchive.launch(dir);
        journal = archive.journal();
    }

    /**
     * Append one entry of events for an aggregate.
     *
     * @param typeId      of the aggregate type.
     * @param aggregateId of the aggregate.
     * @param events      each a whole message, header included.
     * @return the journal position after the entry.
     */
    long append(final int typeId, final long aggregateId, final DirectBuffer... events)
    {
        final String key = typeId + ":" + aggregateId;
        final long version = versions.getOrDefault(key, 0L) + events.length;
        versions.put(key, version);
        entrySequence++;
        encoder.wrapAndApplyHeader(buffer, 0, headerEncoder)
            .entrySequence(entrySequence).epoch(0).timestampNs(entrySequence * 1_000_000L).aggregateTypeId(typeId)
            .aggregateId(aggregateId).version(version).firstSequence(eventSequence + 1).correlationId(entrySequence)
            .causationId(0).idempotencyKeyHi(0).idempotencyKeyLo(0);
        final JournalEntryEncoder.EventsEncoder group = encoder.eventsCount(events.length);
        long eventVersion = version - events.length;
        for (final DirectBuffer event : events)
        {
            group.next().aggregateTypeId(typeId).aggregateId(aggregateId).version(++eventVersion)
                .putBody(event, 0, event.capacity());
        }
        eventSequence += events.length;
        final int length = encoder.limit();
        checksum.seal(buffer, 0, length);
        return journal.append(buffer, 0, length);
    }

    /**
     * Wait until everything appended is recorded.
     *
     * @param position to wait for.
     */
    void awaitDurable(final long position)
    {
        if (!journal.awaitDurable(position, 10_000_000_000L))
        {
            throw new AssertionError("journal not recorded up to " + position);
        }
    }

    /**
     * A bank event from field values.
     *
     * @param name   of the message, such as Deposited.
     * @param fields name to value.
     * @return the encoded message, header included.
     */
    static DirectBuffer bankEvent(final String name, final Map<String, String> fields)
    {
        final MutableDirectBuffer message = new ExpandableArrayBuffer(256);
        final int length = SchemaText.load(BANK_SCHEMA).encode(name, fields, message, 0);
        return new UnsafeBuffer(message, 0, length);
    }

    /**
     * A message with the given header and a body of {@code bodyLength} bytes, decodable or not.
     *
     * @param schemaId   in the header.
     * @param templateId in the header.
     * @param bodyLength of the body after the header.
     * @return the message.
     */
    static DirectBuffer rawEvent(final int schemaId, final int templateId, final int bodyLength)
    {
        final UnsafeBuffer message = new UnsafeBuffer(new byte[8 + bodyLength]);
        message.putShort(0, (short)Math.min(bodyLength, 0xFFFF), ByteOrder.LITTLE_ENDIAN);
        message.putShort(2, (short)templateId, ByteOrder.LITTLE_ENDIAN);
        message.putShort(4, (short)schemaId, ByteOrder.LITTLE_ENDIAN);
        message.putShort(6, (short)1, ByteOrder.LITTLE_ENDIAN);
        return message;
    }

    @Override
    public void close()
    {
        archive.close();
    }
}
