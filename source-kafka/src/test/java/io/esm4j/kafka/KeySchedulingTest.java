package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.failure.FailureRecord;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Lanes inside a partition take keys as they come free: one key's records in order and never in two invocations at
 * once, while a key that is slow or failing holds up only itself, not the keys that Lambda's hash lanes would have
 * queued behind it; commits never pass a record that is not done.
 */
class KeySchedulingTest extends BrokerTest {

    private static final String HOT = "hot";

    @Test
    void manyKeysStayInOrderAndNoKeyIsInTwoInvocationsAtOnceUnderRandomDelaysAndFailures() throws Exception {
        String topic = broker.topic("many-keys", 2);
        broker.sendAll(Fixtures.keyed(topic, 2, 300, 3000));
        String group = "g-" + UUID.randomUUID();
        Set<String> busy = ConcurrentHashMap.newKeySet();
        List<String> overlaps = new CopyOnWriteArrayList<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostRunning = new AtomicInteger();
        Recorder handler = new Recorder().behave(batch -> {
            Set<String> keys = keysOf(batch);
            keys.stream().filter(key -> !busy.add(key)).forEach(overlaps::add);
            mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            try {
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(ThreadLocalRandom.current().nextInt(3000)));
                if (ThreadLocalRandom.current().nextInt(10) == 0) {
                    throw new IllegalStateException("transient failure");
                }
                return BatchResult.success();
            } finally {
                running.decrementAndGet();
                busy.removeAll(keys);
            }
        });
        // No destination: failed batches are bisected and retried until they succeed.
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("many-keys",
                        Fixtures.source(broker, topic).consumerGroupId(group).build(), handler)
                .settings(Fixtures.fast().batchSize(10).parallelizationFactor(10).bisectBatchOnFunctionError(true)
                        .build())
                .build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(90)).until(() -> handler.succeeded.size() >= 3000);
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, 2)));
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        assertThat(overlaps).as("keys in two invocations at once").isEmpty();
        Fixtures.assertCompleteAndOrdered(handler.valuesByKey(), 3000, false);
        assertThat(mostRunning.get()).as("invocations of one partition at once").isGreaterThan(1);
    }

    @Test
    void aHotKeyDoesNotHoldUpTheKeysThatHashToItsLane() throws Exception {
        String topic = broker.topic("hot-key", 1);
        String group = "g-" + UUID.randomUUID();
        CountDownLatch hotStarted = new CountDownLatch(1);
        CountDownLatch releaseHot = new CountDownLatch(1);
        Recorder handler = new Recorder().behave(batch -> {
            if (keysOf(batch).contains(HOT)) {
                hotStarted.countDown();
                awaitQuietly(releaseHot);
            }
            return BatchResult.success();
        });
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("hot-key",
                        Fixtures.source(broker, topic).consumerGroupId(group).build(), handler)
                .settings(Fixtures.fast().batchSize(10).parallelizationFactor(2).build()).build();
        mapping.start();
        List<String> others = keysInHashLaneOf(HOT, 2, 5);
        try {
            broker.send(topic, 0, "first", "v0");
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 1);
            broker.send(topic, 0, HOT, "v1");
            assertThat(hotStarted.await(60, TimeUnit.SECONDS)).isTrue();
            broker.sendAll(interleaved(topic, others, 2, 20));

            // Lambda's hash lanes would queue all of these behind the hot key's invocation.
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 1 + 20);
            assertThat(Fixtures.valuesByKey(handler.succeeded)).doesNotContainKey(HOT);
            // The hot key's first record (offset 1) is not done: nothing after it is committed.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(30))
                    .until(() -> Long.valueOf(1).equals(broker.committed(group).get(new TopicPartition(topic, 0))));

            releaseHot.countDown();
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 1 + 1 + 20 + 5);
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, 1)));
        } finally {
            releaseHot.countDown();
            Fixtures.stopQuietly(mapping);
        }
        assertThat(handler.valuesByKey().get(HOT)).containsExactly("v1", "v5", "v10", "v15", "v20", "v25");
        Fixtures.assertCompleteAndOrdered(handler.valuesByKey(), 1 + 1 + 20 + 5, false);
    }

    @Test
    void aFailingKeyIsRetriedAloneWhileTheKeysOfItsHashLaneGoOnAndTheCommitStopsAtIt() throws Exception {
        String topic = broker.topic("failing-key", 1);
        String group = "g-" + UUID.randomUUID();
        AtomicInteger poisonInvocations = new AtomicInteger();
        Recorder handler = new Recorder().behave(batch -> {
            if (keysOf(batch).contains(HOT)) {
                poisonInvocations.incrementAndGet();
                throw new IllegalStateException("poison");
            }
            return BatchResult.success();
        });
        // No destination and Lambda's default of unlimited retries: the hot key's first record never ends.
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("failing-key",
                        Fixtures.source(broker, topic).consumerGroupId(group).build(), handler)
                .settings(Fixtures.fast().batchSize(10).parallelizationFactor(2).bisectBatchOnFunctionError(true)
                        .build())
                .build();
        mapping.start();
        List<String> others = keysInHashLaneOf(HOT, 2, 5);
        StopResult result;
        try {
            broker.send(topic, 0, "first", "v0");
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 1);
            broker.send(topic, 0, HOT, "v1");
            await().atMost(Duration.ofSeconds(60)).until(() -> poisonInvocations.get() >= 2);
            broker.sendAll(interleaved(topic, others, 2, 20));

            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() == 1 + 20);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(30))
                    .until(() -> Long.valueOf(1).equals(broker.committed(group).get(new TopicPartition(topic, 0))));
        } finally {
            result = mapping.stop(Duration.ofSeconds(10));
        }
        // Only the failing record was retried: the hot key's later records were never handed out.
        assertThat(handler.invocations).filteredOn(batch -> keysOf(batch).contains(HOT))
                .allSatisfy(batch -> assertThat(batch.records()).extracting(Recorder::value).containsExactly("v1"));
        assertThat(Fixtures.valuesByKey(handler.succeeded)).doesNotContainKey(HOT);
        assertThat(result.checkpoints()).containsEntry(topic + "-0", new Checkpoint.AtSequenceNumber("0"));
        assertThat(result.recordsNotProcessed()).isEqualTo(1 + 5 + 20);
    }

    @Test
    void bisectionGivesUpOnlyThePoisonRecordsWithManyKeysOnTenLanes() throws Exception {
        String topic = broker.topic("bisect-keys", 2);
        broker.sendAll(Fixtures.keyed(topic, 2, 50, 1000));
        Set<String> poison = Set.of("v101", "v333", "v777");
        String group = "g-" + UUID.randomUUID();
        Recorder handler = new Recorder().behave(batch -> {
            if (batch.records().stream().map(Recorder::value).anyMatch(poison::contains)) {
                throw new IllegalStateException("poison");
            }
            return BatchResult.success();
        });
        CollectingDestination destination = new CollectingDestination();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("bisect-keys",
                        Fixtures.source(broker, topic).consumerGroupId(group).build(), handler)
                .settings(Fixtures.fast().batchSize(10).parallelizationFactor(10).bisectBatchOnFunctionError(true)
                        .maximumRetryAttempts(1).build())
                .onFailure(destination).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() >= 1000 - poison.size());
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, 2)));
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        assertThat(destination.received).allSatisfy(failure -> assertThat(failure.records()).hasSize(1));
        assertThat(destination.received).flatExtracting(FailureRecord::records)
                .extracting(record -> KafkaBroker.text(((KafkaRecord) ((StreamRecord<?>) record).payload()).value()))
                .containsExactlyInAnyOrderElementsOf(poison);
        // Everything else succeeded once, in order within each key.
        Fixtures.assertCompleteAndOrdered(handler.valuesByKey(), 1000 - poison.size(), false);
    }

    @Test
    void underMaximumConcurrencyAPartitionWithManyKeysRunsMoreBatchesThanParallelizationFactor() throws Exception {
        String topic = broker.topic("capped", 2);
        // Skewed: 30 keys on partition 0, 3 on partition 1. Lanes per partition (ParallelizationFactor 10) would run
        // at most 10 batches of partition 0; the mapping-wide cap of 25 lets it run more while partition 1 is idle.
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < 330; i++) {
            int partition = i < 300 ? 0 : 1;
            String key = partition == 0 ? "p0-k" + i % 30 : "p1-k" + i % 3;
            records.add(new ProducerRecord<>(topic, partition, KafkaBroker.bytes(key), KafkaBroker.bytes("v" + i)));
        }
        broker.sendAll(records);
        String group = "g-" + UUID.randomUUID();
        Set<String> busy = ConcurrentHashMap.newKeySet();
        List<String> overlaps = new CopyOnWriteArrayList<>();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger mostRunning = new AtomicInteger();
        AtomicInteger runningOnFirst = new AtomicInteger();
        AtomicInteger mostRunningOnFirst = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        Recorder handler = new Recorder().behave(batch -> {
            Set<String> keys = keysOf(batch);
            keys.stream().filter(key -> !busy.add(key)).forEach(overlaps::add);
            boolean first = batch.partition().equals(topic + "-0");
            mostRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            if (first) {
                mostRunningOnFirst.accumulateAndGet(runningOnFirst.incrementAndGet(), Math::max);
            }
            try {
                awaitQuietly(release);
                return BatchResult.success();
            } finally {
                if (first) {
                    runningOnFirst.decrementAndGet();
                }
                running.decrementAndGet();
                busy.removeAll(keys);
            }
        });
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("capped",
                        Fixtures.source(broker, topic).consumerGroupId(group).build(), handler)
                .settings(Fixtures.fast().batchSize(10).parallelizationFactor(10).maximumConcurrency(25).build())
                .build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> mostRunningOnFirst.get() > 10);
            release.countDown();
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() >= 330);
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, 2)));
        } finally {
            release.countDown();
            Fixtures.stopQuietly(mapping);
        }
        assertThat(overlaps).as("keys in two invocations at once").isEmpty();
        assertThat(mostRunning.get()).as("invocations of the mapping at once").isLessThanOrEqualTo(25);
        Fixtures.assertCompleteAndOrdered(handler.valuesByKey(), 330, false);
    }

    /** The keys of a batch; records without a key under their partition's name. */
    private static Set<String> keysOf(Batch<StreamRecord<KafkaRecord>> batch) {
        Set<String> keys = new HashSet<>();
        for (StreamRecord<KafkaRecord> record : batch.records()) {
            keys.add(record.partitionKey() == null ? "null@" + record.shardId() : record.partitionKey());
        }
        return keys;
    }

    /** {@code count} keys that Lambda's hash lanes (the key's hash modulo the lanes) put in the lane of {@code key}. */
    private static List<String> keysInHashLaneOf(String key, int lanes, int count) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; keys.size() < count; i++) {
            String candidate = "k" + i;
            if (Math.floorMod(candidate.hashCode(), lanes) == Math.floorMod(key.hashCode(), lanes)) {
                keys.add(candidate);
            }
        }
        return keys;
    }

    /**
     * {@code count} records of {@code keys} in turn, values from {@code v<firstValue>}, with a record of the hot key
     * after the third and then every fourth: the hot key's values are v5, v10, v15, v20, v25 for 20 from v2.
     */
    private static List<ProducerRecord<byte[], byte[]>> interleaved(String topic, List<String> keys, int firstValue,
                                                                    int count) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        int value = firstValue;
        for (int i = 0; i < count; i++) {
            records.add(new ProducerRecord<>(topic, 0, KafkaBroker.bytes(keys.get(i % keys.size())),
                    KafkaBroker.bytes("v" + value++)));
            if (i % 4 == 2) {
                records.add(new ProducerRecord<>(topic, 0, KafkaBroker.bytes(HOT), KafkaBroker.bytes("v" + value++)));
            }
        }
        return records;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
