package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.kafka.KafkaMetricNames;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * The stop's commit on a MockConsumer: carried through a rebalance in progress, never tried again once the membership
 * moved on. (StopDuringRebalanceTest does the first on a broker.)
 */
class StopCommitTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final TopicPartition partition = new TopicPartition(LoopHarness.TOPIC, 0);
    private final TopicPartition assignedLater = new TopicPartition(LoopHarness.TOPIC, 1);
    /** No cadence commit in the test's time: what is done is committed at the stop or not at all. */
    private final StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
            .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMinutes(5)).build();

    @Test
    void aCommitRefusedForARebalanceIsMadeOnceAPollWithEveryPartitionPausedCompletesIt() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed = new ConcurrentHashMap<>();
        List<Set<TopicPartition>> pausedAtPolls = new CopyOnWriteArrayList<>();
        AtomicInteger refusals = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            private boolean rebalancing = true;

            @Override
            public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                if (rebalancing) {
                    refusals.incrementAndGet();
                    // The member has sent its JoinGroup: its next poll completes the rebalance, which hands it one
                    // more partition (with a record to read).
                    schedulePollTask(() -> {
                        pausedAtPolls.add(Set.copyOf(paused()));
                        rebalance(List.of(partition, assignedLater));
                        addRecord(record(assignedLater.partition(), 0));
                        rebalancing = false;
                    });
                    throw new RebalanceInProgressException("injected: the consumer is rebalancing");
                }
                super.commitSync(offsets);
                committed.putAll(offsets);
            }
        };
        consumer.updateBeginningOffsets(Map.of(partition, 0L, assignedLater, 0L));
        assignWithRecords(consumer, 10);
        List<KafkaRecord> handled = new CopyOnWriteArrayList<>();
        LoopHarness harness = new LoopHarness(settings, consumer, batch -> {
            batch.records().forEach(record -> handled.add(record.payload()));
            return BatchResult.success();
        }).start();
        await().atMost(WAIT).until(() -> harness.owned.containsKey(partition)
                && harness.owned.get(partition).doneUpTo == 10L);

        harness.loop.requestStop(Instant.now().plus(WAIT));
        StopResult result = harness.loop.result.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS);

        assertThat(refusals.get()).as("commits refused").isEqualTo(1);
        assertThat(pausedAtPolls).as("paused partitions at the poll that completed the rebalance")
                .containsExactly(Set.of(partition));
        assertThat(result.shardsWithUnsavedCheckpoint()).isEmpty();
        assertThat(committed).isEqualTo(Map.of(partition, new OffsetAndMetadata(10L)));
        assertThat(consumer.paused()).as("the partition assigned while stopping").contains(assignedLater);
        assertThat(handled).extracting(KafkaRecord::partition).containsOnly(partition.partition());
        assertThat(consumer.closed()).isTrue();
    }

    /**
     * The consumer takes commits again one poll before the poll that runs the rebalance's callbacks (a KafkaConsumer
     * that reads the SyncGroup answer while it waits for records returns first): the stop's commit waits for those
     * callbacks, so the partition the rebalance took away is committed by its revoke and the stop's commit carries only
     * the one still owned. Committing as soon as the consumer took commits again carried both, past the revoke
     * (StopDuringRebalanceTest failed on it now and then).
     */
    @Test
    void aCommitRefusedForARebalanceWaitsForTheRebalanceCallbacksEvenOnceCommitsAreTakenAgain() throws Exception {
        TopicPartition takenAway = new TopicPartition(LoopHarness.TOPIC, 1);
        List<Map<TopicPartition, OffsetAndMetadata>> commits = new CopyOnWriteArrayList<>();
        AtomicInteger refusals = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            private int pollsSinceRefusal;

            @Override
            public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                // Refused once; from then on commits are taken, the rebalance's assignment still unapplied.
                if (refusals.getAndIncrement() == 0) {
                    throw new RebalanceInProgressException("injected: the consumer is rebalancing");
                }
                super.commitSync(offsets);
                commits.add(Map.copyOf(offsets));
            }

            /** The first poll to return after the refusal ends before the assignment; the second applies it. */
            @Override
            public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
                ConsumerRecords<byte[], byte[]> records = super.poll(timeout);
                if (refusals.get() > 0 && ++pollsSinceRefusal == 2) {
                    rebalance(List.of(partition));
                }
                return records;
            }
        };
        consumer.updateBeginningOffsets(Map.of(partition, 0L, takenAway, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(partition, takenAway));
            for (int i = 0; i < 10; i++) {
                consumer.addRecord(record(partition.partition(), i));
                consumer.addRecord(record(takenAway.partition(), i));
            }
        });
        LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start();
        await().atMost(WAIT).until(() -> harness.owned.size() == 2 && harness.owned.values().stream()
                .allMatch(state -> state.doneUpTo == 10L));

        harness.loop.requestStop(Instant.now().plus(WAIT));
        StopResult result = harness.loop.result.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS);

        assertThat(commits).as("commits after the refusal, in order: the revoke's, then the stop's").containsExactly(
                Map.of(takenAway, new OffsetAndMetadata(10L)), Map.of(partition, new OffsetAndMetadata(10L)));
        assertThat(harness.registry.get(KafkaMetricNames.PARTITIONS_REVOKED).counter().count())
                .as("partitions revoked").isEqualTo(1.0);
        assertThat(result.shardsWithUnsavedCheckpoint()).isEmpty();
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void aCommitRefusedBecauseTheMembershipMovedOnIsNotTriedAgain() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        AtomicInteger pollsAfterRefusal = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                attempts.incrementAndGet();
                throw new CommitFailedException("injected: the group has moved on to another generation");
            }

            @Override
            public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
                if (attempts.get() > 0) {
                    pollsAfterRefusal.incrementAndGet();
                }
                return super.poll(timeout);
            }
        };
        assignWithRecords(consumer, 10);
        LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start();
        await().atMost(WAIT).until(() -> harness.owned.containsKey(partition)
                && harness.owned.get(partition).doneUpTo == 10L);

        harness.loop.requestStop(Instant.now().plus(WAIT));
        StopResult result = harness.loop.result.get(WAIT.toSeconds() * 2, TimeUnit.SECONDS);

        assertThat(attempts.get()).as("commit attempts").isEqualTo(1);
        assertThat(pollsAfterRefusal.get()).as("polls after the refusal").isZero();
        assertThat(result.shardsWithUnsavedCheckpoint()).containsExactly(LoopHarness.TOPIC + "-0");
        assertThat(consumer.closed()).isTrue();
    }

    private void assignWithRecords(LoopHarness.PacedConsumer consumer, int count) {
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(partition));
            for (int i = 0; i < count; i++) {
                consumer.addRecord(record(partition.partition(), i));
            }
        });
    }

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset) {
        return new ConsumerRecord<>(LoopHarness.TOPIC, partition, offset, 0L, TimestampType.CREATE_TIME, 0, 2, null,
                ("v" + offset).getBytes(), new RecordHeaders(), Optional.empty());
    }
}
