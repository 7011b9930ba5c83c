package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.kafka.KafkaMetricNames;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The lag gauges of a Kafka mapping over its partitions' lags, without a consumer. */
class OffsetLagGaugesTest {

    @Test
    void lambdasKafkaMetricsGroupHasTheSumAndTheLargestOfThePartitionsLags() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<TopicPartition, PartitionState> owned = new ConcurrentHashMap<>();
        new KafkaMetrics(new EngineMetrics(registry, "lags", EngineMetrics.Kind.KAFKA), "group", owned);
        long generation = 0;
        for (long lag : new long[] {7, 30, -1}) {
            TopicPartition partition = new TopicPartition("orders", (int) generation);
            PartitionState state = new PartitionState(partition, ++generation, false, null);
            // -1: a partition whose lag the consumer does not know yet, left out.
            state.lag = lag;
            owned.put(partition, state);
        }
        assertThat(gauge(registry, KafkaMetricNames.OFFSET_LAG)).isEqualTo(37);
        assertThat(gauge(registry, KafkaMetricNames.SUM_OFFSET_LAG)).isEqualTo(37);
        assertThat(gauge(registry, KafkaMetricNames.MAX_OFFSET_LAG)).isEqualTo(30);
    }

    @Test
    void mappingsOfOneNameAddUpTheirLagsWithinAGroupAndReadTheLargestGroupsAcrossGroups() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // "lags" twice in group g1, splitting the topic's partitions (a hand-over within one process), and once in
        // group g2, reading all of them: the sum over all three counted every partition twice.
        owning(registry, "g1", Map.of(0, 10L, 1, 20L));
        owning(registry, "g1", Map.of(2, 5L));
        owning(registry, "g2", Map.of(0, 1L, 1, 2L, 2, 3L));

        assertThat(gauge(registry, KafkaMetricNames.OFFSET_LAG)).as("g1's 35, not 41").isEqualTo(35);
        assertThat(gauge(registry, KafkaMetricNames.SUM_OFFSET_LAG)).isEqualTo(35);
        assertThat(gauge(registry, KafkaMetricNames.MAX_OFFSET_LAG)).isEqualTo(20);
        assertThat(gauge(registry, KafkaMetricNames.PARTITIONS_OWNED)).as("3 partitions, not 6").isEqualTo(3);
    }

    private static void owning(SimpleMeterRegistry registry, String groupId, Map<Integer, Long> lags) {
        Map<TopicPartition, PartitionState> owned = new ConcurrentHashMap<>();
        new KafkaMetrics(new EngineMetrics(registry, "lags", EngineMetrics.Kind.KAFKA), groupId, owned);
        lags.forEach((number, lag) -> {
            TopicPartition partition = new TopicPartition("orders", number);
            PartitionState state = new PartitionState(partition, 1, false, null);
            state.lag = lag;
            owned.put(partition, state);
        });
    }

    private static double gauge(SimpleMeterRegistry registry, String name) {
        return registry.get(name).tag("mapping", "lags").gauge().value();
    }
}
