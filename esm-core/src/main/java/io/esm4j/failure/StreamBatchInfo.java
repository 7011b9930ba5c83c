package io.esm4j.failure;

import io.esm4j.stream.StreamRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@code KinesisBatchInfo} / {@code DDBStreamBatchInfo} object of a stream failure record: the range of
 * records that was given up.
 */
public record StreamBatchInfo(
        BatchInfoStyle style,
        String shardId,
        String startSequenceNumber,
        String endSequenceNumber,
        Instant approximateArrivalOfFirstRecord,
        Instant approximateArrivalOfLastRecord,
        int batchSize,
        String streamArn) implements BatchInfo {

    public StreamBatchInfo {
        Objects.requireNonNull(style, "style");
        Objects.requireNonNull(shardId, "shardId");
        Objects.requireNonNull(startSequenceNumber, "startSequenceNumber");
        Objects.requireNonNull(endSequenceNumber, "endSequenceNumber");
        Objects.requireNonNull(approximateArrivalOfFirstRecord, "approximateArrivalOfFirstRecord");
        Objects.requireNonNull(approximateArrivalOfLastRecord, "approximateArrivalOfLastRecord");
        Objects.requireNonNull(streamArn, "streamArn");
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1 (a given-up range holds a record) but was "
                    + batchSize);
        }
    }

    /** The batch info of given-up records (in shard order, at least one). */
    public static StreamBatchInfo of(BatchInfoStyle style, String shardId, List<? extends StreamRecord<?>> records,
                                     String streamArn) {
        if (records.isEmpty()) {
            throw new IllegalArgumentException("records must hold at least one given-up record of shard " + shardId
                    + " but was empty");
        }
        StreamRecord<?> first = records.getFirst();
        StreamRecord<?> last = records.getLast();
        return new StreamBatchInfo(style, shardId, first.sequenceNumber(), last.sequenceNumber(),
                first.approximateArrivalTimestamp(), last.approximateArrivalTimestamp(), records.size(), streamArn);
    }

    @Override
    public String jsonKey() {
        return style.jsonKey();
    }

    @Override
    public Map<String, @Nullable Object> jsonFields() {
        Map<String, @Nullable Object> fields = new LinkedHashMap<>();
        fields.put("shardId", shardId);
        fields.put("startSequenceNumber", startSequenceNumber);
        fields.put("endSequenceNumber", endSequenceNumber);
        fields.put("approximateArrivalOfFirstRecord", style.formatArrival(approximateArrivalOfFirstRecord));
        fields.put("approximateArrivalOfLastRecord", style.formatArrival(approximateArrivalOfLastRecord));
        fields.put("batchSize", batchSize);
        fields.put("streamArn", streamArn);
        return fields;
    }
}
