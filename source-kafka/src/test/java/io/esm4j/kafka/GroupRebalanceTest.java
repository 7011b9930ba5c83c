package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.stream.StreamRecord;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.RemoveMembersFromConsumerGroupOptions;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * Several mappings in one consumer group: partitions move between them as members come and go, nothing is lost,
 * one key's records keep their order, and the only duplicates are records that were in flight when their partition
 * moved.
 */
class GroupRebalanceTest extends BrokerTest {

    private static final int PARTITIONS = 6;
    private static final int RECORDS = 3000;

    @Test
    void threeMappingsOneStuckAndClosedOneAddedMidRunLoseNothingAndKeepKeyOrder() throws Exception {
        String topic = broker.topic("group", PARTITIONS);
        String group = "g-" + UUID.randomUUID();
        List<ProducerRecord<byte[], byte[]>> records = Fixtures.keyed(topic, PARTITIONS, 60, RECORDS);
        List<KafkaRecord> succeeded = new CopyOnWriteArrayList<>();
        BatchHandler<StreamRecord<KafkaRecord>> recording = batch -> {
            batch.records().forEach(r -> succeeded.add(r.payload()));
            return BatchResult.success();
        };
        // C works for a while, then hangs in its handler until it is closed: its partitions stay unfinished.
        AtomicInteger cHandled = new AtomicInteger();
        AtomicBoolean cStuck = new AtomicBoolean();
        CountDownLatch never = new CountDownLatch(1);
        BatchHandler<StreamRecord<KafkaRecord>> stuckLater = batch -> {
            if (cHandled.get() >= 100) {
                cStuck.set(true);
                never.await();
            }
            cHandled.addAndGet(batch.size());
            return recording.handle(batch);
        };
        SimpleMeterRegistry aMetrics = new SimpleMeterRegistry();
        SimpleMeterRegistry bMetrics = new SimpleMeterRegistry();
        SimpleMeterRegistry cMetrics = new SimpleMeterRegistry();
        // A and C run under a MaximumConcurrency (A's lanes grow with its keys; C's stuck handler holds slots that
        // its other partitions' batches wait for until it is closed), B and D on ParallelizationFactor lanes alone.
        EventSourceMapping<KafkaRecord> a = mapping(topic, group, recording, Duration.ofSeconds(30), aMetrics, 4);
        EventSourceMapping<KafkaRecord> b = mapping(topic, group, recording, Duration.ofSeconds(30), bMetrics, -1);
        EventSourceMapping<KafkaRecord> c = mapping(topic, group, stuckLater, Duration.ofSeconds(1), cMetrics, 2);
        AtomicInteger dHandled = new AtomicInteger();
        EventSourceMapping<KafkaRecord> d = mapping(topic, group, batch -> {
            dHandled.addAndGet(batch.size());
            return recording.handle(batch);
        }, Duration.ofSeconds(30), null, -1);
        List<EventSourceMapping<KafkaRecord>> all = List.of(a, b, c, d);
        try {
            a.start();
            b.start();
            c.start();
            // The group settles before the first records go out: with no initial rebalance delay A takes every
            // partition at once and, on a fast run, would finish them all before C got any work to get stuck in.
            await().atMost(Duration.ofSeconds(60)).until(() -> Stream.of(aMetrics, bMetrics, cMetrics)
                    .allMatch(metrics -> partitionsOwned(metrics) == PARTITIONS / 3));
            broker.sendAll(records.subList(0, RECORDS / 2));
            await().atMost(Duration.ofSeconds(60)).until(() -> cStuck.get() && succeeded.size() >= 300);
            d.start();
            broker.sendAll(records.subList(RECORDS / 2, RECORDS));
            StopResult cStop = c.stop(Duration.ofSeconds(1));
            assertThat(cStop.drainedInTime()).isFalse();
            await().atMost(Duration.ofSeconds(120)).until(() -> distinctValues(succeeded) == RECORDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, PARTITIONS)));
            // A's callback for the last rebalance runs at its next poll, which may come after the others have
            // committed what they took over: wait for it rather than read the counter at once.
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    aMetrics.get(KafkaMetricNames.REBALANCES).counter().count() >= 2);
            assertThat(dHandled.get()).as("the member added mid-run got partitions").isPositive();
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    aMetrics.get(KafkaMetricNames.OFFSET_LAG).gauge().value() == 0);
        } finally {
            all.forEach(Fixtures::stopQuietly);
        }
        Fixtures.assertCompleteAndOrdered(Fixtures.valuesByKey(succeeded), RECORDS, true);
        // Duplicates come only from records in flight when a partition moved: far fewer than were processed.
        assertThat(succeeded.size() - RECORDS).isLessThan(RECORDS / 2);
    }

    @Test
    void twoMembersOfOneMappingWithOneRegistryReportTheirPartitionsTogetherUntilTheLastStops() throws Exception {
        String topic = broker.topic("shared-meters", 4);
        String group = "g-" + UUID.randomUUID();
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        BatchHandler<StreamRecord<KafkaRecord>> ok = batch -> BatchResult.success();
        EventSourceMapping<KafkaRecord> first = mapping(topic, group, ok, Duration.ofSeconds(30), metrics, -1);
        EventSourceMapping<KafkaRecord> second = mapping(topic, group, ok, Duration.ofSeconds(30), metrics, -1);
        try {
            first.start();
            second.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> first.shards().size() == 2
                    && second.shards().size() == 2);
            await().until(() -> partitionsOwned(metrics) == 4
                    && metrics.find(KafkaMetricNames.PARTITION_OFFSET_LAG).gauges().size() == 4);

            first.stop(Duration.ofSeconds(10));
            assertThat(metrics.find(KafkaMetricNames.OFFSET_LAG).gauge()).as("OffsetLag while one member runs")
                    .isNotNull();
            await().atMost(Duration.ofSeconds(60)).until(() -> second.shards().size() == 4);
            await().until(() -> partitionsOwned(metrics) == 4
                    && metrics.find(KafkaMetricNames.PARTITION_OFFSET_LAG).gauges().size() == 4);

            second.stop(Duration.ofSeconds(10));
            assertThat(metrics.getMeters()).as("meters after both stopped")
                    .noneMatch(meter -> "group".equals(meter.getId().getTag(MetricNames.MAPPING_TAG)));
        } finally {
            Fixtures.stopQuietly(first);
            Fixtures.stopQuietly(second);
        }
    }

    private static EventSourceMapping<KafkaRecord> mapping(String topic, String group,
                                                           BatchHandler<StreamRecord<KafkaRecord>> handler,
                                                           Duration revokeTimeout, SimpleMeterRegistry registry,
                                                           int maximumConcurrency) {
        KafkaSource source = KafkaSource.builder().bootstrapServers(broker.bootstrapServers).topics(topic)
                .consumerGroupId(group).revokeTimeout(revokeTimeout)
                .consumerProperty("session.timeout.ms", "10000").consumerProperty("heartbeat.interval.ms", "500")
                .build();
        EventSourceMapping.Builder<KafkaRecord> builder = EventSourceMapping.builder("group", source, handler)
                .settings(Fixtures.fast().batchSize(10).parallelizationFactor(3).maximumConcurrency(maximumConcurrency)
                        .build());
        if (registry != null) {
            builder.meterRegistry(registry);
        }
        return builder.build();
    }

    private static double partitionsOwned(SimpleMeterRegistry metrics) {
        Gauge owned = metrics.find(KafkaMetricNames.PARTITIONS_OWNED).gauge();
        return owned == null ? 0 : owned.value();
    }

    private static int distinctValues(List<KafkaRecord> records) {
        return (int) records.stream().map(r -> KafkaBroker.text(r.value())).distinct().count();
    }

    @Test
    void aRevokedPartitionIsCommittedUpToItsDonePrefixAndALateResultIsDropped() throws Exception {
        String topic = broker.topic("revoke", 2);
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < 10; i++) {
                broker.send(topic, p, "k" + p, "p" + p + "-" + i);
            }
        }
        String group = "g-" + UUID.randomUUID();
        // The first member hangs on record 3 of each partition, deaf to interrupts, until the test lets it go.
        CountDownLatch release = new CountDownLatch(1);
        List<String> stuck = new CopyOnWriteArrayList<>();
        Recorder first = new Recorder().behave(batch -> {
            String value = Recorder.value(batch.records().getFirst());
            if (value.endsWith("-3")) {
                stuck.add(value);
                while (release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException ignored) {
                        // a handler that does not stop when told: its result comes after the revoke
                    }
                }
            }
            return BatchResult.success();
        });
        SimpleMeterRegistry firstMetrics = new SimpleMeterRegistry();
        EventSourceMapping<KafkaRecord> m1 = single(topic, group, first, Duration.ofMillis(500), firstMetrics);
        Recorder second = new Recorder();
        EventSourceMapping<KafkaRecord> m2 = single(topic, group, second, Duration.ofSeconds(30), null);
        try {
            m1.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> stuck.size() == 2
                    && broker.committed(group).values().stream().allMatch(offset -> offset == 3));
            m2.start();
            // One partition moves: the first member commits 3 (its done prefix) and lets go; the second goes on.
            await().atMost(Duration.ofSeconds(60)).until(() -> second.succeeded.size() == 7);
            String moved = second.succeeded.getFirst().topicPartition();
            TopicPartition movedPartition = second.succeeded.getFirst().partition() == 0
                    ? new TopicPartition(topic, 0) : new TopicPartition(topic, 1);
            assertThat(second.succeeded).extracting(r -> r.offset()).containsExactly(3L, 4L, 5L, 6L, 7L, 8L, 9L);
            assertThat(firstMetrics.get(KafkaMetricNames.PARTITIONS_REVOKED).counter().count()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(30)).until(() -> Long.valueOf(10)
                    .equals(broker.committed(group).get(movedPartition)));
            // The late success of the moved partition's record 3 must not be committed over the second's 10.
            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, 2)));
            await().atMost(Duration.ofSeconds(30)).until(() -> first.succeeded.stream()
                    .anyMatch(r -> r.topicPartition().equals(moved) && r.offset() == 3));
            m1.stop(Duration.ofSeconds(10));
            assertThat(broker.committed(group)).isEqualTo(broker.endOffsets(topic, 2));
        } finally {
            release.countDown();
            Fixtures.stopQuietly(m1);
            Fixtures.stopQuietly(m2);
        }
    }

    private static EventSourceMapping<KafkaRecord> single(String topic, String group,
                                                          BatchHandler<StreamRecord<KafkaRecord>> handler,
                                                          Duration revokeTimeout, SimpleMeterRegistry registry) {
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group).revokeTimeout(revokeTimeout)
                .build();
        EventSourceMapping.Builder<KafkaRecord> builder = EventSourceMapping.builder("revoke", source, handler)
                .settings(Fixtures.fast().batchSize(1).build());
        if (registry != null) {
            builder.meterRegistry(registry);
        }
        return builder.build();
    }

    @Test
    void aMemberThatLostItsMembershipCommitsNothingStale() throws Exception {
        String topic = broker.topic("lost", 2);
        for (int p = 0; p < 2; p++) {
            for (int i = 0; i < 10; i++) {
                broker.send(topic, p, "k" + p, "p" + p + "-" + i);
            }
        }
        String group = "g-" + UUID.randomUUID();
        // The first member hangs on record 3 of each partition (the first time only, until interrupted), and waits
        // 8 s for a revoked partition's batch; the group drops it meanwhile (removed by an admin: a RevokeTimeout
        // past max.poll.interval.ms, which would do the same, is refused at build()).
        CountDownLatch release = new CountDownLatch(1);
        List<String> stuck = new CopyOnWriteArrayList<>();
        BatchHandler<StreamRecord<KafkaRecord>> hanging = batch -> {
            String value = Recorder.value(batch.records().getFirst());
            if (value.endsWith("-3") && !stuck.contains(value)) {
                stuck.add(value);
                release.await();
            }
            return BatchResult.success();
        };
        SimpleMeterRegistry firstMetrics = new SimpleMeterRegistry();
        KafkaSource slowToLetGo = Fixtures.source(broker, topic).consumerGroupId(group)
                .revokeTimeout(Duration.ofSeconds(8)).build();
        EventSourceMapping<KafkaRecord> m1 = EventSourceMapping.builder("lost", slowToLetGo, hanging)
                .settings(Fixtures.fast().batchSize(1).build()).meterRegistry(firstMetrics).build();
        Recorder second = new Recorder();
        EventSourceMapping<KafkaRecord> m2 = single(topic, group, second, Duration.ofSeconds(30), null);
        try {
            m1.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> stuck.size() == 2
                    && broker.committed(group).values().stream().allMatch(offset -> offset == 3));
            m2.start();
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    firstMetrics.get(KafkaMetricNames.PARTITIONS_REVOKED).counter().count() > 0);
            // Every member leaves: the first one, in its revoke wait, finds out when the wait ends; the second
            // joins again at once.
            broker.admin.removeMembersFromConsumerGroup(group, new RemoveMembersFromConsumerGroupOptions()).all()
                    .get();
            // Both members finish the partitions between them once the first one has rejoined.
            await().atMost(Duration.ofSeconds(90)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, 2)));
            // The first member notices once its 8 s wait ends: its commit is refused, what it held is lost.
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    firstMetrics.get(KafkaMetricNames.PARTITIONS_LOST).counter().count()
                            + firstMetrics.get(KafkaMetricNames.COMMIT_ERROR_COUNT).counter().count() > 0);
            await().atMost(Duration.ofSeconds(90)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, 2)));
        } finally {
            release.countDown();
            Fixtures.stopQuietly(m1);
            Fixtures.stopQuietly(m2);
        }
        // Whatever the first member still held or finished after it was dropped, it never moved an offset back.
        assertThat(broker.committed(group)).isEqualTo(broker.endOffsets(topic, 2));
    }
}
