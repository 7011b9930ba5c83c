package io.esm4j.kafka.internal;

import io.esm4j.kafka.KafkaRecord;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;

/** A consumer record as the engine sees it: ordered by partition, laned by key, aged by timestamp. */
final class RecordConverter {

    private static final byte[] EMPTY = new byte[0];

    private RecordConverter() {}

    static StreamRecord<KafkaRecord> convert(ConsumerRecord<byte[], byte[]> record, Instant readAt) {
        List<Map<String, byte[]>> headers = new ArrayList<>();
        for (Header header : record.headers()) {
            byte[] value = header.value() == null ? EMPTY : header.value();
            headers.add(Map.of(header.key(), value));
        }
        KafkaRecord payload = new KafkaRecord(record.topic(), record.partition(), record.offset(),
                record.timestamp(), record.timestampType().name(), record.key(), record.value(), headers);
        // What the record adds to the event, with the comma before it: the 6 MB invocation cap and the memory
        // bounds count the event's bytes, as Lambda counts its invocation payload.
        int size = (int) Math.min(Integer.MAX_VALUE, KafkaEventSize.record(payload) + 1);
        // The key decides the lane; Latin-1 maps every byte to one char, so equal keys (and only they) are equal.
        String laneKey = record.key() == null ? null : new String(record.key(), StandardCharsets.ISO_8859_1);
        // MaximumRecordAge counts from the record's timestamp; a record without one is as old as its read.
        Instant timestamp = record.timestamp() < 0 ? readAt : Instant.ofEpochMilli(record.timestamp());
        return new StreamRecord<>(payload.topicPartition(), Long.toString(record.offset()), laneKey, timestamp, size,
                payload);
    }
}
