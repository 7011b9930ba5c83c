/**
 * Schema registries for the Kafka source: records framed in Confluent's wire format (a zero byte, then the schema's
 * id in four bytes), the registry that serves their schemas by id, a cache of those schemas, and decoding a framed
 * Avro record into JSON. Not exported.
 */
@NullMarked
package io.esm4j.kafka.internal.schema;

import org.jspecify.annotations.NullMarked;
