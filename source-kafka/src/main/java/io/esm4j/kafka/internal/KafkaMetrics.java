package io.esm4j.kafka.internal;

import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.kafka.KafkaMetricNames;
import io.micrometer.core.instrument.Counter;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/** The Kafka meters of a mapping, on top of the engine's (polled, filtered, invoked, failed, dropped, ...). */
final class KafkaMetrics {

    final EngineMetrics engine;
    final Counter committed;
    final Counter commitErrors;
    final Counter rebalances;
    final Counter assigned;
    final Counter revoked;
    final Counter lost;
    final Counter schemaRegistryErrors;

    KafkaMetrics(EngineMetrics engine, Map<TopicPartition, PartitionState> partitions) {
        this.engine = engine;
        committed = engine.counter(KafkaMetricNames.COMMITTED_EVENT_COUNT);
        commitErrors = engine.counter(KafkaMetricNames.COMMIT_ERROR_COUNT);
        rebalances = engine.counter(KafkaMetricNames.REBALANCES);
        assigned = engine.counter(KafkaMetricNames.PARTITIONS_ASSIGNED);
        revoked = engine.counter(KafkaMetricNames.PARTITIONS_REVOKED);
        lost = engine.counter(KafkaMetricNames.PARTITIONS_LOST);
        schemaRegistryErrors = engine.counter(KafkaMetricNames.SCHEMA_REGISTRY_ERROR_COUNT);
        engine.gauge(KafkaMetricNames.OFFSET_LAG, EngineMetrics.Combine.SUM, partitions, KafkaMetrics::sumLag);
        engine.gauge(KafkaMetricNames.SUM_OFFSET_LAG, EngineMetrics.Combine.SUM, partitions, KafkaMetrics::sumLag);
        engine.gauge(KafkaMetricNames.MAX_OFFSET_LAG, EngineMetrics.Combine.MAX, partitions, KafkaMetrics::maxLag);
        engine.gauge(KafkaMetricNames.PARTITIONS_OWNED, EngineMetrics.Combine.SUM, partitions, Map::size);
    }

    void partitionAdded(PartitionState state) {
        state.lagGauge = engine.shardGauge(KafkaMetricNames.PARTITION_OFFSET_LAG, state.shardId, state,
                s -> s.lag);
    }

    void partitionRemoved(PartitionState state) {
        if (state.lagGauge != null) {
            engine.remove(state.lagGauge);
            state.lagGauge = null;
        }
    }

    private static double sumLag(Map<TopicPartition, PartitionState> partitions) {
        long sum = 0;
        for (PartitionState state : partitions.values()) {
            sum += Math.max(0, state.lag);
        }
        return sum;
    }

    private static double maxLag(Map<TopicPartition, PartitionState> partitions) {
        long max = 0;
        for (PartitionState state : partitions.values()) {
            max = Math.max(max, state.lag);
        }
        return max;
    }
}
