package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * MaximumConcurrency with Lambda's hash lanes (Kinesis, DynamoDB Streams): it caps the batches of the whole mapping,
 * while every shard keeps its ParallelizationFactor lanes, a key always in the lane its hash picks.
 */
class MaximumConcurrencyHashLanesTest {

    private static final int FACTOR = 4;

    private final CountDownLatch release = new CountDownLatch(1);
    private final Set<String> busyLanes = ConcurrentHashMap.newKeySet();
    private final List<String> overlaps = new CopyOnWriteArrayList<>();
    private final List<String> mixedLanes = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> mostRunning = new ConcurrentHashMap<>();

    @Test
    void theCapBoundsTheMappingAcrossShardsAndEachShardKeepsItsHashLanes() throws Exception {
        InMemoryStream stream = InMemoryStream.create("cap-hash", 3);
        Streams.fill(stream, 300, 60);
        RecordingHandler<byte[]> handler = blockingHandler();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("cap-hash", stream, handler)
                .settings(Streams.fast().batchSize(3).parallelizationFactor(FACTOR).maximumConcurrency(5).build())
                .build();
        mapping.start();
        try {
            // 3 shards x 4 lanes could run 12 batches: the cap lets 5 into the handler.
            await().until(() -> handler.maxConcurrent() >= 5);
            release.countDown();
            await().until(() -> handler.succeededCount() == 300);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.maxConcurrent()).isEqualTo(5);
        assertHashLanesKept(stream, handler);
    }

    @Test
    void aCapAboveTheLanesLeavesParallelizationFactorPerShard() throws Exception {
        InMemoryStream stream = InMemoryStream.create("cap-above", 2);
        Streams.fill(stream, 200, 40);
        RecordingHandler<byte[]> handler = blockingHandler();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("cap-above", stream, handler)
                .settings(Streams.fast().batchSize(3).parallelizationFactor(FACTOR).maximumConcurrency(100).build())
                .build();
        mapping.start();
        try {
            await().until(() -> handler.maxConcurrent() >= 2 * FACTOR);
            release.countDown();
            await().until(() -> handler.succeededCount() == 200);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.maxConcurrent()).isEqualTo(2 * FACTOR);
        assertThat(mostRunning.values()).allSatisfy(most -> assertThat(most.get()).isEqualTo(FACTOR));
        assertHashLanesKept(stream, handler);
    }

    /**
     * A batch can wait for a slot as long as other shards' handlers run: records that grew older than
     * MaximumRecordAgeInSeconds meanwhile are given up when it gets one, not invoked, as after a retry's backoff.
     */
    @Test
    void recordsThatGrowTooOldWaitingForASlotAreGivenUpNotInvoked() throws Exception {
        Instant start = Instant.parse("2026-12-05T12:00:00Z");
        MutableClock clock = new MutableClock(start);
        InMemoryStream stream = InMemoryStream.create("cap-age", 1, clock);
        assertThat(Math.floorMod("a".hashCode(), 2)).isNotEqualTo(Math.floorMod("b".hashCode(), 2));
        stream.put("a", "a".getBytes(StandardCharsets.UTF_8), start);
        stream.put("b", "b".getBytes(StandardCharsets.UTF_8), start);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            release.await(60, TimeUnit.SECONDS);
            return BatchResult.success();
        });
        CollectingDestination destination = new CollectingDestination();
        RetainingMeterRegistry meters = new RetainingMeterRegistry();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("cap-age", stream, handler)
                .settings(Streams.fast().parallelizationFactor(2).maximumConcurrency(1).maximumRecordAgeInSeconds(60)
                        .build())
                .onFailure(destination).meterRegistry(meters).clock(clock).build();
        mapping.start();
        try {
            // One lane's batch is in the handler, the other's waits for the only slot; two minutes pass.
            await().until(() -> handler.invocationCount() == 1 && meters.get(MetricNames.CONCURRENCY_WAITING)
                    .tag(MetricNames.MAPPING_TAG, "cap-age").gauge().value() == 1);
            clock.advance(Duration.ofSeconds(120));
            release.countDown();
            // Each record is either invoked or given up.
            await().until(() -> handler.invocationCount() + destination.received().size() == 2);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.invocationCount()).as("the waiting batch, now too old, is not invoked").isEqualTo(1);
        assertThat(destination.received().getFirst().requestContext().condition())
                .isEqualTo(FailureCondition.RecordAgeExceeded);
    }

    private void assertHashLanesKept(InMemoryStream stream, RecordingHandler<byte[]> handler) {
        assertThat(mixedLanes).as("batches with keys of two hash lanes").isEmpty();
        assertThat(overlaps).as("hash lanes with two batches at once").isEmpty();
        Map<String, List<String>> delivered = new LinkedHashMap<>();
        for (StreamRecord<byte[]> record : handler.succeeded()) {
            delivered.computeIfAbsent(record.partitionKey(), k -> new java.util.ArrayList<>())
                    .add(record.sequenceNumber());
        }
        assertThat(delivered).isEqualTo(ParallelizationTest.byKey(stream));
    }

    /** Blocks every batch until released, noting its shard's hash lane (shard and key hash modulo the factor). */
    private RecordingHandler<byte[]> blockingHandler() {
        return RecordingHandler.<byte[]>succeeding().behave(batch -> {
            List<Integer> lanes = batch.records().stream()
                    .map(record -> Math.floorMod(record.partitionKey().hashCode(), FACTOR)).distinct().toList();
            if (lanes.size() > 1) {
                mixedLanes.add(batch.partition() + " " + lanes);
            }
            String lane = batch.partition() + "/" + lanes.getFirst();
            boolean entered = busyLanes.add(lane);
            if (!entered) {
                overlaps.add(lane);
            }
            AtomicInteger now = running.computeIfAbsent(batch.partition(), unused -> new AtomicInteger());
            mostRunning.computeIfAbsent(batch.partition(), unused -> new AtomicInteger())
                    .accumulateAndGet(now.incrementAndGet(), Math::max);
            try {
                release.await(60, TimeUnit.SECONDS);
                return BatchResult.success();
            } finally {
                now.decrementAndGet();
                if (entered) {
                    busyLanes.remove(lane);
                }
            }
        });
    }
}
