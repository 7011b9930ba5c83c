package io.esm4j.kafka.internal;

import static io.esm4j.handler.JsonSize.base64;
import static io.esm4j.handler.JsonSize.string;

import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSchemaMetadata;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The size in UTF-8 bytes of Lambda's Kafka event as {@code KafkaEventJson} writes it, counted without writing it:
 * what the 6 MB invocation cap, the memory bounds and the failure record's {@code payloadSize} measure. Key and value
 * count as base64, header values as lists of signed byte values. A test compares every count with the written JSON.
 */
public final class KafkaEventSize {

    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        long power = 1;
        for (int i = 0; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = power;
            power *= 10;
        }
    }

    private KafkaEventSize() {}

    /** One record's object in the event's {@code records} list, without the comma before it. */
    public static long record(KafkaRecord record) {
        return partitionFields(record.topic(), record.partition()) + recordFields(record);
    }

    /**
     * The part of {@link #record} that every record of one partition shares, its topic and partition: the poll
     * thread counts it once per partition, not once per record.
     */
    static long partitionFields(String topic, int partition) {
        return "\"topic\":".length() + string(topic) + ",\"partition\":".length() + digits(partition);
    }

    /** {@link #record} without {@link #partitionFields}. */
    static long recordFields(KafkaRecord record) {
        long size = "{".length()
                + ",\"offset\":".length() + digits(record.offset())
                + ",\"timestamp\":".length() + digits(record.timestamp())
                + ",\"timestampType\":".length() + timestampType(record.timestampType())
                + ",\"headers\":[".length() + "]}".length();
        if (record.key() != null) {
            size += ",\"key\":".length() + 2 + base64(record.key().length);
        }
        if (record.value() != null) {
            size += ",\"value\":".length() + 2 + base64(record.value().length);
        }
        size += schemaMetadata("keySchemaMetadata", record.keySchemaMetadata())
                + schemaMetadata("valueSchemaMetadata", record.valueSchemaMetadata());
        int headers = 0;
        for (Map<String, byte[]> header : record.headers()) {
            size += headers++ > 0 ? 1 : 0;
            size += "{}".length();
            int entries = 0;
            for (Map.Entry<String, byte[]> entry : header.entrySet()) {
                size += entries++ > 0 ? 1 : 0;
                size += string(entry.getKey()) + ":[]".length();
                byte[] value = entry.getValue();
                for (int i = 0; i < value.length; i++) {
                    size += (i > 0 ? 1 : 0) + digits(value[i]);
                }
            }
        }
        return size;
    }

    /**
     * The whole event for {@code records} (one batch, in order), grouped by partition as the event groups them:
     * the envelope, each partition's list and every record.
     */
    public static long event(String eventSource, @Nullable String eventSourceArn, String bootstrapServers,
                             List<KafkaRecord> records) {
        // Each partition's records with a comma after each: one comma too many, taken off below.
        Map<String, Long> byPartition = new LinkedHashMap<>();
        for (KafkaRecord record : records) {
            byPartition.merge(record.topicPartition(), record(record) + 1, Long::sum);
        }
        long size = envelope(eventSource, eventSourceArn, bootstrapServers);
        int partitions = 0;
        for (Map.Entry<String, Long> partition : byPartition.entrySet()) {
            size += (partitions++ > 0 ? 1 : 0) + partitionList(partition.getKey());
            size += partition.getValue() - 1;
        }
        return size;
    }

    /**
     * {@code {"eventSource":..,"eventSourceArn":..,"bootstrapServers":..,"records":{}}} with no partition. With a
     * partition's list and its records' sizes and the commas between them, the event of one partition's records.
     */
    public static long envelope(String eventSource, @Nullable String eventSourceArn, String bootstrapServers) {
        long size = "{\"eventSource\":".length() + string(eventSource)
                + ",\"bootstrapServers\":".length() + string(bootstrapServers)
                + ",\"records\":{".length() + "}}".length();
        if (eventSourceArn != null) {
            size += ",\"eventSourceArn\":".length() + string(eventSourceArn);
        }
        return size;
    }

    /** {@code "<topic>-<partition>":[]} around a partition's records. */
    public static long partitionList(String topicPartition) {
        return string(topicPartition) + ":[]".length();
    }

    /** {@code ,"<field>":{"dataFormat":..,"schemaId":..}}, or nothing without metadata. */
    private static long schemaMetadata(String field, @Nullable KafkaSchemaMetadata metadata) {
        if (metadata == null) {
            return 0;
        }
        return 1 + field.length() + 2 + ":{\"dataFormat\":".length() + string(metadata.dataFormat())
                + ",\"schemaId\":".length() + string(metadata.schemaId()) + "}".length();
    }

    /** One of Kafka's three names is plain ASCII: its length and the quotes; any other string is counted. */
    private static long timestampType(String type) {
        return switch (type) {
            case "CREATE_TIME", "LOG_APPEND_TIME", "NO_TIMESTAMP_TYPE" -> type.length() + 2;
            default -> string(type);
        };
    }

    /**
     * The decimal digits of {@code value}, with its sign. This is per record (offset and timestamp), so the count
     * comes from the bit length (1233 / 4096 is just over log10 2) and one comparison, not a loop.
     */
    private static int digits(long value) {
        if (value == Long.MIN_VALUE) {
            return 20;
        }
        long rest = Math.abs(value);
        int lower = ((64 - Long.numberOfLeadingZeros(rest | 1)) * 1233) >>> 12;
        int digits = rest < 10 ? 1 : lower + (rest >= POWERS_OF_TEN[lower] ? 1 : 0);
        return value < 0 ? digits + 1 : digits;
    }
}
