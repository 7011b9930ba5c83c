package io.esm4j.kinesis;

import io.esm4j.stream.ReadStart;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/**
 * Where Kinesis is asked to start reading a shard, for GetShardIterator and SubscribeToShard alike. Resuming after
 * a KPL sub-record {@code S/k} starts AT_SEQUENCE_NUMBER {@code S}; the reader then drops the sub-records up to
 * {@code k} ({@link KinesisPosition#precedes}).
 */
record ShardStart(ShardIteratorType type, @Nullable String sequenceNumber, @Nullable Instant timestamp) {

    static ShardStart of(ReadStart start) {
        return switch (start) {
            case ReadStart.TrimHorizon t -> new ShardStart(ShardIteratorType.TRIM_HORIZON, null, null);
            case ReadStart.Latest l -> new ShardStart(ShardIteratorType.LATEST, null, null);
            case ReadStart.AtTimestamp at -> new ShardStart(ShardIteratorType.AT_TIMESTAMP, null, at.timestamp());
            case ReadStart.AfterSequenceNumber after -> {
                KinesisPosition position = KinesisPosition.parse(after.sequenceNumber());
                yield new ShardStart(position.aggregated() ? ShardIteratorType.AT_SEQUENCE_NUMBER
                        : ShardIteratorType.AFTER_SEQUENCE_NUMBER, position.sequenceNumber(), null);
            }
        };
    }
}
