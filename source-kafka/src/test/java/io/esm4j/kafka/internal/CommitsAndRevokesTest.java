package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.esm4j.failure.FailureDestination;
import io.esm4j.failure.FailureRecord;
import io.esm4j.handler.BatchResult;
import io.esm4j.kafka.KafkaAuthResults;
import io.esm4j.kafka.KafkaMetricNames;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Commits and revokes on the poll thread, on a MockConsumer (its rebalance() runs the rebalance callbacks). */
class CommitsAndRevokesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final TopicPartition partition = new TopicPartition(LoopHarness.TOPIC, 0);

    @Test
    void aBatchThatOutlivesItsRevokeIsNotGivenUpToTheOnFailureDestination() throws Exception {
        CountDownLatch invoked = new CountDownLatch(1);
        CountDownLatch letGo = new CountDownLatch(1);
        List<FailureRecord> sent = new CopyOnWriteArrayList<>();
        FailureDestination destination = sent::add;
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer();
        assignWithRecords(consumer, 1);
        // No retries: the batch is given up as soon as its one invocation fails.
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).maximumRetryAttempts(0).build();
        KafkaSource source = LoopHarness.source().revokeTimeout(Duration.ZERO).build();
        try (LoopHarness harness = new LoopHarness(settings, source, destination, consumer, batch -> {
            invoked.countDown();
            // A handler that outlives the revoke: it ignores the interrupt that ends the wait for it.
            while (true) {
                try {
                    letGo.await();
                    break;
                } catch (InterruptedException e) {
                    // as a handler deep in a blocking client may
                }
            }
            throw new IllegalStateException("injected: the late batch fails");
        }).start()) {
            assertThat(invoked.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            // The group takes the partition away (to another member) while the batch runs.
            consumer.schedulePollTask(() -> consumer.rebalance(List.of()));
            await().atMost(WAIT).until(() -> harness.owned.isEmpty());
            letGo.countDown();

            // Its records were not done at the revoke's commit: the new owner reads them again, so the late failure
            // is left to it rather than written to the destination as given up.
            await().atMost(WAIT).until(() -> !sent.isEmpty()
                    || harness.ctx.metrics().leftToNewOwner.count() > 0);
            assertThat(sent).isEmpty();
            assertThat(harness.ctx.metrics().leftToNewOwner.count()).isEqualTo(1.0);
            assertThat(consumer.committed(Set.of(partition)).get(partition)).isNull();
        }
    }

    @Test
    void aRevokeDuringARetryBackoffEndsTheBackoffWithoutRetryingOrCommittingTheFailedBatch() throws Exception {
        AtomicInteger invocations = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer();
        assignWithRecords(consumer, 1);
        // A backoff (5 to 15 min with jitter) longer than the revoke's wait (4 min), and both far over the test's.
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).retryBackoff(Duration.ofMinutes(10), Duration.ofMinutes(10))
                .build();
        KafkaSource source = LoopHarness.source().revokeTimeout(Duration.ofMinutes(4)).build();
        try (LoopHarness harness = new LoopHarness(settings, source, null, consumer, batch -> {
            invocations.incrementAndGet();
            throw new IllegalStateException("injected: the batch fails");
        }).start()) {
            await().atMost(WAIT).until(() -> invocations.get() == 1);
            consumer.schedulePollTask(() -> consumer.rebalance(List.of()));

            // The revoke closes the pipeline, which ends the backoff's wait: the lane ends and the revoke with it.
            await().atMost(WAIT).until(() -> harness.owned.isEmpty());
            assertThat(invocations.get()).isEqualTo(1);
            assertThat(consumer.committed(Set.of(partition)).get(partition)).isNull();
            assertThat(harness.ctx.metrics().leftToNewOwner.count()).isZero();
        }
    }

    @Test
    void aPartitionRevokedAndAssignedBackInOnePollIgnoresItsOldLanesAndCommitsOnlyWhatTheNewOnesDid()
            throws Exception {
        CountDownLatch firstInvoked = new CountDownLatch(1);
        CountDownLatch secondInvoked = new CountDownLatch(1);
        CountDownLatch letFirstGo = new CountDownLatch(1);
        CountDownLatch letSecondGo = new CountDownLatch(1);
        AtomicInteger invocations = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer();
        assignWithRecords(consumer, 10);
        // A commit on every loop: a late result that got through would be committed at once.
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ZERO).build();
        KafkaSource source = LoopHarness.source().revokeTimeout(Duration.ZERO).build();
        try (LoopHarness harness = new LoopHarness(settings, source, null, consumer, batch -> {
            boolean first = invocations.incrementAndGet() == 1;
            (first ? firstInvoked : secondInvoked).countDown();
            // Neither ends on the revoke's interrupt: the first outlives its assignment.
            while (true) {
                try {
                    (first ? letFirstGo : letSecondGo).await();
                    return BatchResult.success();
                } catch (InterruptedException e) {
                    // as a handler deep in a blocking client may
                }
            }
        }).start()) {
            assertThat(firstInvoked.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            PartitionState before = harness.owned.get(partition);
            // Cooperative: taken away and given back within one poll; nothing was done, so nothing is committed and
            // the partition is read again from the start.
            consumer.schedulePollTask(() -> {
                consumer.rebalance(List.of());
                consumer.rebalance(List.of(partition));
                for (int i = 0; i < 10; i++) {
                    consumer.addRecord(record(i));
                }
            });
            assertThat(secondInvoked.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(harness.owned.get(partition)).isNotSameAs(before);

            // The old assignment's batch succeeds late: its report must not move the new assignment's commit past
            // records that its own batch has not done.
            letFirstGo.countDown();
            assertThat(before.pipeline.awaitLanes(Instant.now().plus(WAIT))).isTrue();
            awaitLoops(consumer, 2);
            assertThat(committed(consumer)).isEqualTo(-1L);

            letSecondGo.countDown();
            await().atMost(WAIT).until(() -> committed(consumer) == 10L);
            assertThat(invocations.get()).isEqualTo(2);
        }
    }

    /** Waits until the poll thread went round its loop (lanes' reports, commit, poll) {@code count} more times. */
    private static void awaitLoops(LoopHarness.PacedConsumer consumer, int count) throws InterruptedException {
        for (int i = 0; i < count; i++) {
            CountDownLatch polled = new CountDownLatch(1);
            consumer.schedulePollTask(polled::countDown);
            assertThat(polled.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void aStopDuringTheRevokeWaitCutsItShortAtTheStopsDeadline() throws Exception {
        CountDownLatch invoked = new CountDownLatch(1);
        CountDownLatch revoking = new CountDownLatch(1);
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public void wakeup() {
                // MockConsumer's is synchronized, so it would wait for the poll (and its revoke) to end; a
                // KafkaConsumer's does not. The poll thread sees the stop without it, after its current poll.
            }
        };
        assignWithRecords(consumer, 1);
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).build();
        // A revoke that may wait minutes for its batches (as RevokeTimeout allows, under max.poll.interval.ms).
        KafkaSource source = LoopHarness.source().revokeTimeout(Duration.ofMinutes(4)).build();
        LoopHarness harness = new LoopHarness(settings, source, null, consumer, batch -> {
            invoked.countDown();
            // Until the stop's timeout interrupts it.
            new CountDownLatch(1).await();
            return BatchResult.success();
        }).start();
        assertThat(invoked.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        consumer.schedulePollTask(() -> {
            revoking.countDown();
            consumer.rebalance(List.of());
        });
        assertThat(revoking.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        // stop(timeout) waits its timeout and a grace for the poll thread: a revoke wait that went on regardless
        // would outlast it, and stop() would return with the consumer still in the group and nothing reported.
        harness.loop.requestStop(Instant.now().plusSeconds(1));
        StopResult result = harness.loop.result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        // The revoked partition was let go (its work is the group's again), so the stop had nothing left to drain.
        assertThat(result.checkpoints()).isEmpty();
        assertThat(harness.owned).isEmpty();
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void aPollThreadEndedByAnInterruptStillCommitsWhatIsDoneAndLeavesTheGroup() throws Exception {
        AtomicBoolean interruptNextPoll = new AtomicBoolean();
        Map<TopicPartition, OffsetAndMetadata> committedAtStop = new ConcurrentHashMap<>();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
                if (interruptNextPoll.getAndSet(false)) {
                    // As a KafkaConsumer does when its thread is interrupted; the exception sets the flag again.
                    throw new InterruptException("injected: the poll thread was interrupted");
                }
                return super.poll(timeout);
            }

            @Override
            public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                // As a KafkaConsumer's network client does on an interrupted thread.
                if (Thread.interrupted()) {
                    throw new InterruptException(new InterruptedException("injected"));
                }
                super.commitSync(offsets);
                committedAtStop.putAll(offsets);
            }
        };
        assignWithRecords(consumer, 10);
        // No cadence commit in the test's time: what is done is committed at the end or not at all.
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMinutes(5)).build();
        LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start();
        await().atMost(WAIT).until(() -> harness.owned.containsKey(partition)
                && harness.owned.get(partition).doneUpTo == 10L);
        interruptNextPoll.set(true);

        StopResult result = harness.loop.result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(result.shardsWithUnsavedCheckpoint()).isEmpty();
        assertThat(committedAtStop).containsEntry(partition, new OffsetAndMetadata(10L));
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void aFatalErrorMetInARebalanceCallbackStopsTheMappingThoughTheConsumerWrapsIt() throws Exception {
        Map<TopicPartition, OffsetAndMetadata> commits = new ConcurrentHashMap<>();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
                super.commitSync(offsets);
                commits.putAll(offsets);
            }
        };
        assignWithRecords(consumer, 1);
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50))
                .checkpointInterval(Duration.ofMinutes(5)).build();
        LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start();
        await().atMost(WAIT).until(() -> harness.owned.get(partition) != null
                && harness.owned.get(partition).doneUpTo == 1L);
        consumer.schedulePollTask(() -> {
            // A lane's fatal failure, taken in by the revoke's look at the lanes' reports.
            PartitionState state = harness.owned.get(partition);
            harness.partitions.intakeFailed(state, state.pipeline, new OutOfMemoryError("injected"));
            try {
                consumer.rebalance(List.of());
            } catch (RuntimeException e) {
                // What a KafkaConsumer's coordinator makes of a rebalance listener's exception.
                throw new KafkaException("User rebalance callback throws an error", e);
            }
        });

        harness.loop.result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(harness.ctx.status().stateTransitionReason())
                .startsWith("PROBLEM: stopped after a fatal error").contains("injected");
        // Stopping by itself, through the engine's stop (which makes it DISABLED: KafkaEngineStopTest).
        assertThat(harness.ctx.status().state()).isEqualTo(MappingState.DISABLING);
        assertThat(harness.fatalStops).hasValue(1);
        // The revoke did not get to its commit; the partition is the group's now, and the stop commits nothing of it.
        assertThat(commits).isEmpty();
        assertThat(harness.owned).isEmpty();
    }

    @Test
    void failingCadenceCommitsAreShownInTheStatusAndRetriedWithoutRestartingThePartition() throws Exception {
        AtomicBoolean failCommits = new AtomicBoolean(true);
        AtomicInteger commitCalls = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                                 OffsetCommitCallback callback) {
                if (failCommits.get()) {
                    if (commitCalls.incrementAndGet() % 2 == 1) {
                        // What kafka-clients throws at once rather than through the callback (a fenced static
                        // member, an invalid group id).
                        throw new KafkaException("injected: commit refused at once");
                    }
                    callback.onComplete(offsets, new RebalanceInProgressException("injected: commit failed"));
                    return;
                }
                super.commitAsync(offsets, callback);
            }
        };
        assignWithRecords(consumer, 10);
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(20))
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        try (LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start()) {
            await().atMost(WAIT).until(() -> commitCalls.get() >= 4);
            await().atMost(WAIT).until(() -> harness.ctx.status().stateTransitionReason()
                    .startsWith("PROBLEM: committing offsets failed"));
            assertThat(harness.ctx.metrics().restarts.count()).isZero();

            failCommits.set(false);
            await().atMost(WAIT).until(() -> committed(consumer) == 10L);
            await().atMost(WAIT).until(() -> !harness.ctx.status().stateTransitionReason()
                    .startsWith("PROBLEM"));
            assertThat(harness.ctx.metrics().restarts.count()).isZero();
        }
    }

    /**
     * A commit the broker refuses for authorization (no Read on the group) shows Lambda's message, as a refused poll
     * does, though polls go on working; it goes once a commit goes through.
     */
    @Test
    void aCommitTheBrokerRefusesShowsLambdasAuthorizationMessageUntilACommitGoesThrough() throws Exception {
        AtomicBoolean refuse = new AtomicBoolean(true);
        AtomicInteger refused = new AtomicInteger();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                                 OffsetCommitCallback callback) {
                if (refuse.get()) {
                    refused.incrementAndGet();
                    callback.onComplete(offsets, new GroupAuthorizationException("injected: Not authorized to "
                            + "access group: loop"));
                    return;
                }
                super.commitAsync(offsets, callback);
            }
        };
        assignWithRecords(consumer, 10);
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(20))
                .retryBackoff(Duration.ofMillis(10), Duration.ofMillis(50)).build();
        try (LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start()) {
            // Each cadence's commit is refused again, after any batch's own result.
            await().atMost(WAIT).until(() -> refused.get() >= 3 && harness.ctx.status().lastProcessingResult()
                    .equals(KafkaAuthResults.CLUSTER_FAILED_TO_AUTHORIZE));
            assertThat(harness.ctx.status().stateTransitionReason()).startsWith("PROBLEM: committing offsets failed")
                    .contains("GroupAuthorizationException");

            refuse.set(false);
            await().atMost(WAIT).until(() -> committed(consumer) == 10L);
            await().atMost(WAIT).until(() -> harness.ctx.status().lastProcessingResult().equals("OK"));
            assertThat(harness.ctx.status().stateTransitionReason()).doesNotStartWith("PROBLEM");
        }
    }

    @Test
    void aCommitFailureOfPartitionsSinceLostIsNoLongerShownOnceTheConsumerHasNone() throws Exception {
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                                 OffsetCommitCallback callback) {
                callback.onComplete(offsets, new RebalanceInProgressException("injected: commit failed"));
            }
        };
        assignWithRecords(consumer, 1);
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(20)).build();
        try (LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start()) {
            await().atMost(WAIT).until(() -> harness.ctx.status().stateTransitionReason()
                    .startsWith("PROBLEM: committing offsets failed"));
            // The membership expires: the partition goes without a commit, and with it the failed commit's problem.
            CountDownLatch lost = new CountDownLatch(1);
            consumer.schedulePollTask(() -> {
                harness.loop.rebalances.onPartitionsLost(List.of(partition));
                lost.countDown();
            });
            assertThat(lost.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(harness.owned).isEmpty();
            assertThat(harness.ctx.status().stateTransitionReason()).doesNotStartWith("PROBLEM");
        }
    }

    /**
     * A cadence commit's callback that comes after its partition was revoked and assigned again belongs to the
     * earlier assignment: it must not count the offsets again nor mark them committed for the new one.
     */
    @Test
    void aLateCadenceCommitOfAnEarlierAssignmentLeavesTheNewOnesFiguresAlone() throws Exception {
        List<Runnable> heldCallbacks = new CopyOnWriteArrayList<>();
        LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
            @Override
            public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets,
                                                 OffsetCommitCallback callback) {
                if (callback == null) {
                    // MockConsumer's commitSync commits through here, with no callback.
                    super.commitAsync(offsets, null);
                    return;
                }
                // The broker takes the offsets; their answer arrives only when the test lets it.
                super.commitAsync(offsets, (done, error) -> heldCallbacks.add(() -> callback.onComplete(done, error)));
            }
        };
        assignWithRecords(consumer, 10);
        StreamSettings settings = KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMillis(20)).build();
        try (LoopHarness harness = new LoopHarness(settings, consumer, batch -> BatchResult.success()).start()) {
            await().atMost(WAIT).until(() -> committed(consumer) == 10L && !heldCallbacks.isEmpty());
            PartitionState before = harness.owned.get(partition);
            CountDownLatch reassigned = new CountDownLatch(1);
            consumer.schedulePollTask(() -> {
                // The revoke commits the ten again, synchronously: they are counted once, here.
                consumer.rebalance(List.of());
                consumer.rebalance(List.of(partition));
                reassigned.countDown();
            });
            assertThat(reassigned.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(harness.owned.get(partition)).isNotSameAs(before);
            double countedAtRevoke = harness.registry.get(KafkaMetricNames.COMMITTED_EVENT_COUNT).counter().count();

            CountDownLatch answered = new CountDownLatch(1);
            consumer.schedulePollTask(() -> {
                heldCallbacks.forEach(Runnable::run);
                answered.countDown();
            });
            assertThat(answered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            awaitLoops(consumer, 2);

            assertThat(countedAtRevoke).isEqualTo(10);
            assertThat(harness.registry.get(KafkaMetricNames.COMMITTED_EVENT_COUNT).counter().count())
                    .as("the late answer counted nothing again").isEqualTo(10);
            assertThat(harness.owned.get(partition).committed).as("the new assignment committed nothing yet")
                    .isEqualTo(-1);
        }
    }

    private long committed(LoopHarness.PacedConsumer consumer) {
        OffsetAndMetadata offset = consumer.committed(Set.of(partition)).get(partition);
        return offset == null ? -1 : offset.offset();
    }

    /** The first poll assigns the partition, which holds {@code count} records from offset 0. */
    private void assignWithRecords(LoopHarness.PacedConsumer consumer, int count) {
        consumer.updateBeginningOffsets(Map.of(partition, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(partition));
            for (int i = 0; i < count; i++) {
                consumer.addRecord(record(i));
            }
        });
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset) {
        return new ConsumerRecord<>(LoopHarness.TOPIC, 0, offset, 0L, TimestampType.CREATE_TIME, 0, 2, null,
                ("v" + offset).getBytes(), new RecordHeaders(), Optional.empty());
    }
}
