package io.esm4j.kafka.internal;

import io.esm4j.failure.FailureCondition;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSchemaMetadata;
import io.esm4j.kafka.KafkaSchemaRegistry.Attribute;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.jspecify.annotations.Nullable;

/**
 * Consumer records of one partition as the engine sees them: ordered by partition, laned by key, aged by timestamp.
 * Every record read is converted, so what all records of the partition share (its shard id, its part of each
 * record's event size) is worked out once here. Only the {@link Intake} thread uses it.
 */
final class RecordConverter {

    private static final byte[] EMPTY = new byte[0];

    private final String shardId;
    private final long partitionBytes;
    private final boolean laneKeys;
    private final @Nullable SchemaDecoding decoding;
    /** Set when {@link #convert} returned null: completes once the schema the record waits for is known. */
    @Nullable CompletableFuture<?> waitingFor;
    /** The last timestamp converted: records produced together share their millisecond, and then one Instant. */
    private long lastMillis = Long.MIN_VALUE;
    private Instant lastInstant = Instant.EPOCH;

    /**
     * @param shardId  {@code <topic>-<partition>}, Lambda's name for the partition
     * @param laneKeys whether records are dealt to more than one lane by key (ParallelizationFactor &gt; 1): with
     *                 one lane the key decides nothing, and no lane key is built
     */
    RecordConverter(TopicPartition partition, String shardId, boolean laneKeys, @Nullable SchemaDecoding decoding) {
        this.shardId = shardId;
        this.partitionBytes = KafkaEventSize.partitionFields(partition.topic(), partition.partition());
        this.laneKeys = laneKeys;
        this.decoding = decoding;
    }

    /**
     * The record as the engine sees it, its key and value as the mapping's schema registry makes them if it has one;
     * null if a schema is still being fetched ({@link #waitingFor} says until when). A record whose key or value
     * cannot be delivered comes back {@link StreamRecord#rejected}, as read.
     */
    @Nullable StreamRecord<KafkaRecord> convert(ConsumerRecord<byte[], byte[]> record, Instant readAt) {
        byte[] key = record.key();
        byte[] value = record.value();
        KafkaSchemaMetadata keyMetadata = null;
        KafkaSchemaMetadata valueMetadata = null;
        byte[] decodedJson = null;
        FailureCondition rejection = null;
        if (decoding != null) {
            SchemaDecoding.Part keyPart = decoding.decode(Attribute.KEY, key);
            // A rejected key rejects the record: its value need not wait for a schema.
            SchemaDecoding.Part valuePart = keyPart instanceof SchemaDecoding.Rejected ? keyPart
                    : decoding.decode(Attribute.VALUE, value);
            SchemaDecoding.Waiting waiting = keyPart instanceof SchemaDecoding.Waiting onKey ? onKey
                    : valuePart instanceof SchemaDecoding.Waiting onValue ? onValue : null;
            if (waiting != null) {
                waitingFor = waiting.until();
                return null;
            }
            if (keyPart instanceof SchemaDecoding.Rejected rejected) {
                rejection = rejected.condition();
            } else if (valuePart instanceof SchemaDecoding.Rejected rejected) {
                rejection = rejected.condition();
            } else {
                SchemaDecoding.Decoded decodedKey = (SchemaDecoding.Decoded) keyPart;
                SchemaDecoding.Decoded decodedValue = (SchemaDecoding.Decoded) valuePart;
                key = decodedKey.bytes();
                keyMetadata = decodedKey.metadata();
                value = decodedValue.bytes();
                valueMetadata = decodedValue.metadata();
                decodedJson = decodedValue.json();
            }
        }
        KafkaRecord payload = new KafkaRecord(record.topic(), record.partition(), record.offset(),
                record.timestamp(), record.timestampType().name(), key, value, headers(record), keyMetadata,
                valueMetadata, decodedJson);
        // What the record adds to the event, with the comma before it: the 6 MB invocation cap and the memory
        // bounds count the event's bytes, as Lambda counts its invocation payload.
        int size = (int) Math.min(Integer.MAX_VALUE, partitionBytes + KafkaEventSize.recordFields(payload) + 1);
        // The key decides the lane; Latin-1 maps every byte to one char, so equal keys (and only they) are equal.
        // It is what the handler sees as partitionKey (the README says so): the key's text is KafkaRecord.key().
        String laneKey = !laneKeys || record.key() == null ? null
                : new String(record.key(), StandardCharsets.ISO_8859_1);
        // MaximumRecordAge counts from the record's timestamp; a record without one is as old as its read.
        Instant timestamp = record.timestamp() < 0 ? readAt : instant(record.timestamp());
        StreamRecord<KafkaRecord> converted = StreamRecord.numbered(shardId, record.offset(), laneKey, timestamp,
                size, payload);
        if (decodedJson != null && decodedJson != value) {
            // The value decoded for the filter criteria stays beside its bytes (SOURCE format) until the record is
            // done: the memory bounds count it, the event (and so the 6 MB cap) does not contain it.
            converted = converted.holding(decodedJson.length);
        }
        return rejection == null ? converted : converted.rejected(rejection);
    }

    private Instant instant(long millis) {
        if (millis != lastMillis) {
            lastInstant = Instant.ofEpochMilli(millis);
            lastMillis = millis;
        }
        return lastInstant;
    }

    private static List<Map<String, byte[]>> headers(ConsumerRecord<byte[], byte[]> record) {
        Header[] all = record.headers().toArray();
        if (all.length == 0) {
            return List.of();
        }
        List<Map<String, byte[]>> headers = new ArrayList<>(all.length);
        for (Header header : all) {
            byte[] value = header.value() == null ? EMPTY : header.value();
            headers.add(Map.of(header.key(), value));
        }
        return headers;
    }
}
