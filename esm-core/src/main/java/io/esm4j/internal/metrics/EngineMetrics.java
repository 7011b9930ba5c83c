package io.esm4j.internal.metrics;

import io.esm4j.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

/** The meters of one mapping, registered once so that the hot path only increments. */
public final class EngineMetrics {

    public final Counter polled;
    public final Counter filteredOut;
    public final Counter invoked;
    public final Counter failedInvoke;
    public final Counter dropped;
    public final Counter deliveredToDestination;
    public final Counter destinationDeliveryFailures;
    public final Counter pollingErrors;
    /** Queue mappings only: messages deleted from the queue. */
    public final Counter deleted;
    public final Counter deleteErrors;
    public final Counter restarts;
    public final DistributionSummary iteratorAge;
    public final DistributionSummary batchSize;
    public final Timer handlerDuration;

    public EngineMetrics(MeterRegistry registry, String mappingName) {
        Tags tags = Tags.of(MetricNames.MAPPING_TAG, mappingName);
        polled = registry.counter(MetricNames.POLLED_EVENT_COUNT, tags);
        filteredOut = registry.counter(MetricNames.FILTERED_OUT_EVENT_COUNT, tags);
        invoked = registry.counter(MetricNames.INVOKED_EVENT_COUNT, tags);
        failedInvoke = registry.counter(MetricNames.FAILED_INVOKE_EVENT_COUNT, tags);
        dropped = registry.counter(MetricNames.DROPPED_EVENT_COUNT, tags);
        deliveredToDestination = registry.counter(MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT, tags);
        destinationDeliveryFailures = registry.counter(MetricNames.DESTINATION_DELIVERY_FAILURES, tags);
        pollingErrors = registry.counter(MetricNames.POLLING_ERROR_COUNT, tags);
        deleted = registry.counter(MetricNames.DELETED_EVENT_COUNT, tags);
        deleteErrors = registry.counter(MetricNames.DELETE_ERROR_COUNT, tags);
        restarts = registry.counter(MetricNames.RESTART_COUNT, tags);
        iteratorAge = DistributionSummary.builder(MetricNames.ITERATOR_AGE).baseUnit("milliseconds").tags(tags)
                .register(registry);
        batchSize = DistributionSummary.builder(MetricNames.BATCH_SIZE).baseUnit("records").tags(tags)
                .register(registry);
        handlerDuration = Timer.builder(MetricNames.HANDLER_DURATION).tags(tags).register(registry);
    }
}
