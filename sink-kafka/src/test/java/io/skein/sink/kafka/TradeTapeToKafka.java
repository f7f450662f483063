package io.skein.sink.kafka;

import io.skein.engine.SkeinEngine;
import io.skein.examples.orderbook.OrderBook;
import io.skein.examples.orderbook.TradeTape;
import io.skein.projection.EventSource;
import io.skein.projection.ProjectionRunner;

/**
 * The example: the order book's trade tape published to a Kafka topic exactly once. The runner gives the sink only
 * the trades ({@link TradeTape#FILTER}); each is a record on {@code topic} keyed by its book, the value the Trade
 * SBE message, its metadata in headers. A consumer reading the topic with {@code read_committed} sees every trade once.
 */
final class TradeTapeToKafka
{
    static final String NAME = "trade-tape";

    private TradeTapeToKafka()
    {
    }

    /**
     * The sink's settings: trades of every book to one topic.
     */
    static KafkaSink.Context sink(final String bootstrapServers, final String topic)
    {
        return new KafkaSink.Context()
            .bootstrapServers(bootstrapServers)
            .projectionName(NAME)
            .topic(OrderBook.TYPE_ID, topic);
    }

    /**
     * The runner's settings for the sink over an engine's journal.
     */
    static ProjectionRunner.Context runner(final SkeinEngine engine, final KafkaSink sink)
    {
        return new ProjectionRunner.Context()
            .name(NAME)
            .source(EventSource.of(engine))
            .filter(TradeTape.FILTER)
            .projection(sink)
            .delivery(ProjectionRunner.Delivery.EXACTLY_ONCE);
    }
}
