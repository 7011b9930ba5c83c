package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.esm4j.testing.SqsLikeMessage;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * README "Metrics": two workers of one mapping in one process (same name, one lease store) with one meter registry
 * report as one mapping: LeasesHeld counts both workers' leases, and the meters stay while either runs.
 */
class SameNameMetersTest {

    private static final String NAME = "shared";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InMemoryLeaseStore leases = new InMemoryLeaseStore();
    private final InMemoryStream stream = InMemoryStream.create(NAME, 2);
    private final RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
    private final List<AutoCloseable> started = new ArrayList<>();

    @AfterEach
    void stopAll() throws Exception {
        for (AutoCloseable mapping : started) {
            mapping.close();
        }
    }

    private EventSourceMapping<byte[]> worker(String id) {
        // Leases never expire here: a lease moves only by hand-over, so each worker ends up with one shard.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10)).build();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, stream, handler).settings(settings)
                .leaseStore(leases).workerId(id).meterRegistry(registry).build();
        mapping.start();
        started.add(mapping);
        return mapping;
    }

    private Map<String, Long> owners() {
        return leases.list(NAME).stream().filter(l -> !l.ended() && l.owner() != null)
                .collect(Collectors.groupingBy(Lease::owner, Collectors.counting()));
    }

    private List<Meter.Id> meters() {
        return registry.getMeters().stream().map(Meter::getId)
                .filter(id -> NAME.equals(id.getTag(MetricNames.MAPPING_TAG))).toList();
    }

    private double leasesHeld() {
        Gauge gauge = registry.find(MetricNames.LEASES_HELD).tag(MetricNames.MAPPING_TAG, NAME).gauge();
        assertThat(gauge).as("the LeasesHeld gauge").isNotNull();
        return gauge.value();
    }

    private double polled() {
        return registry.get(MetricNames.POLLED_EVENT_COUNT).tag(MetricNames.MAPPING_TAG, NAME).counter().count();
    }

    @Test
    void twoWorkersOfOneMappingShareTheirMetersUntilTheLastStops() throws Exception {
        EventSourceMapping<byte[]> first = worker("w1");
        await().until(() -> owners().equals(Map.of("w1", 2L)));
        EventSourceMapping<byte[]> second = worker("w2");
        await().atMost(Duration.ofSeconds(60)).until(() -> owners().equals(Map.of("w1", 1L, "w2", 1L)));
        await().until(() -> leasesHeld() == 2);
        assertThat(registry.find(MetricNames.LEASES_HELD).gauges()).hasSize(1);

        List<Meter.Id> shared = meters();
        first.stop(Duration.ofSeconds(10));
        assertThat(meters()).as("meters after w1 stopped, while w2 runs")
                .containsAll(shared.stream().filter(id -> id.getTag(MetricNames.SHARD_TAG) == null).toList());
        await().until(() -> owners().equals(Map.of("w2", 2L)));
        await().until(() -> leasesHeld() == 2);
        double before = polled();
        Streams.fill(stream, 10, 4);
        await().until(() -> polled() >= before + 10);

        second.stop(Duration.ofSeconds(10));
        assertThat(meters()).isEmpty();
    }

    @Test
    void twoQueueMappingsOfOneNameKeepCountingUntilTheLastStops() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("work").build();
        QueueEventSourceMapping<SqsLikeMessage> first = queueMapping(queue);
        QueueEventSourceMapping<SqsLikeMessage> second = queueMapping(queue);
        first.start();
        second.start();
        first.stop(Duration.ofSeconds(10));
        assertThat(meters()).as("meters after the first stopped").isNotEmpty();

        queue.send("after the first stopped");
        await().until(() -> registry.get(MetricNames.DELETED_EVENT_COUNT).tag(MetricNames.MAPPING_TAG, NAME)
                .counter().count() == 1);
        second.stop(Duration.ofSeconds(10));
        assertThat(meters()).isEmpty();
    }

    private QueueEventSourceMapping<SqsLikeMessage> queueMapping(InMemoryQueue queue) {
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder(NAME, queue,
                batch -> BatchResult.success()).settings(QueueSettings.builder().receiveWaitTime(Duration.ofMillis(50))
                .build()).meterRegistry(registry).build();
        started.add(mapping);
        return mapping;
    }
}
