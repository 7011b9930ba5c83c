package io.esm4j.handler;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One invocation's records.
 *
 * @param records                the records, in shard (or queue) order
 * @param partition              the shard (Kinesis, DynamoDB Streams), topic-partition (Kafka) or queue (SQS) the
 *                               records come from; a batch never mixes them. Tumbling-window events of Kinesis and
 *                               DynamoDB Streams still call it {@code shardId} in their JSON, as Lambda does
 * @param eventSourceArn         the stream or queue ARN
 * @param approximateInvokeCount how many times the first record of this batch has been sent to the handler,
 *                               this invocation included (1 on the first attempt); 1 for queue batches
 * @param window                 the tumbling window, or null when TumblingWindowInSeconds is 0
 */
public record Batch<R>(List<R> records, String partition, String eventSourceArn, int approximateInvokeCount,
                       @Nullable TimeWindow window) {

    public Batch {
        records = List.copyOf(records);
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(eventSourceArn, "eventSourceArn");
        if (approximateInvokeCount < 1) {
            throw new IllegalArgumentException("approximateInvokeCount must be >= 1 (this invocation counts) but was "
                    + approximateInvokeCount);
        }
    }

    public Batch(List<R> records, String partition, String eventSourceArn, int approximateInvokeCount) {
        this(records, partition, eventSourceArn, approximateInvokeCount, null);
    }

    /** The same batch with other records: what the handler sees when some records were already done. */
    public Batch<R> withRecords(List<R> otherRecords) {
        return new Batch<>(otherRecords, partition, eventSourceArn, approximateInvokeCount, window);
    }

    public int size() {
        return records.size();
    }
}
