package io.esm4j.kafka;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One Kafka record as a handler receives it: the fields of a record of Lambda's Kafka event, with key and value as
 * bytes (the event JSON writes them in base64).
 *
 * @param topic         the topic
 * @param partition     the partition
 * @param offset        the record's offset in its partition
 * @param timestamp     the record's timestamp, epoch milliseconds (-1 when the record has none)
 * @param timestampType {@code CREATE_TIME}, {@code LOG_APPEND_TIME} or {@code NO_TIMESTAMP_TYPE}
 * @param key           the key, or null for a record without one
 * @param value         the value, or null for a tombstone
 * @param headers       the headers in record order, each a one-entry map of its key to its value (a header key may
 *                      repeat); a header without a value maps to an empty array. Records are equal when their
 *                      fields are, the byte arrays (key, value, header values) by their contents
 * @param keySchemaMetadata   the schema the key was validated with, or null when the mapping's schema registry
 *                            does not validate keys (or it has none)
 * @param valueSchemaMetadata the schema the value was validated with, or null likewise
 * @param decodedValue  the value as JSON, decoded by its schema, when the schema registry delivers values in
 *                      {@code SOURCE} format and the value is Avro or Protobuf: filter criteria match this, as Lambda
 *                      filters on the decoded value whatever form the handler gets. Null otherwise (filters then
 *                      match {@code value}); never part of the event
 */
public record KafkaRecord(
        String topic,
        int partition,
        long offset,
        long timestamp,
        String timestampType,
        byte @Nullable [] key,
        byte @Nullable [] value,
        List<Map<String, byte[]>> headers,
        @Nullable KafkaSchemaMetadata keySchemaMetadata,
        @Nullable KafkaSchemaMetadata valueSchemaMetadata,
        byte @Nullable [] decodedValue) {

    public KafkaRecord {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(timestampType, "timestampType");
        headers = List.copyOf(headers);
    }

    /** A record whose value filters match as it is (no schema registry, or one that delivers JSON). */
    public KafkaRecord(String topic, int partition, long offset, long timestamp, String timestampType,
                       byte @Nullable [] key, byte @Nullable [] value, List<Map<String, byte[]>> headers,
                       @Nullable KafkaSchemaMetadata keySchemaMetadata,
                       @Nullable KafkaSchemaMetadata valueSchemaMetadata) {
        this(topic, partition, offset, timestamp, timestampType, key, value, headers, keySchemaMetadata,
                valueSchemaMetadata, null);
    }

    /** A record of a mapping without a schema registry. */
    public KafkaRecord(String topic, int partition, long offset, long timestamp, String timestampType,
                       byte @Nullable [] key, byte @Nullable [] value, List<Map<String, byte[]>> headers) {
        this(topic, partition, offset, timestamp, timestampType, key, value, headers, null, null, null);
    }

    /** Lambda's name for the record's partition, and the key of its list in the event: {@code <topic>-<partition>}. */
    public String topicPartition() {
        return topic + "-" + partition;
    }

    /** By the bytes of key, value and headers, not the arrays' identity: a record read twice equals itself. */
    @Override
    public boolean equals(Object other) {
        return other instanceof KafkaRecord that
                && topic.equals(that.topic)
                && partition == that.partition
                && offset == that.offset
                && timestamp == that.timestamp
                && timestampType.equals(that.timestampType)
                && Arrays.equals(key, that.key)
                && Arrays.equals(value, that.value)
                && headersEqual(headers, that.headers)
                && Objects.equals(keySchemaMetadata, that.keySchemaMetadata)
                && Objects.equals(valueSchemaMetadata, that.valueSchemaMetadata);
    }

    @Override
    public int hashCode() {
        int headersHash = 1;
        for (Map<String, byte[]> header : headers) {
            for (Map.Entry<String, byte[]> entry : header.entrySet()) {
                headersHash = 31 * headersHash + (entry.getKey().hashCode() ^ Arrays.hashCode(entry.getValue()));
            }
        }
        return Objects.hash(topic, partition, offset, timestamp, timestampType, Arrays.hashCode(key),
                Arrays.hashCode(value), headersHash, keySchemaMetadata, valueSchemaMetadata);
    }

    private static boolean headersEqual(List<Map<String, byte[]>> a, List<Map<String, byte[]>> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            Map<String, byte[]> mine = a.get(i);
            Map<String, byte[]> theirs = b.get(i);
            if (!mine.keySet().equals(theirs.keySet())) {
                return false;
            }
            for (Map.Entry<String, byte[]> entry : mine.entrySet()) {
                if (!Arrays.equals(entry.getValue(), theirs.get(entry.getKey()))) {
                    return false;
                }
            }
        }
        return true;
    }
}
