package io.esm4j.stream;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One record read from a shard, as the engine sees it: the metadata it needs for ordering, batching, age and
 * checkpointing, plus the source's own payload that reaches the handler unchanged.
 *
 * @param shardId                     the shard the record was read from
 * @param sequenceNumber              the record's position in its shard; also its id for ReportBatchItemFailures
 * @param partitionKey                the key that decides ordering when ParallelizationFactor &gt; 1; null for a
 *                                    record without one (a Kafka record without a key): such records share one
 *                                    lane, in shard order
 * @param approximateArrivalTimestamp when the record arrived in the stream; drives MaximumRecordAge and IteratorAge
 * @param sizeBytes                   payload size counted against the 6 MB invocation cap and the memory bounds
 * @param payload                     the source's record, handed to the handler as is
 * @param <T>                         the source's payload type
 */
public record StreamRecord<T>(
        String shardId,
        String sequenceNumber,
        @Nullable String partitionKey,
        Instant approximateArrivalTimestamp,
        int sizeBytes,
        T payload) {

    public StreamRecord {
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(sequenceNumber, "sequenceNumber");
        Objects.requireNonNull(approximateArrivalTimestamp, "approximateArrivalTimestamp");
        if (sizeBytes < 0) {
            throw new IllegalArgumentException("sizeBytes must be >= 0 but was " + sizeBytes);
        }
    }
}
