package io.skein.engine;

import io.skein.aggregate.AggregateDefinition;
import io.skein.engine.test.codecs.AddedDecoder;
import io.skein.engine.test.codecs.AddedEncoder;
import io.skein.engine.test.codecs.MessageHeaderDecoder;
import io.skein.protocol.EntryCheck;
import io.skein.protocol.JournalEvents;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The entry's two layouts: events of the entry's own aggregate alone carry no aggregate fields; once a command emits
 * to another aggregate, every event carries them, those emitted before included.
 */
class EntryBuilderTest
{
    private final AddedEncoder added = new AddedEncoder();

    @Test
    void anEntryOfItsOwnAggregateAloneHasTheCompactLayout()
    {
        final EntryBuilder builder = builder();
        builder.emit(definition(), 1, 1, added).amount(5);
        builder.emit(definition(), 1, 2, added).amount(6);
        final JournalEvents events = seal(builder, 2);
        assertFalse(events.changesSeveral());
        assertEquals(0, builder.buffer().getShort(EntryBuilder.GROUP_OFFSET), "an empty group block");
        assertEvent(events, 1, 1, 5);
        assertEvent(events, 1, 2, 6);
    }

    @Test
    void theFirstEventOfAnotherAggregateNamesTheAggregateOfEveryEvent()
    {
        final EntryBuilder builder = builder();
        builder.emit(definition(), 1, 1, added).amount(5);
        builder.emit(definition(), 1, 2, added).amount(6);
        builder.emit(definition(), 9, 4, added).amount(7);
        builder.emit(definition(), 1, 3, added).amount(8);
        final JournalEvents events = seal(builder, 3);
        assertTrue(events.changesSeveral());
        assertEquals(EntryBuilder.EVENT_BLOCK_LENGTH, builder.buffer().getShort(EntryBuilder.GROUP_OFFSET));
        assertEquals(3, events.ownEventCount());
        assertEvent(events, 1, 1, 5);
        assertEvent(events, 1, 2, 6);
        assertEvent(events, 9, 4, 7);
        assertEvent(events, 1, 3, 8);
        assertFalse(events.next());
    }

    private static EntryBuilder builder()
    {
        final EntryBuilder builder = new EntryBuilder(4096);
        builder.reset();
        builder.owner(TestAggregates.TYPE_ID, 1);
        return builder;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static AggregateDefinition<Object> definition()
    {
        return (AggregateDefinition)new AggregateRuntime<>(new TestAggregates.Tally()).definition();
    }

    private static JournalEvents seal(final EntryBuilder builder, final long ownVersion)
    {
        final int length = builder.closeEvents();
        builder.seal(1, 0, 1_000, TestAggregates.TYPE_ID, 1, ownVersion, 1, 1, 0, 0, 0, -1);
        assertEquals(length, builder.length());
        final UnsafeBuffer entry = new UnsafeBuffer(builder.buffer(), 0, builder.length());
        assertNull(new EntryCheck().problem(entry, 0, builder.length()), "a whole, valid entry");
        return new JournalEvents().wrap(entry, 0, builder.length());
    }

    private static void assertEvent(
        final JournalEvents events, final long aggregateId, final long version, final long amount)
    {
        assertTrue(events.next());
        assertEquals(aggregateId, events.aggregateId());
        assertEquals(version, events.version());
        assertEquals(amount, new AddedDecoder().wrapAndApplyHeader(events.event(), 0, new MessageHeaderDecoder())
            .amount());
    }
}
