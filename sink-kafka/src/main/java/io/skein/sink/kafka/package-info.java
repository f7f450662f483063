/**
 * Publishes the journal's events to Kafka exactly once: {@link io.skein.sink.kafka.KafkaSink} is a transactional
 * projection whose producer writes a batch's events and the projection's checkpoint, to a compacted checkpoint topic,
 * in one Kafka transaction, and reads the checkpoint back with {@code read_committed} to resume.
 */
package io.skein.sink.kafka;
