package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.kafka.internal.KafkaEventSize;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The event's size counted without writing it ({@link KafkaEventSize}) is the size of the JSON
 * {@link KafkaEventJson} writes, byte for byte, and {@link KafkaSource#exceedsPayloadLimit} draws the line at 6 MB.
 */
class KafkaEventSizeTest {

    private static final KafkaSource SELF_MANAGED = KafkaSource.builder().bootstrapServers("b-1:9092,b-2:9092")
            .topics("orders").build();
    private static final KafkaSource MSK = KafkaSource.builder().bootstrapServers("b-1.msk:9098").topics("orders")
            .eventSourceArn("arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc-1").build();

    @Test
    void theCountedSizeIsTheWrittenSizeForEveryKindOfRecord() {
        List<KafkaRecord> records = List.of(
                record("orders", 0, 0, "k", "v", List.of()),
                record("orders", 0, 1, null, "no key", List.of()),
                record("orders", 0, 12_345_678_901L, "k", null, List.of()),
                record("orders", 3, 7, "ключ", "значение €", List.of(
                        Map.of("trace", new byte[] {0, 1, -1, 127, -128, 10, -10, 100, -100}),
                        Map.of("empty", new byte[0]),
                        Map.of("quote\"back\\slash\ttab\u0001ü€\uD83D\uDE00", new byte[] {42}))),
                new KafkaRecord("orders", 1, 5, -1, "NO_TIMESTAMP_TYPE", new byte[1], new byte[2], List.of()),
                new KafkaRecord("orders", 1, 6, Long.MAX_VALUE, "LOG_APPEND_TIME", new byte[3], new byte[1_000],
                        List.of()),
                // Digit counts at their edges, and a timestamp type Kafka does not have.
                new KafkaRecord("orders", 10, 999_999_999_999_999_999L, -12_345, "OTHER_\"TYPE\"", null, null,
                        List.of()),
                new KafkaRecord("orders", 99, 1_000_000_000_000_000_000L, 9, "CREATE_TIME", null, new byte[0],
                        List.of()),
                // With a schema registry: the metadata of the key, the value, or both.
                new KafkaRecord("orders", 1, 7, 9, "CREATE_TIME", new byte[4], new byte[5], List.of(),
                        new KafkaSchemaMetadata("AVRO", "17"), new KafkaSchemaMetadata("JSON", "2024")),
                new KafkaRecord("orders", 1, 8, 9, "CREATE_TIME", null, new byte[5], List.of(), null,
                        new KafkaSchemaMetadata("PROTOBUF", "b8f5c1e2-\"glue\"-id")));
        for (KafkaSource source : List.of(SELF_MANAGED, MSK)) {
            for (KafkaRecord record : records) {
                assertThat(counted(source, List.of(record))).as("%s", record)
                        .isEqualTo(written(source, List.of(record)));
            }
            // Several partitions in one event, each a list, commas between records and lists.
            assertThat(counted(source, records)).isEqualTo(written(source, records));
        }
    }

    @Test
    void aRecordIsTooLargeWhenItsOneRecordEventIsOverSixMegabytes() {
        // The one-record event around a value of n bytes: its base64 plus everything else, which this finds.
        KafkaRecord empty = record("orders", 0, 0, "k", "", List.of());
        long around = written(SELF_MANAGED, List.of(empty));
        int limit = StreamSettings.MAX_PAYLOAD_BYTES;
        // The largest value whose base64 still fits: 3 bytes per 4 characters.
        int fits = (int) ((limit - around) / 4 * 3);
        assertThat(SELF_MANAGED.exceedsPayloadLimit(converted(record("orders", 0, 0, "k", "x".repeat(fits),
                List.of())))).isFalse();
        assertThat(SELF_MANAGED.exceedsPayloadLimit(converted(record("orders", 0, 0, "k", "x".repeat(fits + 1),
                List.of())))).isTrue();
    }

    private static long counted(KafkaSource source, List<KafkaRecord> records) {
        return KafkaEventSize.event(source.eventSource(), source.eventSourceArn(), source.bootstrapServers(),
                records);
    }

    private static long written(KafkaSource source, List<KafkaRecord> records) {
        return KafkaEventJson.write(source, records).getBytes(StandardCharsets.UTF_8).length;
    }

    /** As the poll thread converts it: the record's size is its part of the event plus a comma. */
    private static StreamRecord<KafkaRecord> converted(KafkaRecord record) {
        int size = (int) KafkaEventSize.record(record) + 1;
        return new StreamRecord<>(record.topicPartition(), Long.toString(record.offset()), null, Instant.now(), size,
                record);
    }

    private static KafkaRecord record(String topic, int partition, long offset, String key, String value,
                                      List<Map<String, byte[]>> headers) {
        return new KafkaRecord(topic, partition, offset, 1_545_084_650_987L, "CREATE_TIME", KafkaBroker.bytes(key),
                KafkaBroker.bytes(value), headers);
    }
}
