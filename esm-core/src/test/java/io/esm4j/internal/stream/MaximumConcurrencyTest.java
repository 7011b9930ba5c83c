package io.esm4j.internal.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.MappingStatus;
import io.esm4j.internal.handler.Invoker;
import io.esm4j.internal.handler.RetryScope;
import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.internal.retry.RetryBackoff;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.HandlerThreads;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * MaximumConcurrency on the pipelines of free-key routing (Kafka's): the cap holds across shards, one shard may run
 * more batches than ParallelizationFactor (distinct keys, each in order), no permit is held while a retry backs off,
 * and a closing shard does not wait for a permit. The cap with Lambda's hash lanes is in
 * io.esm4j.stream.MaximumConcurrencyHashLanesTest.
 */
class MaximumConcurrencyTest {

    private static final Instant NOW = Instant.parse("2026-12-05T12:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InMemoryStream stream = InMemoryStream.create("cap", 1);
    private final CountDownLatch release = new CountDownLatch(1);
    /** Per shard: batches in the handler now and at most; per key: whether a batch of it is in the handler. */
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> mostRunning = new ConcurrentHashMap<>();
    private final Set<String> busyKeys = ConcurrentHashMap.newKeySet();
    private final List<String> overlaps = new CopyOnWriteArrayList<>();
    private final List<ShardPipeline<byte[]>> pipelines = new ArrayList<>();
    private final Map<String, List<Checkpoint>> progress = new ConcurrentHashMap<>();

    @AfterEach
    void closePipelines() throws InterruptedException {
        release.countDown();
        for (ShardPipeline<byte[]> pipeline : pipelines) {
            pipeline.close();
            pipeline.awaitLanes(Instant.now().plusSeconds(30));
        }
    }

    @Test
    void theCapHoldsAcrossShardsAndABusyShardRunsMoreKeysThanParallelizationFactor() throws Exception {
        RecordingHandler<byte[]> handler = blockingHandler();
        StreamContext<byte[]> ctx = context(settings().batchSize(5).parallelizationFactor(2).maximumConcurrency(8),
                handler);
        ShardPipeline<byte[]> busy = pipeline(ctx, "busy");
        ShardPipeline<byte[]> quiet = pipeline(ctx, "quiet");
        // 20 keys on one shard, 2 on the other: under hash lanes the busy shard would run 2 batches at once.
        List<StreamRecord<byte[]>> busyRecords = records("busy", 20, 5);
        List<StreamRecord<byte[]>> quietRecords = records("quiet", 2, 5);
        busy.offer(busyRecords, false, NOW);
        quiet.offer(quietRecords, false, NOW);

        await().until(() -> handler.maxConcurrent() >= 8);
        assertThat(gauge(MetricNames.CONCURRENCY_IN_USE)).isEqualTo(8);
        assertThat(mostRunning.get("busy").get()).isGreaterThan(2);
        release.countDown();
        await().until(() -> handler.succeededCount() == 110);
        await().until(() -> checkpoint(busyRecords.getLast()).equals(lastProgress("busy"))
                && checkpoint(quietRecords.getLast()).equals(lastProgress("quiet")));

        assertThat(handler.maxConcurrent()).as("batches in the handler at once, both shards").isEqualTo(8);
        assertThat(overlaps).as("keys in two invocations at once").isEmpty();
        assertThat(byKey(handler.succeeded())).isEqualTo(byKey(concat(busyRecords, quietRecords)));
        assertThat(gauge(MetricNames.CONCURRENCY_IN_USE)).isZero();
        assertThat(gauge(MetricNames.CONCURRENCY_WAITING)).isZero();
    }

    @Test
    void aBatchWaitingForItsRetryHoldsNoPermit() throws Exception {
        AtomicInteger firstShardCalls = new AtomicInteger();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (batch.partition().equals("failing")) {
                firstShardCalls.incrementAndGet();
                throw new IllegalStateException("retried after a minute");
            }
            return BatchResult.success();
        });
        StreamContext<byte[]> ctx = context(settings().batchSize(5).parallelizationFactor(2).maximumConcurrency(1)
                .retryBackoff(Duration.ofMinutes(1), Duration.ofMinutes(1)), handler);
        ShardPipeline<byte[]> failing = pipeline(ctx, "failing");
        ShardPipeline<byte[]> other = pipeline(ctx, "other");
        failing.offer(records("failing", 1, 1), false, NOW);
        await().until(() -> firstShardCalls.get() == 1);
        List<StreamRecord<byte[]>> otherRecords = records("other", 3, 4);
        other.offer(otherRecords, false, NOW);

        // The failed batch waits (at least 30 s) for its retry; the only permit serves the other shard meanwhile.
        await().until(() -> handler.succeededCount() == 12);
        assertThat(firstShardCalls.get()).isEqualTo(1);
        assertThat(handler.maxConcurrent()).isEqualTo(1);
        assertThat(byKey(handler.succeeded())).isEqualTo(byKey(otherRecords));
    }

    @Test
    void aClosingShardStopsWaitingForAPermitAndDoesNotInvoke() throws Exception {
        RecordingHandler<byte[]> handler = blockingHandler();
        StreamContext<byte[]> ctx = context(settings().batchSize(5).parallelizationFactor(2).maximumConcurrency(1),
                handler);
        ShardPipeline<byte[]> holder = pipeline(ctx, "holder");
        ShardPipeline<byte[]> waiter = pipeline(ctx, "waiter");
        holder.offer(records("holder", 1, 1), false, NOW);
        await().until(() -> handler.invocationCount() == 1);
        waiter.offer(records("waiter", 1, 1), false, NOW);
        await().until(() -> gauge(MetricNames.CONCURRENCY_WAITING) == 1);

        waiter.close();
        // The permit is still held by the other shard's handler: the waiting lane ends without it.
        assertThat(waiter.awaitLanes(Instant.now().plusSeconds(30))).isTrue();
        assertThat(gauge(MetricNames.CONCURRENCY_WAITING)).isZero();
        assertThat(waiter.lastDone()).isNull();
        release.countDown();
        await().until(() -> handler.succeededCount() == 1);
        assertThat(handler.invocations()).allSatisfy(batch -> assertThat(batch.partition()).isEqualTo("holder"));
    }

    /** Kafka's lanes come and go under the cap: each one started on demand is of the kind HandlerThreads says. */
    @Test
    void lanesStartedOnDemandRunTheHandlerOnTheThreadsHandlerThreadsChooses() throws Exception {
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        RecordingHandler<byte[]> blocking = blockingHandler();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            threads.add(Thread.currentThread());
            return blocking.handle(batch);
        });
        StreamContext<byte[]> ctx = context(settings().batchSize(5).parallelizationFactor(2).maximumConcurrency(4)
                .handlerThreads(HandlerThreads.PLATFORM), handler);
        ShardPipeline<byte[]> busy = pipeline(ctx, "busy");
        busy.offer(records("busy", 20, 2), false, NOW);

        await().until(() -> handler.maxConcurrent() >= 4);
        release.countDown();
        await().until(() -> handler.succeededCount() == 40);

        assertThat(threads).hasSizeGreaterThanOrEqualTo(4).allSatisfy(thread -> {
            assertThat(thread.isVirtual()).isFalse();
            assertThat(thread.isDaemon()).isTrue();
            assertThat(thread.getName()).matches("esm4j-cap-busy-lane-\\d+");
        });
    }

    private RecordingHandler<byte[]> blockingHandler() {
        return RecordingHandler.<byte[]>succeeding().behave(batch -> {
            String shard = batch.partition();
            List<String> keys = batch.records().stream().map(StreamRecord::partitionKey).distinct().toList();
            keys.stream().filter(key -> !busyKeys.add(key)).forEach(overlaps::add);
            AtomicInteger now = running.computeIfAbsent(shard, unused -> new AtomicInteger());
            mostRunning.computeIfAbsent(shard, unused -> new AtomicInteger()).accumulateAndGet(now.incrementAndGet(),
                    Math::max);
            try {
                release.await(60, TimeUnit.SECONDS);
                return BatchResult.success();
            } finally {
                now.decrementAndGet();
                keys.forEach(busyKeys::remove);
            }
        });
    }

    private static StreamSettings.Builder settings() {
        return StreamSettings.builder().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5));
    }

    private StreamContext<byte[]> context(StreamSettings.Builder builder, RecordingHandler<byte[]> handler) {
        StreamSettings settings = builder.build();
        MappingStatus status = new MappingStatus();
        EngineMetrics metrics = new EngineMetrics(registry, "cap", EngineMetrics.Kind.STREAM);
        Invoker<StreamRecord<byte[]>> invoker = new Invoker<>("cap", handler, null, stream::naturalId,
                stream::itemIdentifier, false, new RetryScope.FromLowestFailure<>(), metrics, status);
        return new StreamContext<>("cap", "worker", settings, stream,
                new RecordFilter<>(FilterCriteria.none(), stream, "cap"), null, null, invoker, metrics,
                Clock.systemUTC(), new RetryBackoff(settings.retryBackoffInitial(), settings.retryBackoffMax()),
                status, ConcurrencyLimit.of(settings, metrics));
    }

    /** A Kafka-like partition: free-key lanes. */
    private ShardPipeline<byte[]> pipeline(StreamContext<byte[]> ctx, String shardId) {
        List<Checkpoint> reported = progress.computeIfAbsent(shardId, unused -> new CopyOnWriteArrayList<>());
        ShardPipeline<byte[]> pipeline = new ShardPipeline<>(ctx, shardId, new ShardPipeline.Listener() {
            @Override
            public void progressed(Checkpoint checkpoint) {
                reported.add(checkpoint);
            }

            @Override
            public void failed(Throwable failure) {
                throw new AssertionError("lane failed", failure);
            }

            @Override
            public void lanesEnded() {}
        }, ShardPipeline.LaneRouting.FREE_KEY);
        pipelines.add(pipeline);
        pipeline.start();
        return pipeline;
    }

    private Checkpoint lastProgress(String shardId) {
        List<Checkpoint> reported = progress.get(shardId);
        return reported.isEmpty() ? null : reported.getLast();
    }

    private static Checkpoint checkpoint(StreamRecord<byte[]> record) {
        return new Checkpoint.AtSequenceNumber(record.sequenceNumber());
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    /** {@code perKey} records of each of {@code keys} keys, the keys taking turns; sequence numbers 0, 1, ... */
    private static List<StreamRecord<byte[]>> records(String shardId, int keys, int perKey) {
        List<StreamRecord<byte[]>> records = new ArrayList<>();
        for (int i = 0; i < keys * perKey; i++) {
            records.add(new StreamRecord<>(shardId, Integer.toString(i), shardId + "-k" + (i % keys), NOW, 10,
                    ("r" + i).getBytes()));
        }
        return records;
    }

    private static List<StreamRecord<byte[]>> concat(List<StreamRecord<byte[]>> a, List<StreamRecord<byte[]>> b) {
        List<StreamRecord<byte[]>> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** Each key's sequence numbers in the order given. */
    private static Map<String, List<String>> byKey(List<StreamRecord<byte[]>> records) {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        for (StreamRecord<byte[]> record : records) {
            byKey.computeIfAbsent(record.partitionKey(), unused -> new ArrayList<>()).add(record.sequenceNumber());
        }
        return byKey;
    }
}
