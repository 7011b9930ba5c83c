package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.handler.BatchResult;
import io.esm4j.kafka.KafkaAuthResults;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testsupport.LogCapture;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The poll thread's loop on a MockConsumer. */
class PollLoopTest {

    private final TopicPartition partition = new TopicPartition(LoopHarness.TOPIC, 0);

    @Test
    void whilePollsKeepFailingTheWorkHandedOutBeforeIsStillCommittedOnTheCadence() throws Exception {
        AtomicBoolean handedOut = new AtomicBoolean();
        AtomicInteger failedPolls = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
                if (handedOut.get()) {
                    failedPolls.incrementAndGet();
                    throw new KafkaException("injected: every poll after the first fails");
                }
                ConsumerRecords<byte[], byte[]> records = super.poll(timeout);
                handedOut.set(!records.isEmpty());
                return records;
            }
        };
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(partition));
            for (int i = 0; i < 10; i++) {
                consumer.addRecord(new ConsumerRecord<>(partition.topic(), 0, i, 0L, TimestampType.CREATE_TIME, 0, 2,
                        null, ("v" + i).getBytes(), new RecordHeaders(), Optional.empty()));
            }
        });
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(50))
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        try (LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> committed(consumer) == 10L);
            assertThat(failedPolls.get()).isPositive();
        }
    }

    /**
     * A broker that is down for long fails every poll, each retried after a backoff: the first failure is a WARN with
     * its stack trace, the next ones DEBUG, and one INFO line says when polls work again.
     */
    @Test
    void pollsFailingManyTimesLogOneWarningAndOneRecovery() throws Exception {
        int failures = 30;
        AtomicInteger polls = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
                if (polls.incrementAndGet() <= failures) {
                    throw new KafkaException("injected: broker down");
                }
                return super.poll(timeout);
            }
        };
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();
        try (LogCapture log = new LogCapture(PollFailures.class)) {
            try (LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start()) {
                // The poll after the first that worked: that one's results were taken on the same thread.
                await().atMost(Duration.ofSeconds(30)).until(() -> polls.get() > failures + 1);
            }
            assertThat(log.lines("WARN", "poll failed")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=", "failuresInARow=1"));
            assertThat(log.lines("DEBUG", "poll failed")).hasSize(failures - 1);
            assertThat(log.lines("INFO", "polling works again")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("failuresInARow=" + failures));
        }
    }

    /**
     * Commits that keep failing (the group coordinator away) are tried again at every CheckpointInterval: the first
     * failure is a WARN, the next ones DEBUG, and one INFO line says when a commit goes through again.
     */
    @Test
    void commitsFailingManyTimesLogOneWarningAndOneRecovery() throws Exception {
        int failures = 30;
        AtomicInteger commits = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
                if (commits.incrementAndGet() <= failures) {
                    callback.onComplete(offsets, new RetriableCommitFailedException("injected: coordinator away"));
                    return;
                }
                super.commitAsync(offsets, callback);
            }
        };
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(partition));
            consumer.addRecord(new ConsumerRecord<>(partition.topic(), 0, 0, 0L, TimestampType.CREATE_TIME, 0, 2,
                    null, "v0".getBytes(), new RecordHeaders(), Optional.empty()));
        });
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(10))
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();
        try (LogCapture log = new LogCapture(OffsetCommits.class)) {
            try (LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start()) {
                await().atMost(Duration.ofSeconds(30)).until(() -> committed(consumer) == 1L);
            }
            assertThat(log.lines("WARN", "offset commit failed")).hasSize(1)
                    .allSatisfy(line -> assertThat(line).contains("mapping=", "failuresInARow=1"));
            assertThat(log.lines("DEBUG", "offset commit failed")).hasSize(failures - 1);
            assertThat(log.lines("INFO", "offset commits work again")).hasSize(1);
        }
    }

    /**
     * A poll the broker refuses for its credentials: LastProcessingResult says so in Lambda's words while the reason
     * keeps the exception's class; once polls work again, the result from before is back.
     */
    @Test
    void aRefusedAuthenticationShowsAsTheLastProcessingResultUntilPollsWorkAgain() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
                if (release.getCount() > 0) {
                    throw new org.apache.kafka.common.errors.SaslAuthenticationException("injected: refused");
                }
                return super.poll(timeout);
            }
        };
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        try (LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.ctx.status().lastProcessingResult()
                    .equals("PROBLEM: SASL authentication failed."));
            assertThat(harness.ctx.status().stateTransitionReason()).startsWith("PROBLEM: polling Kafka failed: ")
                    .contains("SaslAuthenticationException");
            release.countDown();
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.ctx.status().lastProcessingResult()
                    .equals("No records processed"));
            assertThat(harness.ctx.status().stateTransitionReason()).doesNotStartWith("PROBLEM");
        }
    }

    /**
     * A topic the broker refuses: as a real consumer does, this one throws the refusal from one poll only and then
     * returns nothing (the topic is out of its metadata). The problem and Lambda's message stay all the same while the
     * poll thread's probe of the topic (its beginning offsets) is refused, each refusal counted, and go once it works.
     */
    @Test
    void aTopicRefusalThatOnlyOnePollReportsStaysShownUntilTheTopicCanBeRead() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean(true);
        AtomicBoolean thrown = new AtomicBoolean();
        AtomicInteger probes = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
                if (!thrown.getAndSet(true)) {
                    throw new TopicAuthorizationException(Set.of(LoopHarness.TOPIC));
                }
                return super.poll(timeout);
            }

            @Override
            public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions,
                                                              Duration timeout) {
                probes.incrementAndGet();
                if (refuse.get()) {
                    throw new TopicAuthorizationException(Set.of(LoopHarness.TOPIC));
                }
                return Map.of(partition, 0L);
            }
        };
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        try (LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> probes.get() >= 1);
            assertThat(harness.ctx.status().lastProcessingResult())
                    .isEqualTo(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE);
            assertThat(harness.ctx.status().stateTransitionReason()).startsWith("PROBLEM: polling Kafka failed: ")
                    .contains("TopicAuthorizationException");
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.registry.get(MetricNames.POLLING_ERROR_COUNT)
                    .counter().count() >= 2);
            refuse.set(false);
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.ctx.status().lastProcessingResult()
                    .equals("No records processed"));
            assertThat(harness.ctx.status().stateTransitionReason()).doesNotStartWith("PROBLEM");
        }
    }

    /**
     * The same refusal met by the start's lookup of the topic's partitions (LATEST) instead of a poll: the consumer
     * reports it to that call only, and no poll ever fails for it. The topic is probed all the same, so that an ACL
     * granted later is taken up at the next probe rather than at the consumer's metadata refresh minutes later. Once
     * the probe works, both texts go: only a probe was refused (no poll failed), and its problem goes all the same.
     */
    @Test
    void aTopicRefusalThatOnlyAStartLookupReportsIsProbedAndGoesOnceTheProbeWorks() throws Exception {
        AtomicBoolean thrown = new AtomicBoolean();
        AtomicBoolean refuse = new AtomicBoolean(true);
        AtomicInteger probes = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public List<PartitionInfo> partitionsFor(String topic, Duration timeout) {
                if (!thrown.getAndSet(true)) {
                    throw new TopicAuthorizationException(Set.of(LoopHarness.TOPIC));
                }
                return List.of();
            }

            @Override
            public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions,
                                                              Duration timeout) {
                probes.incrementAndGet();
                if (refuse.get()) {
                    throw new TopicAuthorizationException(Set.of(LoopHarness.TOPIC));
                }
                return Map.of(partition, 0L);
            }
        };
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.LATEST)
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        try (LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> probes.get() >= 2);
            assertThat(harness.ctx.status().lastProcessingResult())
                    .isEqualTo(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE);
            assertThat(harness.ctx.status().stateTransitionReason()).startsWith("PROBLEM: polling Kafka failed: ")
                    .contains("TopicAuthorizationException");
            refuse.set(false);
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.ctx.status().lastProcessingResult()
                    .equals("No records processed"));
            // The problem goes with Lambda's message (just before it, on the poll thread), not after another poll.
            assertThat(harness.ctx.status().stateTransitionReason()).doesNotStartWith("PROBLEM");
        }
    }

    private long committed(LoopHarness.PacedConsumer consumer) {
        OffsetAndMetadata offset = consumer.committed(Set.of(partition)).get(partition);
        return offset == null ? -1 : offset.offset();
    }
}
