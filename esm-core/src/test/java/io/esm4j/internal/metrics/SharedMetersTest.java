package io.esm4j.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.metrics.MetricNames;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Two mappings of one name running at once with one registry (two workers sharing a lease store, or a replacement
 * started before the old one stops): their gauges read both, combined as the metric means, and a meter stays in the
 * registry until the last of them is done with it.
 */
class SharedMetersTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double gauge(String name) {
        return registry.get(name).tag(MetricNames.MAPPING_TAG, "same").gauge().value();
    }

    private double shardGauge(String shardId) {
        return registry.get(MetricNames.SHARD_ITERATOR_AGE).tag(MetricNames.SHARD_TAG, shardId).gauge().value();
    }

    private double polled() {
        return registry.get(MetricNames.POLLED_EVENT_COUNT).tag(MetricNames.MAPPING_TAG, "same").counter().count();
    }

    private List<Meter.Id> ids() {
        return registry.getMeters().stream().map(Meter::getId).toList();
    }

    @Test
    void twoMappingsOfOneNameShareMetersCombineGaugesAndKeepThemUntilTheLastStops() {
        EngineMetrics first = new EngineMetrics(registry, "same", EngineMetrics.Kind.STREAM);
        EngineMetrics second = new EngineMetrics(registry, "same", EngineMetrics.Kind.STREAM);
        AtomicLong firstAge = new AtomicLong(5_000);
        AtomicLong secondAge = new AtomicLong(7_000);
        first.gauge(MetricNames.ITERATOR_AGE, EngineMetrics.Combine.MAX, firstAge, AtomicLong::get);
        second.gauge(MetricNames.ITERATOR_AGE, EngineMetrics.Combine.MAX, secondAge, AtomicLong::get);
        first.gauge(MetricNames.LEASES_HELD, EngineMetrics.Combine.SUM, 2, n -> n);
        second.gauge(MetricNames.LEASES_HELD, EngineMetrics.Combine.SUM, 3, n -> n);
        first.shardGauge(MetricNames.SHARD_ITERATOR_AGE, "s1", firstAge, AtomicLong::get);
        SharedMeter<?> secondOnS1 = second.shardGauge(MetricNames.SHARD_ITERATOR_AGE, "s1", secondAge,
                AtomicLong::get);
        second.shardGauge(MetricNames.SHARD_ITERATOR_AGE, "s2", secondAge, AtomicLong::get);
        first.polled.increment(2);
        second.polled.increment(3);

        assertThat(gauge(MetricNames.ITERATOR_AGE)).as("the larger age").isEqualTo(7_000);
        assertThat(gauge(MetricNames.LEASES_HELD)).as("leases held by both").isEqualTo(5);
        assertThat(shardGauge("s1")).isEqualTo(7_000);
        assertThat(polled()).as("counters add up").isEqualTo(5);
        assertThat(registry.find(MetricNames.ITERATOR_AGE).gauges()).hasSize(1);

        // One mapping lets a shard go that the other still holds (a lease moving): the gauge stays, reading the other.
        second.remove(secondOnS1);
        firstAge.set(4_000);
        assertThat(shardGauge("s1")).isEqualTo(4_000);

        List<Meter.Id> before = ids();
        first.close();
        assertThat(ids()).as("meters after the first mapping stopped").containsExactlyInAnyOrderElementsOf(
                before.stream().filter(id -> !"s1".equals(id.getTag(MetricNames.SHARD_TAG))).toList());
        secondAge.set(9_000);
        second.polled.increment();
        assertThat(gauge(MetricNames.ITERATOR_AGE)).as("the second's age, live").isEqualTo(9_000);
        assertThat(gauge(MetricNames.LEASES_HELD)).isEqualTo(3);
        assertThat(shardGauge("s2")).isEqualTo(9_000);
        assertThat(polled()).isEqualTo(6);

        second.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    /**
     * A later mapping of the name joins the gauge in the registry (registering it twice would make Micrometer warn),
     * unless somebody removed it from the registry: then it is registered again, reading every mapping's value.
     */
    @Test
    void aSharedGaugeRemovedByTheUserComesBackWithTheNextMappingOfTheName() {
        EngineMetrics first = new EngineMetrics(registry, "same", EngineMetrics.Kind.STREAM);
        EngineMetrics second = new EngineMetrics(registry, "same", EngineMetrics.Kind.STREAM);
        first.gauge(MetricNames.ITERATOR_AGE, EngineMetrics.Combine.MAX, new AtomicLong(5), AtomicLong::get);
        second.gauge(MetricNames.ITERATOR_AGE, EngineMetrics.Combine.MAX, new AtomicLong(7), AtomicLong::get);
        assertThat(gauge(MetricNames.ITERATOR_AGE)).isEqualTo(7);

        registry.remove(registry.get(MetricNames.ITERATOR_AGE).gauge());
        EngineMetrics third = new EngineMetrics(registry, "same", EngineMetrics.Kind.STREAM);
        third.gauge(MetricNames.ITERATOR_AGE, EngineMetrics.Combine.MAX, new AtomicLong(3), AtomicLong::get);

        assertThat(gauge(MetricNames.ITERATOR_AGE)).isEqualTo(7);
        first.close();
        second.close();
        third.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void aMappingBuiltAfterTheOthersStoppedRegistersItsOwnMeters() {
        EngineMetrics old = new EngineMetrics(registry, "same", EngineMetrics.Kind.QUEUE);
        old.polled.increment(4);
        old.close();
        assertThat(registry.getMeters()).isEmpty();

        EngineMetrics replacement = new EngineMetrics(registry, "same", EngineMetrics.Kind.QUEUE);
        replacement.gauge(MetricNames.LEASES_HELD, EngineMetrics.Combine.SUM, 1, n -> n);
        assertThat(polled()).isZero();
        assertThat(gauge(MetricNames.LEASES_HELD)).isEqualTo(1);
        replacement.close();
        replacement.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    /** A total per group: mappings of one group share out the work, each group does all of it. */
    @Test
    void aGroupGaugeAddsUpWithinAGroupAndReadsTheLargestGroupsTotalUntilItsMappingsStop() {
        EngineMetrics a1 = new EngineMetrics(registry, "same", EngineMetrics.Kind.KAFKA);
        EngineMetrics a2 = new EngineMetrics(registry, "same", EngineMetrics.Kind.KAFKA);
        EngineMetrics b = new EngineMetrics(registry, "same", EngineMetrics.Kind.KAFKA);
        a1.groupGauge(MetricNames.LEASES_HELD, "a", 3, n -> n);
        a2.groupGauge(MetricNames.LEASES_HELD, "a", 4, n -> n);
        b.groupGauge(MetricNames.LEASES_HELD, "b", 6, n -> n);

        assertThat(gauge(MetricNames.LEASES_HELD)).as("group a's 7, not 13").isEqualTo(7);
        a2.close();
        assertThat(gauge(MetricNames.LEASES_HELD)).as("group b's 6 now").isEqualTo(6);
        b.close();
        assertThat(gauge(MetricNames.LEASES_HELD)).isEqualTo(3);
        a1.close();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void mappingsOfOtherNamesOrInOtherRegistriesDoNotShare() {
        SimpleMeterRegistry otherRegistry = new SimpleMeterRegistry();
        EngineMetrics same = new EngineMetrics(registry, "same", EngineMetrics.Kind.STREAM);
        EngineMetrics otherName = new EngineMetrics(registry, "other", EngineMetrics.Kind.STREAM);
        EngineMetrics elsewhere = new EngineMetrics(otherRegistry, "same", EngineMetrics.Kind.STREAM);
        same.gauge(MetricNames.LEASES_HELD, EngineMetrics.Combine.SUM, 1, n -> n);
        otherName.gauge(MetricNames.LEASES_HELD, EngineMetrics.Combine.SUM, 2, n -> n);
        elsewhere.gauge(MetricNames.LEASES_HELD, EngineMetrics.Combine.SUM, 4, n -> n);

        assertThat(gauge(MetricNames.LEASES_HELD)).isEqualTo(1);
        same.close();
        assertThat(registry.find(MetricNames.LEASES_HELD).tag(MetricNames.MAPPING_TAG, "same").gauge()).isNull();
        assertThat(registry.get(MetricNames.LEASES_HELD).tag(MetricNames.MAPPING_TAG, "other").gauge().value())
                .isEqualTo(2);
        assertThat(otherRegistry.get(MetricNames.LEASES_HELD).gauge().value()).isEqualTo(4);
        otherName.close();
        elsewhere.close();
        assertThat(registry.getMeters()).isEmpty();
        assertThat(otherRegistry.getMeters()).isEmpty();
    }
}
