package io.skein.sink.kafka;

import io.skein.protocol.SkeinException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KafkaSinkContextTest
{
    @Test
    void shouldDefaultTheTransactionalIdAndCheckpointTopicFromTheProjectionName()
    {
        final KafkaSink.Context ctx = new KafkaSink.Context()
            .bootstrapServers("localhost:9092").projectionName("balances").topic("events").conclude();
        assertEquals("skein-balances", ctx.transactionalId());
        assertEquals(KafkaSink.Context.CHECKPOINT_TOPIC_DEFAULT, ctx.checkpointTopic());
        assertEquals("events", ctx.topic(7));
    }

    @Test
    void shouldMapAggregateTypesToTheirOwnTopicsAndLeaveOthersOutWithoutADefault()
    {
        final KafkaSink.Context ctx = new KafkaSink.Context()
            .bootstrapServers("localhost:9092").projectionName("p").transactionalId("mine")
            .topic(3, "books").topic(4, "accounts").conclude();
        assertEquals("mine", ctx.transactionalId());
        assertEquals("books", ctx.topic(3));
        assertEquals("accounts", ctx.topic(4));
        assertEquals(null, ctx.topic(5));
    }

    @Test
    void shouldRefuseAContextWithoutServersNameOrTopic()
    {
        assertEquals(SkeinException.Code.CONFIGURATION, assertThrows(SkeinException.class,
            () -> new KafkaSink.Context().projectionName("p").topic("t").conclude()).code());
        assertEquals(SkeinException.Code.CONFIGURATION, assertThrows(SkeinException.class,
            () -> new KafkaSink.Context().bootstrapServers("b").topic("t").conclude()).code());
        assertEquals(SkeinException.Code.CONFIGURATION, assertThrows(SkeinException.class,
            () -> new KafkaSink.Context().bootstrapServers("b").projectionName("p").conclude()).code());
        assertEquals(SkeinException.Code.CONFIGURATION, assertThrows(SkeinException.class,
            () -> new KafkaSink.Context().bootstrapServers("b").projectionName("p").topic("t").timeoutMs(0)
            .conclude()).code());
    }

    @Test
    void shouldWriteAndReadBigEndianLongs()
    {
        final byte[] bytes = new byte[16];
        EventRecords.putLong(bytes, 0, 0x0102030405060708L);
        EventRecords.putLong(bytes, 8, -2);
        assertEquals(1, bytes[0]);
        assertEquals(8, bytes[7]);
        assertEquals(0x0102030405060708L, EventRecords.getLong(bytes, 0));
        assertEquals(-2, EventRecords.getLong(bytes, 8));
    }
}
