package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.checkpoint.Checkpoint;
import io.esm4j.checkpoint.InMemoryCheckpointStore;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/design.md guarantee 6 / docs/lambda-semantics.md §6.1: the mapping's Micrometer meters exist, carry the mapping
 * tag, and count a scenario with one failure (retried to success) and one give-up exactly.
 */
class MetricsTest {

    private static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");
    private static final List<String> COUNTERS = List.of(MetricNames.POLLED_EVENT_COUNT,
            MetricNames.FILTERED_OUT_EVENT_COUNT, MetricNames.INVOKED_EVENT_COUNT,
            MetricNames.FAILED_INVOKE_EVENT_COUNT, MetricNames.DROPPED_EVENT_COUNT,
            MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT, MetricNames.DESTINATION_DELIVERY_FAILURES,
            MetricNames.POLLING_ERROR_COUNT);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private double count(String name, String mapping) {
        return registry.get(name).tag(MetricNames.MAPPING_TAG, mapping).counter().count();
    }

    @ParameterizedTest(name = "with destination: {0}")
    @ValueSource(booleans = {true, false})
    void countsOneRetriedFailureAndOneGiveUp(boolean withDestination) throws Exception {
        MutableClock clock = new MutableClock(NOW);
        InMemoryStream stream = InMemoryStream.create("metrics", 1, clock);
        String shardId = stream.openShardIds().getFirst();
        for (String data : List.of("ok0", "flaky1", "poison2", "ok3")) {
            // Ten seconds old: while the reader is behind, IteratorAge shows it.
            stream.put("k", data.getBytes(StandardCharsets.UTF_8), NOW.minusSeconds(10));
        }
        String lastSequenceNumber = stream.records(shardId).getLast().sequenceNumber();
        stream.failNextFetches(2, () -> new IllegalStateException("throttled"));
        AtomicBoolean flakyFailed = new AtomicBoolean();
        RecordingHandler handler = RecordingHandler.succeeding().behave(batch -> {
            String data = RecordingHandler.text(batch.records().getFirst());
            if (data.equals("poison2") || (data.equals("flaky1") && flakyFailed.compareAndSet(false, true))) {
                throw new IllegalStateException("function error");
            }
            return BatchResult.success();
        });
        CollectingDestination destination = new CollectingDestination();
        InMemoryCheckpointStore store = new InMemoryCheckpointStore();
        EventSourceMapping.Builder<byte[]> builder = EventSourceMapping.builder("metrics", stream, handler)
                .settings(Streams.fast().batchSize(1).maximumRetryAttempts(1).maxBufferedRecordsPerShard(2).build())
                .checkpointStore(store).meterRegistry(registry).clock(clock);
        if (withDestination) {
            builder.onFailure(destination);
        }
        EventSourceMapping<byte[]> mapping = builder.build();
        // A second mapping on the same registry keeps its own meters.
        EventSourceMapping.builder("other", InMemoryStream.create("other", 1), handler)
                .settings(Streams.fast().build()).meterRegistry(registry).build();
        mapping.start();
        try {
            await().until(() -> store.load("metrics", shardId),
                    Optional.<Checkpoint>of(new Checkpoint.AtSequenceNumber(lastSequenceNumber))::equals);
        } finally {
            Streams.stopQuietly(mapping);
        }

        for (String name : COUNTERS) {
            assertThat(registry.find(name).tag(MetricNames.MAPPING_TAG, "metrics").counter()).as(name).isNotNull();
            assertThat(registry.find(name).tag(MetricNames.MAPPING_TAG, "other").counter()).as(name).isNotNull();
        }
        assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTag(MetricNames.MAPPING_TAG))
                .as(meter.getId().getName()).isIn("metrics", "other"));

        assertThat(count(MetricNames.POLLED_EVENT_COUNT, "metrics")).isEqualTo(4);
        // ok0 once, flaky1 twice, poison2 once + 1 retry, ok3 once.
        assertThat(count(MetricNames.INVOKED_EVENT_COUNT, "metrics")).isEqualTo(6);
        assertThat(count(MetricNames.FAILED_INVOKE_EVENT_COUNT, "metrics")).isEqualTo(3);
        assertThat(count(MetricNames.DROPPED_EVENT_COUNT, "metrics")).isEqualTo(withDestination ? 0 : 1);
        assertThat(count(MetricNames.ON_FAILURE_DESTINATION_DELIVERED_EVENT_COUNT, "metrics"))
                .isEqualTo(withDestination ? 1 : 0);
        assertThat(count(MetricNames.DESTINATION_DELIVERY_FAILURES, "metrics")).isZero();
        assertThat(count(MetricNames.FILTERED_OUT_EVENT_COUNT, "metrics")).isZero();
        assertThat(count(MetricNames.POLLING_ERROR_COUNT, "metrics")).isEqualTo(2);
        assertThat(destination.received()).hasSize(withDestination ? 1 : 0);

        DistributionSummary batchSize = registry.get(MetricNames.BATCH_SIZE).tag(MetricNames.MAPPING_TAG, "metrics")
                .summary();
        assertThat(batchSize.count()).isEqualTo(6);
        assertThat(batchSize.totalAmount()).isEqualTo(6);
        assertThat(batchSize.max()).isEqualTo(1);

        Timer handlerDuration = registry.get(MetricNames.HANDLER_DURATION).tag(MetricNames.MAPPING_TAG, "metrics")
                .timer();
        assertThat(handlerDuration.count()).isEqualTo(6);

        DistributionSummary iteratorAge = registry.get(MetricNames.ITERATOR_AGE)
                .tag(MetricNames.MAPPING_TAG, "metrics").summary();
        assertThat(iteratorAge.count()).isGreaterThanOrEqualTo(2);
        // The first fetch took 2 of 4 records; the next unread one was 10 s old.
        assertThat(iteratorAge.max()).isEqualTo(10_000);

        for (String name : COUNTERS) {
            assertThat(count(name, "other")).as(name + " of the other mapping").isZero();
        }
        assertThat(registry.get(MetricNames.BATCH_SIZE).tag(MetricNames.MAPPING_TAG, "other").summary().count())
                .isZero();
        assertThat(registry.getMeters()).extracting(Meter::getId).extracting(Meter.Id::getName)
                .contains(MetricNames.ITERATOR_AGE, MetricNames.BATCH_SIZE, MetricNames.HANDLER_DURATION);
    }
}
