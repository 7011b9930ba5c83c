package io.esm4j.kafka;

import io.esm4j.failure.BatchInfo;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.kafka.internal.KafkaEventSize;
import io.esm4j.stream.StreamRecord;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The {@code KafkaBatchInfo} of Lambda's Kafka on-failure record: batch size, cluster, payload size, and per
 * partition the first and last offsets and timestamps of the records given up (docs/lambda-semantics.md §3.5).
 */
final class KafkaBatchInfo implements BatchInfo {

    static final String JSON_KEY = "KafkaBatchInfo";

    private final Map<String, @Nullable Object> fields;

    private KafkaBatchInfo(Map<String, @Nullable Object> fields) {
        this.fields = fields;
    }

    static KafkaBatchInfo of(KafkaSource source, List<StreamRecord<KafkaRecord>> records) {
        Map<String, @Nullable Object> fields = header(source, records);
        Map<String, Object> recordsInfo = new LinkedHashMap<>();
        Map<String, List<KafkaRecord>> byPartition = new LinkedHashMap<>();
        for (StreamRecord<KafkaRecord> record : records) {
            byPartition.computeIfAbsent(record.shardId(), k -> new java.util.ArrayList<>()).add(record.payload());
        }
        byPartition.forEach((partition, partitionRecords) -> {
            KafkaRecord first = partitionRecords.getFirst();
            KafkaRecord last = partitionRecords.getLast();
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("firstRecordOffset", Long.toString(first.offset()));
            info.put("lastRecordOffset", Long.toString(last.offset()));
            info.put("firstRecordTimestamp", timestamp(first));
            info.put("lastRecordTimestamp", timestamp(last));
            recordsInfo.put(partition, info);
        });
        fields.put("recordsInfo", recordsInfo);
        return new KafkaBatchInfo(fields);
    }

    /** The one-record form a Kafka topic destination writes: {@code recordInfo} with the offset and timestamp. */
    static KafkaBatchInfo ofOne(KafkaSource source, StreamRecord<KafkaRecord> record) {
        Map<String, @Nullable Object> fields = header(source, List.of(record));
        Map<String, Object> info = new LinkedHashMap<>();
        info.put("offset", Long.toString(record.payload().offset()));
        info.put("timestamp", timestamp(record.payload()));
        fields.put("recordInfo", info);
        return new KafkaBatchInfo(fields);
    }

    private static Map<String, @Nullable Object> header(KafkaSource source, List<StreamRecord<KafkaRecord>> records) {
        // Lambda's payloadSize is the size of the invocation payload: the event of these records, in bytes.
        long payloadSize = KafkaEventSize.event(source.eventSource(), source.eventSourceArn(),
                source.bootstrapServers(), records.stream().map(StreamRecord::payload).toList());
        Map<String, @Nullable Object> fields = new LinkedHashMap<>();
        fields.put("batchSize", records.size());
        if (source.eventSourceArn() != null) {
            fields.put("eventSourceArn", source.eventSourceArn());
        }
        fields.put("bootstrapServers", source.bootstrapServers());
        fields.put("payloadSize", payloadSize);
        return fields;
    }

    /** Always with milliseconds ({@code 2019-11-14T00:38:04.000Z}), as Lambda writes it; never before the epoch. */
    private static String timestamp(KafkaRecord record) {
        return BatchInfoStyle.KINESIS.formatArrival(Instant.ofEpochMilli(Math.max(0, record.timestamp())));
    }

    @Override
    public String jsonKey() {
        return JSON_KEY;
    }

    @Override
    public Map<String, @Nullable Object> jsonFields() {
        return fields;
    }
}
