/** The consumer-group engine of a Kafka mapping: one poll thread per mapping, partitions as shard pipelines. */
@NullMarked
package io.esm4j.kafka.internal;

import org.jspecify.annotations.NullMarked;
