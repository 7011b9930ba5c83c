package io.esm4j.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.lease.Checkpoint;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StartingPosition;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.FeatureUpdate;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.UpdateFeaturesOptions;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Reading, ordering, starting positions and commits on a real broker. */
class KafkaSourceTest extends BrokerTest {

    @Test
    void everyRecordOnceInKeyOrderWithParallelLanesAndOffsetsCommittedToTheEnd() throws Exception {
        String topic = broker.topic("orders", 3);
        broker.sendAll(Fixtures.keyed(topic, 3, 20, 600));
        String group = "g-" + UUID.randomUUID();
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("orders",
                        Fixtures.source(broker, topic).consumerGroupId(group).build(), handler)
                .settings(Fixtures.fast().batchSize(7).parallelizationFactor(4).build()).build();
        mapping.start();
        StopResult result;
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() >= 600);
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, 3)));
            assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .contains("esm4j-orders-kafka-intake");
            // Without a client.id of the user's, the consumer's names the mapping (in the client's own log lines).
            assertThat(members(group)).singleElement().asString().matches("esm4j-orders-\\d+");
        } finally {
            result = mapping.stop(Duration.ofSeconds(10));
        }
        Fixtures.assertCompleteAndOrdered(handler.valuesByKey(), 600, false);
        assertThat(result.drainedInTime()).isTrue();
        assertThat(result.recordsNotProcessed()).isZero();
        // The intake thread has ended by the time stop() returns.
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .doesNotContain("esm4j-orders-kafka-intake");
        Map<TopicPartition, Long> ends = broker.endOffsets(topic, 3);
        for (int p = 0; p < 3; p++) {
            assertThat(result.checkpoints().get(topic + "-" + p))
                    .isEqualTo(new Checkpoint.AtSequenceNumber(
                            Long.toString(ends.get(new TopicPartition(topic, p)) - 1)));
        }
        // Every batch holds one partition's records; the lanes split them by key.
        assertThat(handler.invocations).allSatisfy(batch -> assertThat(batch.records().stream()
                .map(r -> r.shardId()).distinct()).hasSize(1));
    }

    @Test
    void aGroupsCommittedOffsetsWinOverTheStartingPosition() throws Exception {
        String topic = broker.topic("resume", 1);
        for (int i = 0; i < 10; i++) {
            broker.send(topic, 0, "k", "v" + i);
        }
        String group = "g-" + UUID.randomUUID();
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group).build();
        Recorder first = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("resume", source, first)
                .settings(Fixtures.fast().build()).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> first.succeeded.size() == 10);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
        assertThat(broker.committed(group)).containsEntry(new TopicPartition(topic, 0), 10L);
        for (int i = 10; i < 15; i++) {
            broker.send(topic, 0, "k", "v" + i);
        }
        // TRIM_HORIZON again, but the group has offsets: only the new records come.
        Recorder second = new Recorder();
        EventSourceMapping<KafkaRecord> again = EventSourceMapping.builder("resume", source, second)
                .settings(Fixtures.fast().build()).build();
        again.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> second.succeeded.size() >= 5);
        } finally {
            again.stop(Duration.ofSeconds(10));
        }
        assertThat(second.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                .containsExactly("v10", "v11", "v12", "v13", "v14");
    }

    @Test
    void latestSkipsWhatIsThereAndAtTimestampStartsAtTheFirstRecordFromThen() throws Exception {
        String topic = broker.topic("positions", 1);
        long base = System.currentTimeMillis() - 60_000;
        for (int i = 0; i < 10; i++) {
            broker.send(new ProducerRecord<>(topic, 0, base + i * 1000L, KafkaBroker.bytes("k"),
                    KafkaBroker.bytes("v" + i)));
        }
        Recorder latest = new Recorder();
        EventSourceMapping<KafkaRecord> latestMapping = EventSourceMapping.builder("latest",
                        Fixtures.source(broker, topic).build(), latest)
                .settings(Fixtures.fast().startingPosition(StartingPosition.LATEST).build()).build();
        Recorder atTime = new Recorder();
        EventSourceMapping<KafkaRecord> atTimeMapping = EventSourceMapping.builder("at-time",
                        Fixtures.source(broker, topic).build(), atTime)
                .settings(Fixtures.fast().startingPositionAtTimestamp(Instant.ofEpochMilli(base + 6500)).build())
                .build();
        latestMapping.start();
        atTimeMapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> latestMapping.shards().size() == 1
                    && atTime.succeeded.size() == 3);
            broker.send(topic, 0, "k", "v10");
            await().atMost(Duration.ofSeconds(60)).until(() -> latest.succeeded.size() == 1
                    && atTime.succeeded.size() == 4);
        } finally {
            Fixtures.stopQuietly(latestMapping);
            Fixtures.stopQuietly(atTimeMapping);
        }
        assertThat(latest.succeeded).extracting(r -> KafkaBroker.text(r.value())).containsExactly("v10");
        assertThat(atTime.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                .containsExactly("v7", "v8", "v9", "v10");
    }

    @Test
    void withLatestANewGroupOfTwoMappingsSkipsWhatIsThereAndReadsAPartitionAddedLaterWhole() throws Exception {
        String topic = broker.topic("latest-added", 4);
        broker.sendAll(Fixtures.keyed(topic, 4, 8, 40));
        String group = "g-" + UUID.randomUUID();
        // Metadata refreshed every 0.5 s rather than 5 min: the added partition is noticed soon.
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group)
                .consumerProperty("metadata.max.age.ms", "500").build();
        Recorder handler = new Recorder();
        List<EventSourceMapping<KafkaRecord>> mappings = new ArrayList<>();
        for (String name : List.of("latest-added-a", "latest-added-b")) {
            mappings.add(EventSourceMapping.builder(name, source, handler)
                    .settings(Fixtures.fast().startingPosition(StartingPosition.LATEST).build()).build());
        }
        mappings.forEach(EventSourceMapping::start);
        try {
            // Each partition's start (its end) is committed: nothing that was there is read.
            await().atMost(Duration.ofSeconds(60)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, 4)));
            broker.admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get();
            for (int p = 0; p < 5; p++) {
                // Partition 4's record is written before either mapping knows the partition.
                broker.send(topic, p, "k", "new" + p);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() >= 5);
        } finally {
            mappings.forEach(Fixtures::stopQuietly);
        }
        assertThat(handler.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                .containsExactlyInAnyOrder("new0", "new1", "new2", "new3", "new4");
    }

    @Test
    void latestCommitsWhereItStartsSoThatRecordsNotDoneYetAreReadByTheNextOwner() throws Exception {
        String topic = broker.topic("latest-handover", 1);
        String group = "g-" + UUID.randomUUID();
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group).build();
        SimpleMeterRegistry aMetrics = new SimpleMeterRegistry();
        Recorder failing = new Recorder().behave(batch -> {
            throw new IllegalStateException("not yet");
        });
        EventSourceMapping<KafkaRecord> a = EventSourceMapping.builder("latest-a", source, failing)
                .settings(Fixtures.fast().startingPosition(StartingPosition.LATEST).build())
                .meterRegistry(aMetrics).build();
        Recorder taker = new Recorder();
        EventSourceMapping<KafkaRecord> b = EventSourceMapping.builder("latest-b", source, taker)
                .settings(Fixtures.fast().startingPosition(StartingPosition.LATEST).build()).build();
        a.start();
        try {
            // A owns the partition and knows where it reads from.
            await().atMost(Duration.ofSeconds(60)).until(() -> aMetrics.find(KafkaMetricNames.PARTITION_OFFSET_LAG)
                    .gauge() != null && aMetrics.get(KafkaMetricNames.PARTITION_OFFSET_LAG).gauge().value() == 0);
            for (int i = 0; i < 5; i++) {
                broker.send(topic, 0, "k", "v" + i);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> !failing.invocations.isEmpty());
            b.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> b.state() == MappingState.ENABLED);
            // A lets the partition go with nothing done: what it committed is where it started.
            a.stop(Duration.ofSeconds(1));
            assertThat(broker.committed(group)).containsEntry(new TopicPartition(topic, 0), 0L);
            broker.send(topic, 0, "k", "v5");
            await().atMost(Duration.ofSeconds(60)).until(() -> taker.succeeded.size() >= 6);
        } finally {
            Fixtures.stopQuietly(a);
            Fixtures.stopQuietly(b);
        }
        assertThat(taker.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                .containsExactly("v0", "v1", "v2", "v3", "v4", "v5");
    }

    @Test
    void anOffsetThatRetentionDeletedReadsOnFromTheOldestRecordKeptInsteadOfSkippingToTheEnd() throws Exception {
        String topic = broker.topic("out-of-range", 1);
        String group = "g-" + UUID.randomUUID();
        KafkaSource source = Fixtures.source(broker, topic).consumerGroupId(group).build();
        TopicPartition partition = new TopicPartition(topic, 0);
        SimpleMeterRegistry aMetrics = new SimpleMeterRegistry();
        Recorder stuck = new Recorder().behave(batch -> {
            if (batch.records().stream().anyMatch(r -> Recorder.value(r).equals("v5"))) {
                throw new IllegalStateException("poison");
            }
            return BatchResult.success();
        });
        EventSourceMapping<KafkaRecord> a = EventSourceMapping.builder("out-of-range-a", source, stuck)
                .settings(Fixtures.fast().startingPosition(StartingPosition.LATEST).batchSize(1).build())
                .meterRegistry(aMetrics).build();
        a.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> aMetrics.find(KafkaMetricNames.PARTITION_OFFSET_LAG)
                    .gauge() != null && aMetrics.get(KafkaMetricNames.PARTITION_OFFSET_LAG).gauge().value() == 0);
            for (int i = 0; i < 10; i++) {
                broker.send(topic, 0, "k", "v" + i);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(5)
                    .equals(broker.committed(group).get(partition)));
        } finally {
            Fixtures.stopQuietly(a);
        }
        // Retention moves the log's start past the committed offset, while v8 and v9 are still kept.
        broker.admin.deleteRecords(Map.of(partition, RecordsToDelete.beforeOffset(8))).all().get();
        for (int i = 10; i < 15; i++) {
            broker.send(topic, 0, "k", "v" + i);
        }
        Recorder taker = new Recorder();
        EventSourceMapping<KafkaRecord> b = EventSourceMapping.builder("out-of-range-b", source, taker)
                .settings(Fixtures.fast().startingPosition(StartingPosition.LATEST).build()).build();
        b.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> taker.succeeded.size() >= 7);
        } finally {
            Fixtures.stopQuietly(b);
        }
        assertThat(taker.succeeded).extracting(r -> KafkaBroker.text(r.value()))
                .containsExactly("v8", "v9", "v10", "v11", "v12", "v13", "v14");
    }

    @Test
    void theConsumerGroupProtocolOfKip848ReadsAndCommits() throws Exception {
        String topic = broker.topic("kip848", 2);
        broker.sendAll(Fixtures.keyed(topic, 2, 5, 20));
        String group = "g-" + UUID.randomUUID();
        // The embedded broker is formatted without the feature that turns the protocol on.
        broker.admin.updateFeatures(Map.of("group.version", new FeatureUpdate((short) 1,
                FeatureUpdate.UpgradeType.UPGRADE)), new UpdateFeaturesOptions()).all().get();
        // Without the session and heartbeat settings of Fixtures.source: this protocol refuses them.
        KafkaSource source = KafkaSource.builder().bootstrapServers(broker.bootstrapServers).topics(topic)
                .consumerGroupId(group).consumerProperty("group.protocol", "consumer")
                .consumerProperty("client.id", "users-own-id").build();
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("kip848", source, handler)
                .settings(Fixtures.fast().build()).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeeded.size() >= 20);
            await().atMost(Duration.ofSeconds(30)).until(() -> broker.committed(group)
                    .equals(broker.endOffsets(topic, 2)));
            // A client.id of the user's wins over esm4j's.
            assertThat(members(group)).containsExactly("users-own-id");
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        Fixtures.assertCompleteAndOrdered(handler.valuesByKey(), 20, false);
    }

    /** The client ids of the group's members. */
    private static List<String> members(String group) throws Exception {
        return broker.admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                .map(MemberDescription::clientId).toList();
    }

    @Test
    void aSlowHandlerPausesItsPartitionInsteadOfStallingThePollLoop() throws Exception {
        String topic = broker.topic("slow", 1);
        for (int i = 0; i < 200; i++) {
            broker.send(topic, 0, "k" + i % 4, "v" + i);
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<Long> inFlight = new CopyOnWriteArrayList<>();
        AtomicReference<EventSourceMapping<KafkaRecord>> self = new AtomicReference<>();
        Recorder handler = new Recorder().behave(batch -> {
            self.get().shards().forEach(shard -> inFlight.add(shard.recordsInFlight()));
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return BatchResult.success();
        });
        // 200 batches of 20 ms: several max.poll.interval.ms long, with room for 20 records per partition.
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("slow",
                        Fixtures.source(broker, topic).consumerProperty("max.poll.interval.ms", "1000")
                                .revokeTimeout(Duration.ofMillis(500)).build(),
                        handler)
                .settings(Fixtures.fast().batchSize(1).parallelizationFactor(2).maxBufferedRecordsPerShard(20)
                        .build())
                .meterRegistry(registry).build();
        self.set(mapping);
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> handler.succeeded.size() == 200);
            assertThat(registry.get(KafkaMetricNames.PARTITIONS_REVOKED).counter().count()).isZero();
            assertThat(registry.get(KafkaMetricNames.PARTITIONS_LOST).counter().count()).isZero();
            assertThat(registry.get(KafkaMetricNames.PARTITIONS_ASSIGNED).counter().count()).isEqualTo(1);
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        assertThat(inFlight).isNotEmpty().allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(20));
        Fixtures.assertCompleteAndOrdered(handler.valuesByKey(), 200, false);
    }

    @Test
    void offsetLagFollowsTheTopicWhileThePartitionIsPausedForBackPressure() throws Exception {
        String topic = broker.topic("paused-lag", 1);
        List<ProducerRecord<byte[], byte[]>> first = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            first.add(new ProducerRecord<>(topic, 0, KafkaBroker.bytes("k"), KafkaBroker.bytes("v" + i)));
        }
        broker.sendAll(first);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CountDownLatch release = new CountDownLatch(1);
        Recorder handler = new Recorder().behave(batch -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return BatchResult.success();
        });
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("paused-lag",
                        Fixtures.source(broker, topic).consumerProperty("max.poll.records", "20").build(), handler)
                .settings(Fixtures.fast().maxBufferedRecordsPerShard(20).build())
                .meterRegistry(registry).build();
        mapping.start();
        try {
            // The handler holds the first batch: the partition's buffer is full and it pauses.
            await().atMost(Duration.ofSeconds(60)).until(() -> registry.get(KafkaMetricNames.OFFSET_LAG).gauge()
                    .value() == 100);
            List<ProducerRecord<byte[], byte[]>> more = new ArrayList<>();
            for (int i = 100; i < 1100; i++) {
                more.add(new ProducerRecord<>(topic, 0, KafkaBroker.bytes("k"), KafkaBroker.bytes("v" + i)));
            }
            broker.sendAll(more);
            // Nothing is done: every record written is behind.
            await().atMost(Duration.ofSeconds(60)).until(() -> registry.get(KafkaMetricNames.OFFSET_LAG).gauge()
                    .value() == 1100);
        } finally {
            release.countDown();
            Fixtures.stopQuietly(mapping);
        }
    }

    @Test
    void aFailureOnThePollThreadRestartsThePartitionsAfterTheirDonePrefixWithoutSkippingRecords() throws Exception {
        String topic = broker.topic("restart", 2);
        broker.sendAll(Fixtures.keyed(topic, 2, 10, 100));
        // The poll thread reads the clock once per poll that returned records: the third such read fails, after
        // the records were fetched and before they reached their pipelines.
        AtomicInteger pollThreadReads = new AtomicInteger();
        Clock faulty = new Clock() {
            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                if (Thread.currentThread().getName().endsWith("-kafka-poll")
                        && pollThreadReads.incrementAndGet() == 3) {
                    throw new IllegalStateException("injected fault on the poll thread");
                }
                return Instant.now();
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("restart",
                        Fixtures.source(broker, topic).consumerProperty("max.poll.records", "10").build(), handler)
                .settings(Fixtures.fast().batchSize(5).parallelizationFactor(2).build())
                .clock(faulty).meterRegistry(registry).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Fixtures.valuesByKey(handler.succeeded).values()
                    .stream().mapToLong(values -> values.stream().distinct().count()).sum() == 100);
            assertThat(pollThreadReads.get()).isGreaterThan(3);
            assertThat(registry.get(MetricNames.RESTART_COUNT).counter().count()).isGreaterThanOrEqualTo(1);
            assertThat(mapping.shards()).anySatisfy(shard -> assertThat(shard.restarts()).isPositive());
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        Fixtures.assertCompleteAndOrdered(handler.valuesByKey(), 100, true);
    }

    @Test
    void aFailureTurningPolledRecordsIntoHandlerRecordsRestartsThePartitionWithoutSkippingRecords() throws Exception {
        String topic = broker.topic("intake-fault", 2);
        broker.sendAll(Fixtures.keyed(topic, 2, 10, 100));
        // The third poll with records carries one whose headers cannot be read: the poll thread hands it on, and
        // converting it fails on the intake thread, while the consumer's position is already past it and later
        // polls of the partition wait in the intake's queue (which once let them in past the failed ones).
        FaultyHeadersInterceptor.arm(topic, 3);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Recorder handler = new Recorder();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("intake-fault",
                        Fixtures.source(broker, topic).consumerProperty("max.poll.records", "10")
                                .consumerProperty("interceptor.classes", FaultyHeadersInterceptor.class.getName())
                                .build(), handler)
                .settings(Fixtures.fast().batchSize(5).parallelizationFactor(2).build())
                .meterRegistry(registry).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Fixtures.valuesByKey(handler.succeeded).values()
                    .stream().mapToLong(values -> values.stream().distinct().count()).sum() == 100);
            assertThat(FaultyHeadersInterceptor.injected()).isEqualTo(1);
            assertThat(registry.get(MetricNames.RESTART_COUNT).counter().count()).isGreaterThanOrEqualTo(1);
            assertThat(mapping.shards()).anySatisfy(shard -> {
                assertThat(shard.restarts()).isPositive();
                assertThat(shard.lastError()).contains("injected fault reading a record's headers");
            });
            assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
        } finally {
            Fixtures.stopQuietly(mapping);
        }
        Fixtures.assertCompleteAndOrdered(handler.valuesByKey(), 100, true);
    }

    /**
     * Kafka's claims last a minute, not three times FailoverTime as a stream's: the consumer group, not a lease,
     * moves a crashed consumer's partitions, so FailoverTime says nothing of when another consumer reads them. The
     * key is the record's natural id, and a second group reading the same records finds them all done.
     */
    @Test
    void idempotencyClaimsLastAMinuteWhateverTheFailoverTimeAndASecondGroupFindsTheRecordsDone() throws Exception {
        String topic = broker.topic("claims", 1);
        for (int i = 0; i < 10; i++) {
            broker.send(topic, 0, "k", "v" + i);
        }
        List<String> keys = new CopyOnWriteArrayList<>();
        List<Duration> lifetimes = new CopyOnWriteArrayList<>();
        IdempotencyStore store = new ForwardingIdempotencyStore(
                new InMemoryIdempotencyStore(1_000, Clock.systemUTC())) {
            @Override
            public AcquireResult acquire(String key, String payloadHash, String owner, Instant inProgressExpiry) {
                keys.add(key);
                lifetimes.add(Duration.between(Instant.now(), inProgressExpiry));
                return super.acquire(key, payloadHash, owner, inProgressExpiry);
            }
        };
        Recorder first = new Recorder();
        assertThat(readOnce(topic, store, first)).isZero();
        assertThat(first.succeeded).hasSize(10);
        // In the mapping's namespace, its name: the second group's mapping has the same name, so it finds them done.
        assertThat(keys).containsExactlyElementsOf(
                IntStream.range(0, 10).mapToObj(i -> "claims:" + topic + "-0-" + i).toList());
        // Read after the claim's expiry was computed: at most the minute, never the 15 minutes of 3 x FailoverTime.
        assertThat(lifetimes).allSatisfy(lifetime -> assertThat(lifetime)
                .isPositive().isLessThanOrEqualTo(Duration.ofMinutes(1)));

        Recorder second = new Recorder();
        assertThat(readOnce(topic, store, second)).isEqualTo(10);
        assertThat(second.invocations).isEmpty();
    }

    /**
     * Reads the topic's 10 records in a group of its own, with a FailoverTime of five minutes, and stops; returns
     * DeduplicatedEventCount, read before the stop removes the mapping's meters.
     */
    private static double readOnce(String topic, IdempotencyStore store, Recorder handler) {
        SimpleMeterRegistry metrics = new SimpleMeterRegistry();
        String group = "g-" + UUID.randomUUID();
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("claims",
                        Fixtures.source(broker, topic).consumerGroupId(group).build(), handler)
                .settings(Fixtures.fast().failoverTime(Duration.ofMinutes(5)).build())
                .idempotency(Idempotency.of(store)).meterRegistry(metrics).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(10)
                    .equals(broker.committed(group).get(new TopicPartition(topic, 0))));
            return metrics.get(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT).counter().count();
        } finally {
            Fixtures.stopQuietly(mapping);
        }
    }
}
