package io.esm4j.kafka;

import io.esm4j.metrics.MetricNames;

/**
 * The meters a Kafka mapping adds to the engine's ({@link io.esm4j.metrics.MetricNames}), tagged with the mapping
 * ({@code mapping=<name>}); Lambda's names where Lambda has the metric. Mappings of one name in one process with one
 * registry share them, as the engine's: counters add up, gauges combine as each says.
 */
public final class KafkaMetricNames {

    /**
     * Gauge, Lambda's: records of the mapping's partitions not yet processed (sum over the partitions it owns, and over
     * same-name mappings, which own different partitions of their common consumer group).
     */
    public static final String OFFSET_LAG = "OffsetLag";
    /** Gauge, Lambda's: the largest OffsetLag of one partition (the largest across same-name mappings). */
    public static final String MAX_OFFSET_LAG = "MaxOffsetLag";
    /**
     * Gauge, Lambda's (its KafkaMetrics group, beside MaxOffsetLag): the offset lags of the partitions summed, the same
     * value as {@link #OFFSET_LAG}, under the name a KafkaMetrics dashboard looks for.
     */
    public static final String SUM_OFFSET_LAG = "SumOffsetLag";
    /**
     * Gauge, esm4j: the OffsetLag of one partition, tagged {@code shard=<topic>-<partition>}; the larger if two
     * same-name mappings hold the partition for a moment during a rebalance.
     */
    public static final String PARTITION_OFFSET_LAG = "PartitionOffsetLag";
    /** Gauge, esm4j: partitions the mapping's consumer owns now (the sum across same-name mappings). */
    public static final String PARTITIONS_OWNED = "PartitionsOwned";
    /** Counter, Lambda's: the sum of committed-offset advances. */
    public static final String COMMITTED_EVENT_COUNT = "CommittedEventCount";
    /** Counter, Lambda's: commits the broker refused (they are retried with the next commit). */
    public static final String COMMIT_ERROR_COUNT = "CommitErrorCount";
    /** Counter, esm4j: completed rebalances this consumer took part in. */
    public static final String REBALANCES = "Rebalances";
    /** Counters, esm4j: partitions assigned, revoked (committed and let go) and lost (let go without commit). */
    public static final String PARTITIONS_ASSIGNED = "PartitionsAssigned";
    public static final String PARTITIONS_REVOKED = "PartitionsRevoked";
    public static final String PARTITIONS_LOST = "PartitionsLost";
    /**
     * Counter, Lambda's: calls to the mapping's schema registry that failed (they are tried again; the records that
     * need the schema wait, and their partition's status says so).
     */
    public static final String SCHEMA_REGISTRY_ERROR_COUNT = "SchemaRegistryErrorCount";

    /**
     * Counter, Lambda's: failed invocations, one per invocation whose records count in FailedInvokeEventCount. The
     * engine's invocation path counts it (so its name is {@link MetricNames#INVOKE_ERROR_COUNT}); listed here with the
     * rest of Lambda's Kafka ErrorCount group.
     */
    public static final String INVOKE_ERROR_COUNT = MetricNames.INVOKE_ERROR_COUNT;
    /**
     * Counter, Lambda's: refused deliveries of a failure record to the on-failure destination (each is retried; each
     * also counts in DestinationDeliveryFailures). Counted by the engine's give-up path, as
     * {@link MetricNames#ON_FAILURE_DESTINATION_DELIVERY_ERROR_COUNT}.
     */
    public static final String ON_FAILURE_DESTINATION_DELIVERY_ERROR_COUNT =
            MetricNames.ON_FAILURE_DESTINATION_DELIVERY_ERROR_COUNT;

    private KafkaMetricNames() {}
}
