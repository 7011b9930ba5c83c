package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * ParallelizationFactor (docs/lambda-semantics.md §2.2): up to PF batches of one shard at once, records of one
 * partition key always in sequence order; PF 1 is one batch at a time.
 */
class ParallelizationTest {

    @Test
    void factorTenRunsSeveralButAtMostTenBatchesOfOneShardAtOnce() throws Exception {
        InMemoryStream stream = InMemoryStream.create("pf10", 1);
        Streams.fill(stream, 300, 100);
        CountDownLatch release = new CountDownLatch(1);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            release.await(30, TimeUnit.SECONDS);
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("pf10", stream, handler)
                .settings(Streams.fast().batchSize(3).parallelizationFactor(10).build()).build();
        mapping.start();
        try {
            // 100 keys spread over every lane; with every handler blocked, only the lane count bounds concurrency.
            await().until(() -> handler.maxConcurrent() >= 10);
            assertThat(handler.maxConcurrent()).isEqualTo(10);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> handler.invocationCount() == 10);
            release.countDown();
            await().until(() -> handler.succeeded().size() == 300);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.maxConcurrent()).isEqualTo(10);
        assertThat(handler.succeededPayloads(Streams::utf8)).doesNotHaveDuplicates();
        assertThat(handler.invocations()).allSatisfy(b -> assertThat(b.records())
                .allSatisfy(r -> assertThat(r.shardId()).isEqualTo(stream.openShardIds().getFirst())));
    }

    @Test
    void factorOneRunsOneBatchAtATime() throws Exception {
        InMemoryStream stream = InMemoryStream.create("pf1", 1);
        Streams.fill(stream, 100, 50);
        CountDownLatch release = new CountDownLatch(1);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            release.await(30, TimeUnit.SECONDS);
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("pf1", stream, handler)
                .settings(Streams.fast().batchSize(5).parallelizationFactor(1).build()).build();
        mapping.start();
        try {
            await().until(() -> handler.invocationCount() == 1);
            // 50 keys are waiting, yet the blocked batch is the only one: PF 1 means one lane.
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
                    .until(() -> handler.invocationCount() == 1);
            release.countDown();
            await().until(() -> handler.succeeded().size() == 100);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.maxConcurrent()).isEqualTo(1);
        assertThat(handler.succeededPayloads(Streams::utf8))
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 100).mapToObj(i -> "r" + i).toList());
    }

    @Test
    void factorTenKeepsEachPartitionKeyInOrderThroughRandomFailures() throws Exception {
        long seed = 20240611L;
        InMemoryStream stream = InMemoryStream.create("pf10-order", 2);
        Streams.fill(stream, 3_000, 40);
        Map<String, AtomicFlag> keyBusy = new ConcurrentHashMap<>();
        List<String> overlaps = new CopyOnWriteArrayList<>();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            Set<String> keys = batch.records().stream().map(StreamRecord::partitionKey).collect(Collectors.toSet());
            List<String> taken = new ArrayList<>();
            try {
                for (String key : keys) {
                    if (!keyBusy.computeIfAbsent(key, k -> new AtomicFlag()).enter()) {
                        overlaps.add(key);
                    } else {
                        taken.add(key);
                    }
                }
                // A failure decided by the batch itself, not by thread timing: the same batch on the same attempt
                // always gets the same answer; every batch succeeds by its fourth attempt.
                String first = batch.records().getFirst().sequenceNumber();
                if (batch.approximateInvokeCount() <= 3
                        && new java.util.Random(seed ^ first.hashCode() * 31L + batch.approximateInvokeCount())
                                .nextDouble() < 0.3) {
                    throw new IllegalStateException("random failure");
                }
                return BatchResult.success();
            } finally {
                taken.forEach(key -> keyBusy.get(key).exit());
            }
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("pf10-order", stream, handler)
                .settings(Streams.fast().batchSize(7).parallelizationFactor(10).build()).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> handler.succeeded().size() >= 3_000);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.invocations().stream().filter(b -> b.approximateInvokeCount() > 1)).isNotEmpty();
        assertThat(overlaps).as("keys invoked in two batches at once").isEmpty();
        Map<String, List<String>> expected = byKey(stream);
        Map<String, List<String>> delivered = new LinkedHashMap<>();
        for (StreamRecord<byte[]> record : handler.succeeded()) {
            delivered.computeIfAbsent(record.partitionKey(), k -> new ArrayList<>()).add(record.sequenceNumber());
        }
        assertThat(delivered.keySet()).isEqualTo(expected.keySet());
        // Strictly increasing, no gaps, no duplicates: exactly the key's records in shard order.
        expected.forEach((key, sequenceNumbers) ->
                assertThat(delivered.get(key)).as("key %s", key).containsExactlyElementsOf(sequenceNumbers));
    }

    /** Every key's sequence numbers, in shard order. */
    static Map<String, List<String>> byKey(InMemoryStream stream) {
        Map<String, List<String>> byKey = new LinkedHashMap<>();
        Set<String> seen = new HashSet<>();
        for (String shardId : stream.openShardIds()) {
            for (StreamRecord<byte[]> record : stream.records(shardId)) {
                assertThat(seen.add(record.sequenceNumber())).isTrue();
                byKey.computeIfAbsent(record.partitionKey(), k -> new ArrayList<>()).add(record.sequenceNumber());
            }
        }
        return byKey;
    }

    private static final class AtomicFlag {
        private final java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();

        boolean enter() {
            return busy.compareAndSet(false, true);
        }

        void exit() {
            busy.set(false);
        }
    }
}
