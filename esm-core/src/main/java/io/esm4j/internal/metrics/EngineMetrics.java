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
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The meters of one mapping, registered once so that the hot path only increments, and removed from the registry
 * when the mapping stops: a process that creates and closes many mappings does not accumulate meters. A stream
 * mapping registers only stream meters and a queue mapping only queue meters; the other kind's fields are no-ops.
 * A Kafka mapping registers the stream meters and Lambda's per-invocation and per-delivery error counts, which Lambda
 * has for Kafka alone.
 * Mappings of one name running at once share their meters in a shared registry ({@link SharedMeters}).
 */
public final class EngineMetrics {

    /**
     * Which engine the meters are for: {@code KAFKA} is a stream read through an
     * {@link io.esm4j.internal.stream.EngineFactory} (Kafka's consumer group).
     */
    public enum Kind { STREAM, QUEUE, KAFKA }

    /**
     * How a gauge combines the values of mappings of one name running at once in one registry: a total (leases
     * held, concurrency in use) adds up; a worst case (an age, the largest lag) takes the largest. A total over work
     * that mappings of one group share out but mappings of other groups each do in full (Kafka consumer groups: one
     * group splits the partitions, two groups each read all of them) adds up within each group and takes the largest
     * group's: {@code SUM_PER_GROUP}, registered with {@link #groupGauge}.
     */
    public enum Combine { SUM, MAX, SUM_PER_GROUP }

    private final MeterRegistry registry;
    private final Tags tags;
    private final List<SharedMeter<?>> registered = new CopyOnWriteArrayList<>();

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
    public final Counter readPositionsExpired;
    public final Counter failoverTimeMismatches;
    public final Counter leasesTakenUnowned;
    public final Counter leasesTakenExpired;
    public final Counter leasesStolen;
    public final Counter handoffsRequested;
    public final Counter handoffsCompleted;
    public final Counter handoffsTimedOut;
    public final Timer leaseRenewalLatency;
    /**
     * Kafka only: failed invocations (one each) and refused failure-record deliveries, counted on the same paths as
     * {@link #failedInvoke} and {@link #destinationDeliveryFailures}.
     */
    public final Counter invokeErrors;
    public final Counter destinationDeliveryErrors;
    /** Queues only: messages deleted from the queue. */
    public final Counter deleted;
    public final Counter deleteErrors;

    public EngineMetrics(MeterRegistry registry, String mappingName, Kind kind) {
        this.registry = registry;
        this.tags = Tags.of(MetricNames.MAPPING_TAG, mappingName);
        boolean stream = kind != Kind.QUEUE;
        boolean kafka = kind == Kind.KAFKA;
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
        readPositionsExpired = counter(MetricNames.READ_POSITIONS_EXPIRED, stream);
        failoverTimeMismatches = counter(MetricNames.FAILOVER_TIME_MISMATCHES, stream);
        leasesTakenUnowned = taken("unowned", stream);
        leasesTakenExpired = taken("expired", stream);
        leasesStolen = taken("stolen", stream);
        handoffsRequested = counter(MetricNames.LEASE_HANDOFFS_REQUESTED, stream);
        handoffsCompleted = counter(MetricNames.LEASE_HANDOFFS_COMPLETED, stream);
        handoffsTimedOut = counter(MetricNames.LEASE_HANDOFFS_TIMED_OUT, stream);
        leaseRenewalLatency = stream
                ? keep(MetricNames.LEASE_RENEWAL_LATENCY, tags, r -> Timer.builder(MetricNames.LEASE_RENEWAL_LATENCY)
                        .tags(tags).register(r))
                : new NoopTimer(new Meter.Id(MetricNames.LEASE_RENEWAL_LATENCY, tags, null, null, Meter.Type.TIMER));
        invokeErrors = counter(MetricNames.INVOKE_ERROR_COUNT, kafka);
        destinationDeliveryErrors = counter(MetricNames.ON_FAILURE_DESTINATION_DELIVERY_ERROR_COUNT, kafka);
        deleted = counter(MetricNames.DELETED_EVENT_COUNT, !stream);
        deleteErrors = counter(MetricNames.DELETE_ERROR_COUNT, !stream);
        batchSize = keep(MetricNames.BATCH_SIZE, tags, r -> DistributionSummary.builder(MetricNames.BATCH_SIZE)
                .baseUnit("records").tags(tags).register(r));
        handlerDuration = keep(MetricNames.HANDLER_DURATION, tags, r -> Timer.builder(MetricNames.HANDLER_DURATION)
                .tags(tags).register(r));
    }

    /**
     * A gauge of the mapping (e.g. the largest iterator age), read from {@code source} when scraped; {@code combine}
     * says how it reads while other mappings of the name share it.
     */
    public <S> void gauge(String name, Combine combine, S source, ToDoubleFunction<S> value) {
        gauge(name, tags, combine, source, value);
    }

    /**
     * A gauge of the mapping that is a total over work its {@code group} shares out (a Kafka mapping's partitions,
     * shared out in its consumer group): while other mappings of the name use it, it adds up the values of mappings
     * of one group and reads the largest group's ({@link Combine#SUM_PER_GROUP}).
     */
    public <S> void groupGauge(String name, String group, S source, ToDoubleFunction<S> value) {
        SharedMeter<Gauge> gauge = SharedMeters.gauge(registry, name, tags, Combine.SUM_PER_GROUP,
                new SharedMeters.InGroup(group, () -> value.applyAsDouble(source)));
        registered.add(gauge);
    }

    /** A counter of the mapping that a source's own engine keeps (e.g. Kafka's commits), removed at close. */
    public Counter counter(String name) {
        return counter(name, true);
    }

    /**
     * A gauge of one shard, tagged with its id; remove it with {@link #remove(SharedMeter)} when the shard goes. Two
     * mappings of one name hold a shard at once only briefly, while its lease moves, so {@link Combine#MAX} suits it.
     */
    public <S> SharedMeter<Gauge> shardGauge(String name, String shardId, S source, ToDoubleFunction<S> value) {
        return gauge(name, tags.and(MetricNames.SHARD_TAG, shardId), Combine.MAX, source, value);
    }

    /** This mapping is done with the meter: it leaves the registry unless another mapping of the name uses it. */
    public void remove(SharedMeter<?> meter) {
        registered.remove(meter);
        meter.release();
    }

    /** Removes the mapping's meters from the registry, but those another mapping of the name still uses. */
    public void close() {
        for (SharedMeter<?> meter : registered) {
            meter.release();
        }
        registered.clear();
    }

    private <S> SharedMeter<Gauge> gauge(String name, Tags gaugeTags, Combine combine, S source,
                                         ToDoubleFunction<S> value) {
        SharedMeter<Gauge> gauge = SharedMeters.gauge(registry, name, gaugeTags, combine,
                () -> value.applyAsDouble(source));
        registered.add(gauge);
        return gauge;
    }

    private Counter taken(String from, boolean applies) {
        return counter(MetricNames.LEASES_TAKEN, tags.and(MetricNames.FROM_TAG, from), applies);
    }

    private Counter counter(String name, boolean applies) {
        return counter(name, tags, applies);
    }

    private Counter counter(String name, Tags counterTags, boolean applies) {
        return applies ? keep(name, counterTags, r -> r.counter(name, counterTags))
                : new NoopCounter(new Meter.Id(name, counterTags, null, null, Meter.Type.COUNTER));
    }

    private <M extends Meter> M keep(String name, Tags meterTags, Function<MeterRegistry, M> register) {
        SharedMeter<M> meter = SharedMeters.meter(registry, name, meterTags, register);
        registered.add(meter);
        return meter.meter();
    }
}
