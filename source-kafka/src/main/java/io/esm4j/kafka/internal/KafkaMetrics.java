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

    /**
     * @param groupId the mapping's consumer group: mappings of one name in one group share out its partitions, and
     *                their lags and partitions add up; mappings of other groups each read every partition, and the
     *                largest group's total is read, not the sum over groups (which counted each partition twice)
     */
    KafkaMetrics(EngineMetrics engine, String groupId, Map<TopicPartition, PartitionState> partitions) {
        this.engine = engine;
        committed = engine.counter(KafkaMetricNames.COMMITTED_EVENT_COUNT);
        commitErrors = engine.counter(KafkaMetricNames.COMMIT_ERROR_COUNT);
        rebalances = engine.counter(KafkaMetricNames.REBALANCES);
        assigned = engine.counter(KafkaMetricNames.PARTITIONS_ASSIGNED);
        revoked = engine.counter(KafkaMetricNames.PARTITIONS_REVOKED);
        lost = engine.counter(KafkaMetricNames.PARTITIONS_LOST);
        schemaRegistryErrors = engine.counter(KafkaMetricNames.SCHEMA_REGISTRY_ERROR_COUNT);
        engine.groupGauge(KafkaMetricNames.OFFSET_LAG, groupId, partitions, KafkaMetrics::sumLag);
        engine.groupGauge(KafkaMetricNames.SUM_OFFSET_LAG, groupId, partitions, KafkaMetrics::sumLag);
        engine.gauge(KafkaMetricNames.MAX_OFFSET_LAG, EngineMetrics.Combine.MAX, partitions, KafkaMetrics::maxLag);
        engine.groupGauge(KafkaMetricNames.PARTITIONS_OWNED, groupId, partitions, Map::size);
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
