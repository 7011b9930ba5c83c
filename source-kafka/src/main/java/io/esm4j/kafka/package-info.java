/** Kafka as an esm4j stream source: {@link io.esm4j.kafka.KafkaSource} and what goes with it. */
@NullMarked
package io.esm4j.kafka;

import org.jspecify.annotations.NullMarked;
