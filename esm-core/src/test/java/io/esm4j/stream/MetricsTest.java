package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.ShardStatus;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.stream.RecordingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
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

    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();

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
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            String data = Streams.text(batch.records().getFirst());
            if (data.equals("poison2") || (data.equals("flaky1") && flakyFailed.compareAndSet(false, true))) {
                throw new IllegalStateException("function error");
            }
            return BatchResult.success();
        });
        CollectingDestination destination = new CollectingDestination();
        RecordingLeaseStore store = new RecordingLeaseStore();
        EventSourceMapping.Builder<byte[]> builder = EventSourceMapping.builder("metrics", stream, handler)
                .settings(Streams.fast().batchSize(1).maximumRetryAttempts(1).maxBufferedRecordsPerShard(2).build())
                .leaseStore(store).meterRegistry(registry).clock(clock);
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

        for (String name : COUNTERS) {
            assertThat(count(name, "other")).as(name + " of the other mapping").isZero();
        }
        assertThat(registry.get(MetricNames.BATCH_SIZE).tag(MetricNames.MAPPING_TAG, "other").summary().count())
                .isZero();
        assertThat(registry.getMeters()).extracting(Meter::getId).extracting(Meter.Id::getName)
                .contains(MetricNames.ITERATOR_AGE, MetricNames.BATCH_SIZE, MetricNames.HANDLER_DURATION);
    }

    @Test
    void iteratorAgeIsAGaugePerShardAndTheLargestForTheMapping() throws Exception {
        MutableClock clock = new MutableClock(NOW);
        InMemoryStream stream = InMemoryStream.create("ages", 2, clock);
        List<String> shards = stream.openShardIds();
        // Shard 0's reader takes 2 of its 3 records; the third, 10 s old, is what it is behind by.
        for (int i = 0; i < 3; i++) {
            putOnShard(stream, shards.get(0), "a" + i, NOW.minusSeconds(10));
        }
        putOnShard(stream, shards.get(1), "b0", NOW);
        CountDownLatch release = new CountDownLatch(1);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            release.await();
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("ages", stream, handler)
                .settings(Streams.fast().batchSize(1).maxBufferedRecordsPerShard(2).build())
                .meterRegistry(registry).clock(clock).build();
        mapping.start();
        try {
            await().until(() -> gauge(MetricNames.SHARD_ITERATOR_AGE, shards.get(0)) == 10_000);
            await().until(() -> registry.find(MetricNames.SHARD_ITERATOR_AGE)
                    .tag(MetricNames.SHARD_TAG, shards.get(1)).gauge() != null);
            assertThat(registry.get(MetricNames.ITERATOR_AGE).tag(MetricNames.MAPPING_TAG, "ages").gauge().value())
                    .isEqualTo(10_000);
            assertThat(mapping.shards()).filteredOn(s -> s.shardId().equals(shards.get(0)))
                    .singleElement().extracting(ShardStatus::iteratorAgeMillis).isEqualTo(10_000L);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void aStoppedMappingLeavesNoMeterInTheRegistry() throws Exception {
        SimpleMeterRegistry plain = new SimpleMeterRegistry();
        for (int i = 0; i < 20; i++) {
            InMemoryStream stream = InMemoryStream.create("gone" + i, 2);
            Streams.fill(stream, 10, 2);
            RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
            EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("gone" + i, stream, handler)
                    .settings(Streams.fast().build()).meterRegistry(plain).build();
            mapping.start();
            await().until(() -> handler.succeeded().size() == 10);
            assertThat(plain.getMeters()).isNotEmpty();
            mapping.close();
        }
        // A mapping built and closed without starting leaves nothing either.
        EventSourceMapping.builder("never", InMemoryStream.create("never", 1), RecordingHandler.<byte[]>succeeding())
                .settings(Streams.fast().build()).meterRegistry(plain).build().close();
        assertThat(plain.getMeters()).isEmpty();
    }

    private double gauge(String name, String shardId) {
        Gauge gauge = registry.find(name).tag(MetricNames.SHARD_TAG, shardId).gauge();
        return gauge == null ? -1 : gauge.value();
    }

    /**
     * Lambda's IteratorAge is the age of a batch's records when the function gets them, so it climbs while a poison
     * record is retried: the alarm that a shard is stuck. The reader being at the shard's tip must not hide that.
     */
    @Test
    void iteratorAgeGrowsWhileAShardIsStuckOnARecordThatKeepsFailing() throws Exception {
        MutableClock clock = new MutableClock(NOW);
        InMemoryStream stream = InMemoryStream.create("stuck", 1, clock);
        String shard = stream.openShardIds().getFirst();
        putOnShard(stream, shard, "poison", NOW);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            throw new IllegalStateException("poison");
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("stuck", stream, handler)
                .settings(Streams.fast().build()).meterRegistry(registry).clock(clock).build();
        mapping.start();
        try {
            await().until(() -> handler.invocationCount() >= 2);
            clock.advance(Duration.ofMinutes(10));
            int seen = handler.invocationCount();
            // Retries and reads of the (empty) rest of the shard go on after the clock moved.
            await().until(() -> handler.invocationCount() >= seen + 3);

            assertThat(gauge(MetricNames.SHARD_ITERATOR_AGE, shard)).isEqualTo(600_000);
            assertThat(registry.get(MetricNames.ITERATOR_AGE).tag(MetricNames.MAPPING_TAG, "stuck").gauge().value())
                    .isEqualTo(600_000);
            assertThat(mapping.shards()).singleElement().extracting(ShardStatus::iteratorAgeMillis)
                    .isEqualTo(600_000L);
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    /**
     * A record of a tumbling window is done only by the window's final invocation, up to 15 minutes after its batch
     * went to the function: a healthy window must not look like a stuck shard. The age counts from the window's end,
     * so it climbs only while the final invocation is late.
     */
    @Test
    void iteratorAgeOfATumblingWindowCountsFromTheWindowsEnd() throws Exception {
        MutableClock clock = new MutableClock(NOW);
        InMemoryStream stream = InMemoryStream.create("windowed", 1, clock);
        String shard = stream.openShardIds().getFirst();
        putOnShard(stream, shard, "in-window", NOW);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (batch.window().isFinalInvokeForWindow()) {
                throw new IllegalStateException("final invocation fails");
            }
            return BatchResult.state(Map.of("seen", "yes"));
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("windowed", stream, handler)
                .settings(Streams.fast().tumblingWindowInSeconds(900).build()).meterRegistry(registry).clock(clock)
                .build();
        mapping.start();
        try {
            await().until(() -> handler.invocationCount() >= 1);
            // Ten minutes into the 15-minute window: the record went to the function, the window is still open.
            clock.advance(Duration.ofMinutes(10));

            assertThat(gauge(MetricNames.SHARD_ITERATOR_AGE, shard)).isEqualTo(0);

            // Five minutes past the window's end its final invocation keeps failing: now the shard is behind.
            clock.advance(Duration.ofMinutes(10));
            int seen = handler.invocationCount();
            await().until(() -> handler.invocationCount() >= seen + 2);
            assertThat(gauge(MetricNames.SHARD_ITERATOR_AGE, shard)).isEqualTo(300_000);
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    /**
     * A shard restarted after a failure outside the handler while a record was not done, and the record expired from
     * the stream before the new session read the shard (retention passed): no record is left undone, and the idle,
     * caught-up shard is behind by nothing. The mark of the session that was replaced must not stay, with an age that
     * grows for good.
     */
    @Test
    void iteratorAgeOfAnIdleShardIsZeroAfterARestartFoundItsUndoneRecordsTrimmed() throws Exception {
        MutableClock clock = new MutableClock(NOW);
        InMemoryStream memory = InMemoryStream.create("trimmed", 1, clock);
        String shard = memory.openShardIds().getFirst();
        putOnShard(memory, shard, "expiring", NOW);
        FaultyStream source = new FaultyStream(memory);
        AtomicInteger opened = new AtomicInteger();
        AtomicInteger fetches = new AtomicInteger();
        source.openReader = id -> opened.incrementAndGet();
        source.fetch = id -> fetches.incrementAndGet();
        // Giving the record up fails outside the handler (building its failure record): the lane fails with the
        // record not done, and the shard restarts. Meanwhile the record expires from the stream.
        source.batchInfo = records -> {
            source.trimmedBefore = NOW.plusMillis(1);
            throw new IllegalStateException("bug while building a failure record");
        };
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            throw new IllegalStateException("function error");
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("trimmed", source, handler)
                .settings(Streams.fast().maximumRetryAttempts(0).build()).onFailure(new CollectingDestination())
                .meterRegistry(registry).clock(clock).build();
        mapping.start();
        try {
            await().until(() -> opened.get() >= 2);
            clock.advance(Duration.ofMinutes(10));
            int seen = fetches.get();
            // The restarted session's first read has been dealt once its second one starts.
            await().until(() -> fetches.get() >= seen + 2);

            assertThat(mapping.shards()).singleElement().satisfies(status -> {
                assertThat(status.restarts()).isEqualTo(1);
                assertThat(status.recordsInFlight()).isZero();
                assertThat(status.iteratorAgeMillis()).isZero();
            });
            assertThat(gauge(MetricNames.SHARD_ITERATOR_AGE, shard)).isEqualTo(0);
            assertThat(registry.get(MetricNames.ITERATOR_AGE).tag(MetricNames.MAPPING_TAG, "trimmed").gauge().value())
                    .isEqualTo(0);
            assertThat(handler.invocationCount()).isEqualTo(1);
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    /** Puts a record with a partition key that lands on the given shard. */
    private static void putOnShard(InMemoryStream stream, String shardId, String data, Instant arrival) {
        for (int k = 0; ; k++) {
            String key = "key" + k;
            if (stream.shardFor(key).equals(shardId)) {
                stream.put(key, data.getBytes(StandardCharsets.UTF_8), arrival);
                return;
            }
        }
    }
}
