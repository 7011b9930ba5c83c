/**
 * A reusable shard reader for services read through shard iterators, Kinesis Data Streams and DynamoDB Streams:
 * {@link io.esm4j.stream.polling.IteratorShardReader} implements {@link io.esm4j.stream.ShardReader} (iterator
 * renewal, paced GetRecords, throttling backoff, a bounded buffer, reading on while behind) on top of the few
 * service calls a source supplies as {@link io.esm4j.stream.polling.IteratorCalls}. See {@code esm-core/SOURCES.md}.
 *
 * <p>Null-marked: a type without {@code @Nullable} is never null.
 */
@NullMarked
package io.esm4j.stream.polling;

import org.jspecify.annotations.NullMarked;
