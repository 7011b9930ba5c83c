package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.handler.BatchResult;
import io.esm4j.kafka.KafkaAuthResults;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * Where a partition without a committed offset starts, on a MockConsumer: StartingPosition for the partitions the
 * topics had when the mapping started, the earliest offset for those created later.
 */
class StartPositionsTest {

    private static final long BASE = 1_700_000_000_000L;
    private final TopicPartition partition = new TopicPartition(LoopHarness.TOPIC, 0);
    private final TopicPartition added = new TopicPartition(LoopHarness.TOPIC, 1);
    private final List<Long> invoked = new CopyOnWriteArrayList<>();
    /** What the handler got, as {@code <topic>-<partition>:<offset>}. */
    private final List<String> invokedIds = new CopyOnWriteArrayList<>();

    @Test
    void anAtTimestampLookupThatFailsIsTriedAgainInsteadOfStartingAtTheEarliestRecord() throws Exception {
        AtomicInteger lookups = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times,
                                                                           Duration timeout) {
                return offsetsForTimes(times);
            }

            @Override
            public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                    Map<TopicPartition, Long> times) {
                if (lookups.incrementAndGet() == 1) {
                    throw new TimeoutException("injected: the broker did not answer in time");
                }
                // Record i has timestamp BASE + i s: the first at or after BASE + 4.5 s is 5.
                return Map.of(partition, new OffsetAndTimestamp(5, BASE + 5000));
            }
        };
        StreamSettings settings = KafkaSource.settings()
                .startingPositionAtTimestamp(Instant.ofEpochMilli(BASE + 4500))
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(50))
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        assignWithRecords(consumer, 10);
        try (LoopHarness harness = new LoopHarness(settings, consumer, this::record).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> invoked.contains(9L));
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(consumer) == 10L);
        }
        assertThat(lookups.get()).isGreaterThanOrEqualTo(2);
        assertThat(invoked).containsExactly(5L, 6L, 7L, 8L, 9L);
    }

    /**
     * A start lookup the broker refuses for authorization (offsetsForTimes without Describe on the topic) shows
     * Lambda's message, as a refused poll does, while polls themselves work; it goes once the lookup works.
     */
    @Test
    void anOffsetLookupTheBrokerRefusesShowsLambdasAuthorizationMessageUntilItWorks() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean(true);
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> times,
                                                                           Duration timeout) {
                return offsetsForTimes(times);
            }

            @Override
            public synchronized Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(
                    Map<TopicPartition, Long> times) {
                if (refuse.get()) {
                    throw new TopicAuthorizationException(Set.of(LoopHarness.TOPIC));
                }
                return Map.of(partition, new OffsetAndTimestamp(5, BASE + 5000));
            }
        };
        StreamSettings settings = KafkaSource.settings()
                .startingPositionAtTimestamp(Instant.ofEpochMilli(BASE + 4500))
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(50))
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        assignWithRecords(consumer, 10);
        try (LoopHarness harness = new LoopHarness(settings, consumer, this::record).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.ctx.status().lastProcessingResult()
                    .equals(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE));
            assertThat(harness.ctx.status().stateTransitionReason()).startsWith("PROBLEM: looking up where")
                    .contains("TopicAuthorizationException");
            refuse.set(false);
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(consumer) == 10L);
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.ctx.status().lastProcessingResult()
                    .equals("OK"));
        }
        assertThat(invoked).containsExactly(5L, 6L, 7L, 8L, 9L);
    }

    /** The same for the committed offsets looked up at the start (no Describe on the group). */
    @Test
    void aCommittedOffsetsLookupTheBrokerRefusesShowsLambdasAuthorizationMessageUntilItWorks() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean(true);
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> partitions,
                                                                    Duration timeout) {
                if (refuse.get()) {
                    throw new GroupAuthorizationException("injected: Not authorized to access group: loop");
                }
                return super.committed(partitions, timeout);
            }
        };
        assignWithRecords(consumer, 5);
        try (LoopHarness harness = new LoopHarness(latest(), consumer, this::record).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.ctx.status().lastProcessingResult()
                    .equals(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE));
            refuse.set(false);
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(consumer) == 5L);
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.ctx.status().lastProcessingResult()
                    .equals("No records processed"));
            assertThat(harness.ctx.status().stateTransitionReason()).doesNotStartWith("PROBLEM");
        }
    }

    @Test
    void withLatestAPartitionAddedWhileTheMappingRunsIsReadFromItsEarliestOffset() throws Exception {
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer();
        // Partition 0 has five records when the mapping starts: LATEST skips them.
        assignWithRecords(consumer, 5);
        StreamSettings settings = latest();
        try (LoopHarness harness = new LoopHarness(settings, consumer, this::record).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(consumer, partition) == 5L);
            // Partition 1 is added, gets three records and, at the consumer's next metadata refresh, is assigned.
            consumer.schedulePollTask(() -> {
                consumer.updatePartitions(LoopHarness.TOPIC, List.of(info(0), info(1)));
                consumer.updateBeginningOffsets(Map.of(added, 0L));
                consumer.updateEndOffsets(Map.of(partition, 6L, added, 3L));
                consumer.rebalance(List.of(partition, added));
                consumer.addRecord(record(partition, 5));
                for (int i = 0; i < 3; i++) {
                    consumer.addRecord(record(added, i));
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(consumer, added) == 3L
                    && committed(consumer, partition) == 6L);
        }
        assertThat(invokedIds).containsExactlyInAnyOrder("orders-0:5", "orders-1:0", "orders-1:1", "orders-1:2");
    }

    @Test
    void withLatestATopicCreatedAfterTheMappingStartedIsReadFromItsEarliestOffset() throws Exception {
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer();
        try (LoopHarness harness = new LoopHarness(latest(), consumer, this::record).start()) {
            // The topic does not exist yet; some polls go by before it does.
            AtomicInteger polls = new AtomicInteger();
            Runnable createAndAssign = () -> {
                consumer.updatePartitions(LoopHarness.TOPIC, List.of(info(0)));
                consumer.updateBeginningOffsets(Map.of(partition, 0L));
                consumer.updateEndOffsets(Map.of(partition, 3L));
                consumer.rebalance(List.of(partition));
                for (int i = 0; i < 3; i++) {
                    consumer.addRecord(record(partition, i));
                }
            };
            consumer.schedulePollTask(polls::incrementAndGet);
            consumer.schedulePollTask(createAndAssign);
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(consumer, partition) == 3L);
            assertThat(polls.get()).isEqualTo(1);
        }
        assertThat(invoked).containsExactly(0L, 1L, 2L);
    }

    @Test
    void withLatestAPartitionWithoutCommittedOffsetOfATopicTheGroupHasOffsetsOnIsReadFromItsEarliestOffset()
            throws Exception {
        // An existing group: partition 0 is committed at 2; partition 1 was added while no member ran.
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public void subscribe(Collection<String> topics, ConsumerRebalanceListener listener) {
                super.subscribe(topics, listener);
                // The group's offsets (a MockConsumer forgets what was committed when it subscribes).
                commitSync(Map.of(partition, new OffsetAndMetadata(2)));
            }
        };
        consumer.updatePartitions(LoopHarness.TOPIC, List.of(info(0), info(1)));
        consumer.updateBeginningOffsets(Map.of(partition, 0L, added, 0L));
        consumer.updateEndOffsets(Map.of(partition, 3L, added, 2L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(partition, added));
            for (int i = 0; i < 3; i++) {
                consumer.addRecord(record(partition, i));
            }
            for (int i = 0; i < 2; i++) {
                consumer.addRecord(record(added, i));
            }
        });
        try (LoopHarness harness = new LoopHarness(latest(), consumer, this::record).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(consumer, added) == 2L
                    && committed(consumer, partition) == 3L);
        }
        assertThat(invokedIds).containsExactlyInAnyOrder("orders-0:2", "orders-1:0", "orders-1:1");
    }

    private static StreamSettings latest() {
        return KafkaSource.settings().startingPosition(StartingPosition.LATEST)
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(50))
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
    }

    private static PartitionInfo info(int partition) {
        return new PartitionInfo(LoopHarness.TOPIC, partition, null, new Node[0], new Node[0]);
    }

    private static ConsumerRecord<byte[], byte[]> record(TopicPartition partition, long offset) {
        return new ConsumerRecord<>(partition.topic(), partition.partition(), offset, BASE + offset * 1000L,
                TimestampType.CREATE_TIME, 0, 2, null, ("v" + offset).getBytes(), new RecordHeaders(),
                Optional.empty());
    }

    private BatchResult record(io.esm4j.handler.Batch<StreamRecord<KafkaRecord>> batch) {
        batch.records().forEach(r -> {
            invoked.add(r.payload().offset());
            invokedIds.add(r.shardId() + ":" + r.payload().offset());
        });
        return BatchResult.success();
    }

    /**
     * The topic has one partition when the mapping starts; on the first poll the group assigns it, and it holds
     * {@code count} records.
     */
    private void assignWithRecords(LoopHarness.PacedConsumer consumer, int count) {
        consumer.updatePartitions(LoopHarness.TOPIC, List.of(info(0)));
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.updateEndOffsets(Map.of(partition, (long) count));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(partition));
            for (int i = 0; i < count; i++) {
                consumer.addRecord(record(partition, i));
            }
        });
    }

    private long committed(LoopHarness.PacedConsumer consumer) {
        return committed(consumer, partition);
    }

    private static long committed(LoopHarness.PacedConsumer consumer, TopicPartition partition) {
        OffsetAndMetadata offset = consumer.committed(Set.of(partition)).get(partition);
        return offset == null ? -1 : offset.offset();
    }
}
