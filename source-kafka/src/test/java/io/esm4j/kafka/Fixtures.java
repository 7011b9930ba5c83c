package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerRecord;

/** What the Kafka tests share: fast settings, keyed test data and its ordering check. */
final class Fixtures {

    private Fixtures() {}

    /** No batching window, a short commit cadence and fast retries: tests wait for conditions, not for time. */
    static StreamSettings.Builder fast() {
        return KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(100))
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50));
    }

    static KafkaSource.Builder source(KafkaBroker broker, String topic) {
        return KafkaSource.builder().bootstrapServers(broker.bootstrapServers).topics(topic)
                .consumerProperty("session.timeout.ms", "10000")
                .consumerProperty("heartbeat.interval.ms", "500");
    }

    /**
     * {@code count} records over {@code keys} keys (every fifth without a key), value {@code v<i>}; a key always
     * goes to the same partition, records without a key round the partitions.
     */
    static List<ProducerRecord<byte[], byte[]>> keyed(String topic, int partitions, int keys, int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String key = i % 5 == 0 ? null : "k" + i % keys;
            int partition = key == null ? i % partitions : Math.floorMod(key.hashCode(), partitions);
            records.add(new ProducerRecord<>(topic, partition, KafkaBroker.bytes(key), KafkaBroker.bytes("v" + i)));
        }
        return records;
    }

    /** Every value is there, and within a key (or a partition's records without key) values come in order. */
    static void assertCompleteAndOrdered(Map<String, List<String>> valuesByKey, int count, boolean duplicatesAllowed) {
        List<Integer> seen = new ArrayList<>();
        valuesByKey.forEach((key, values) -> {
            List<Integer> firstSeen = new ArrayList<>();
            for (String value : values) {
                int i = Integer.parseInt(value.substring(1));
                if (!firstSeen.contains(i)) {
                    assertThat(firstSeen.isEmpty() || firstSeen.getLast() < i)
                            .as("key %s: v%d after %s", key, i, firstSeen).isTrue();
                    firstSeen.add(i);
                } else {
                    assertThat(duplicatesAllowed).as("key %s: v%d twice", key, i).isTrue();
                }
            }
            seen.addAll(firstSeen);
        });
        assertThat(seen).hasSize(count).doesNotHaveDuplicates();
    }

    /** Values per key (records without a key under their partition's name), in the order given. */
    static Map<String, List<String>> valuesByKey(List<KafkaRecord> records) {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (KafkaRecord record : records) {
            String key = record.key() == null ? "null@" + record.topicPartition() : KafkaBroker.text(record.key());
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(KafkaBroker.text(record.value()));
        }
        return byKey;
    }

    static void stopQuietly(EventSourceMapping<?> mapping) {
        try {
            mapping.stop(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
