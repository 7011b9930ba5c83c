package io.esm4j.internal.metrics;

import io.esm4j.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.noop.NoopCounter;
import io.micrometer.core.instrument.noop.NoopTimer;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one mapping, registered once so that the hot path only increments, and removed from the registry
 * when the mapping stops: a process that creates and closes many mappings does not accumulate meters. A stream
 * mapping registers only stream meters and a queue mapping only queue meters; the other kind's fields are no-ops.
 */
public final class EngineMetrics {

    /** Which engine the meters are for. */
    public enum Kind { STREAM, QUEUE }

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<Meter> registered = new CopyOnWriteArrayList<>();

    public final Counter polled;
    public final Counter filteredOut;
    public final Counter invoked;
    public final Counter failedInvoke;
    public final Counter pollingErrors;
    public final Counter restarts;
    public final DistributionSummary batchSize;
    public final Timer handlerDuration;
    /** Streams only. */
    public final Counter dropped;
    public final Counter deliveredToDestination;
    public final Counter destinationDeliveryFailures;
    public final Counter leftToNewOwner;
    public final Counter checkpointWriteFailures;
    public final Counter leasesLost;
    public final Counter unfinishedShardsExpired;
    public final Counter leasesTakenUnowned;
    public final Counter leasesTakenExpired;
    public final Counter leasesStolen;
    public final Counter handoffsRequested;
    public final Counter handoffsCompleted;
    public final Counter handoffsTimedOut;
    public final Timer leaseRenewalLatency;
    /** Queues only: messages deleted from the queue. */
    public final Counter deleted;
    public final Counter deleteErrors;

    public EngineMetrics(MeterRegistry registry, String mappingName, Kind kind) {
        this.registry = registry;
        this.tags = Tags.of(MetricNames.MAPPING_TAG, mappingName);
        boolean stream = kind == Kind.STREAM;
        polled = counter(MetricNames.POLLED_EVENT_COUNT, true);
        filteredOut = counter(MetricNames.FILTERED_OUT_EVENT_COUNT, true);
        invoked = counter(MetricNames.INVOKED_EVENT_COUNT, true);
        failedInvoke = counter(MetricNames.FAILED_INVOKE_EVENT_COUNT, true);
        pollingErrors = counter(MetricNames.POLLING_ERROR_COUNT, true);
        restarts = counter(MetricNames.RESTART_COUNT, true);
        dropped = counter(MetricNames.DROPPED_EVENT_COUNT, stream);
        deliveredToDestination = counter(MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT, stream);
        destinationDeliveryFailures = counter(MetricNames.DESTINATION_DELIVERY_FAILURES, stream);
        leftToNewOwner = counter(MetricNames.LEFT_TO_NEW_OWNER_EVENT_COUNT, stream);
        checkpointWriteFailures = counter(MetricNames.CHECKPOINT_WRITE_FAILURES, stream);
        leasesLost = counter(MetricNames.LEASES_LOST, stream);
        unfinishedShardsExpired = counter(MetricNames.UNFINISHED_SHARDS_EXPIRED, stream);
        leasesTakenUnowned = taken("unowned", stream);
        leasesTakenExpired = taken("expired", stream);
        leasesStolen = taken("stolen", stream);
        handoffsRequested = counter(MetricNames.LEASE_HANDOFFS_REQUESTED, stream);
        handoffsCompleted = counter(MetricNames.LEASE_HANDOFFS_COMPLETED, stream);
        handoffsTimedOut = counter(MetricNames.LEASE_HANDOFFS_TIMED_OUT, stream);
        leaseRenewalLatency = stream
                ? keep(Timer.builder(MetricNames.LEASE_RENEWAL_LATENCY).tags(tags).register(registry))
                : new NoopTimer(new Meter.Id(MetricNames.LEASE_RENEWAL_LATENCY, tags, null, null, Meter.Type.TIMER));
        deleted = counter(MetricNames.DELETED_EVENT_COUNT, !stream);
        deleteErrors = counter(MetricNames.DELETE_ERROR_COUNT, !stream);
        batchSize = keep(DistributionSummary.builder(MetricNames.BATCH_SIZE).baseUnit("records").tags(tags)
                .register(registry));
        handlerDuration = keep(Timer.builder(MetricNames.HANDLER_DURATION).tags(tags).register(registry));
    }

    /** A gauge of the mapping (e.g. the largest iterator age), read from {@code source} when scraped. */
    public <S> void gauge(String name, S source, ToDoubleFunction<S> value) {
        keep(Gauge.builder(name, source, value).tags(tags).strongReference(true).register(registry));
    }

    /** A counter of the mapping that a source's own engine keeps (e.g. Kafka's commits), removed at close. */
    public Counter counter(String name) {
        return counter(name, true);
    }

    /** A gauge of one shard, tagged with its id; remove it with {@link #remove(Meter)} when the shard goes. */
    public <S> Meter shardGauge(String name, String shardId, S source, ToDoubleFunction<S> value) {
        return keep(Gauge.builder(name, source, value).tags(tags.and(MetricNames.SHARD_TAG, shardId))
                .strongReference(true).register(registry));
    }

    public void remove(Meter meter) {
        registered.remove(meter);
        registry.remove(meter);
    }

    /** Removes every meter of the mapping from the registry. */
    public void close() {
        for (Meter meter : registered) {
            registry.remove(meter);
        }
        registered.clear();
    }

    private Counter taken(String from, boolean applies) {
        Tags taggedFrom = tags.and(MetricNames.FROM_TAG, from);
        return applies ? keep(registry.counter(MetricNames.LEASES_TAKEN, taggedFrom))
                : new NoopCounter(new Meter.Id(MetricNames.LEASES_TAKEN, taggedFrom, null, null, Meter.Type.COUNTER));
    }

    private Counter counter(String name, boolean applies) {
        return applies ? keep(registry.counter(name, tags)) : new NoopCounter(new Meter.Id(name, tags, null, null,
                Meter.Type.COUNTER));
    }

    private <M extends Meter> M keep(M meter) {
        registered.add(meter);
        return meter;
    }
}
