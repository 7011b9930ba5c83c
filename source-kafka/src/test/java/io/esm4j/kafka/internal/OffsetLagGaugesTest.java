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
        new KafkaMetrics(new EngineMetrics(registry, "lags", EngineMetrics.Kind.KAFKA), owned);
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

    private static double gauge(SimpleMeterRegistry registry, String name) {
        return registry.get(name).tag("mapping", "lags").gauge().value();
    }
}
