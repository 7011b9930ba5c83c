package io.esm4j.kafka.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.ThreadStarts;
import io.esm4j.kafka.KafkaRecord;
import io.esm4j.kafka.KafkaSource;
import io.esm4j.settings.StartingPosition;
import io.esm4j.stream.StreamRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * A Kafka mapping's stop however it comes (stop(), a fatal error on the poll thread, a start that fails half-way),
 * through the mapping and its engine, on a MockConsumer.
 */
class KafkaEngineStopTest {

    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String FATAL_REASON = "PROBLEM: stopped after a fatal error in the Kafka poll thread: ";

    private final TopicPartition done = new TopicPartition(LoopHarness.TOPIC, 0);
    private final TopicPartition failing = new TopicPartition(LoopHarness.TOPIC, 1);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    /** What the consumer committed (a closed MockConsumer answers nothing). */
    private final Map<TopicPartition, OffsetAndMetadata> commits = new ConcurrentHashMap<>();
    private final LoopHarness.PacedConsumer consumer = new LoopHarness.PacedConsumer() {
        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            super.commitSync(offsets);
            commits.putAll(offsets);
        }

        @Override
        public void close(Duration timeout) {
            try {
                closeGate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            super.close(timeout);
        }
    };
    /** Holds the consumer's close until opened (open unless a test replaces it). */
    private volatile CountDownLatch closeGate = new CountDownLatch(0);

    /**
     * The fatal error ends the mapping through the engine's stop, as a stream or queue mapping's does: DISABLED with
     * the error as its reason, the done prefix committed, the consumer closed and the meters gone, without a stop();
     * a stop() after it returns that stop's result.
     */
    @Test
    void aFatalErrorEndsTheMappingThroughTheEnginesStop() throws Exception {
        CountDownLatch firstDone = new CountDownLatch(1);
        EventSourceMapping<KafkaRecord> mapping = mapping("fatal", fatalOnFailingPartition(firstDone));
        assignWithRecords(3);
        mapping.start();
        assertThat(firstDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        consumer.schedulePollTask(() -> consumer.addRecord(record(failing.partition(), 0)));
        await().atMost(WAIT).until(() -> mapping.state() == MappingState.DISABLED);

        assertThat(mapping.stateTransitionReason()).startsWith(FATAL_REASON).contains("injected");
        assertThat(consumer.closed()).isTrue();
        assertThat(commits).containsEntry(done, new OffsetAndMetadata(3));
        // Removed by the engine's stop, as after a stream mapping's fatal error.
        assertThat(registry.getMeters()).isEmpty();
        StopResult result = mapping.stop(Duration.ZERO);
        assertThat(result.checkpoints()).containsKey(shardId(done));
        assertThat(mapping.stop(Duration.ZERO)).isSameAs(result);
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(mapping.stateTransitionReason()).startsWith(FATAL_REASON);
    }

    /**
     * The fatal error's stop whose thread cannot start (the JVM out of threads) is tried again with backoff once the
     * poll thread has drained, until it starts: the mapping ends DISABLED without a stop(). It stayed DISABLING, the
     * JVM held, until the user's stop().
     */
    @Test
    void aFatalErrorsStopWhoseThreadCannotStartIsRetriedUntilTheMappingIsDisabled() throws Exception {
        CountDownLatch firstDone = new CountDownLatch(1);
        EventSourceMapping<KafkaRecord> mapping = mapping("fatal-no-thread", fatalOnFailingPartition(firstDone));
        assignWithRecords(3);
        try (ThreadStarts starts = ThreadStarts.refuseFirst("esm4j-fatal-no-thread-fatal-stop", 3)) {
            mapping.start();
            assertThat(firstDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            consumer.schedulePollTask(() -> consumer.addRecord(record(failing.partition(), 0)));

            await().atMost(WAIT).until(() -> mapping.state() == MappingState.DISABLED);
            assertThat(starts.refused()).isEqualTo(3);
        }
        assertThat(mapping.stateTransitionReason()).startsWith(FATAL_REASON).contains("injected");
        assertThat(consumer.closed()).isTrue();
        assertThat(commits).containsEntry(done, new OffsetAndMetadata(3));
        assertThat(registry.getMeters()).isEmpty();
        assertThat(mapping.stop(Duration.ZERO).checkpoints()).containsKey(shardId(done));
    }

    /**
     * A poll thread whose interrupt flag is set when it meets the fatal error (a consumer call that restored an
     * interrupt): the retries of the stop whose thread cannot start still go on until it does. They ended at once and
     * the mapping stayed DISABLING, the JVM held, until a stop().
     */
    @Test
    void aFatalErrorsStopIsRetriedEvenIfThePollThreadWasInterrupted() throws Exception {
        CountDownLatch firstDone = new CountDownLatch(1);
        EventSourceMapping<KafkaRecord> mapping = mapping("fatal-interrupted", batch -> {
            if (batch.records().getLast().sequenceNumberValue() == 2) {
                firstDone.countDown();
            }
            return BatchResult.success();
        });
        assignWithRecords(3);
        try (ThreadStarts starts = ThreadStarts.refuseFirst("esm4j-fatal-interrupted-fatal-stop", 2)) {
            mapping.start();
            assertThat(firstDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            consumer.schedulePollTask(() -> {
                Thread.currentThread().interrupt();
                throw new OutOfMemoryError("injected");
            });

            await().atMost(WAIT).until(() -> mapping.state() == MappingState.DISABLED);
            assertThat(starts.refused()).isEqualTo(2);
        }
        assertThat(mapping.stateTransitionReason()).startsWith(FATAL_REASON).contains("injected");
        assertThat(consumer.closed()).isTrue();
        assertThat(commits).containsEntry(done, new OffsetAndMetadata(3));
    }

    /**
     * A stop() while the fatal error's stop waits for a handler (here until that stop's 30 s interrupt it) returns
     * that stop's result once it has ended: the consumer closed, the done prefix committed, the mapping DISABLED. It
     * answered "not drained, nothing saved" after its own timeout plus 20 s, and made the mapping DISABLED while the
     * poll thread was still draining, the consumer open.
     */
    @Test
    void aStopWhileAFatalErrorStopsTheMappingReturnsThatStopsResult() throws Exception {
        CountDownLatch firstDone = new CountDownLatch(1);
        CountDownLatch hanging = new CountDownLatch(1);
        EventSourceMapping<KafkaRecord> mapping = mapping("fatal-race", batch -> {
            if (partition(batch) == failing.partition()) {
                throw new OutOfMemoryError("injected");
            }
            if (batch.records().getLast().sequenceNumberValue() == 3) {
                hanging.countDown();
                Thread.sleep(Long.MAX_VALUE);
            }
            if (batch.records().getLast().sequenceNumberValue() == 2) {
                firstDone.countDown();
            }
            return BatchResult.success();
        });
        assignWithRecords(3);
        mapping.start();
        assertThat(firstDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        consumer.schedulePollTask(() -> consumer.addRecord(record(done.partition(), 3)));
        assertThat(hanging.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        consumer.schedulePollTask(() -> consumer.addRecord(record(failing.partition(), 0)));
        await().atMost(WAIT).until(() -> mapping.stateTransitionReason().startsWith(FATAL_REASON));

        StopResult result = mapping.stop(Duration.ZERO);

        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(mapping.stateTransitionReason()).startsWith(FATAL_REASON).contains("injected");
        assertThat(consumer.closed()).isTrue();
        assertThat(commits).containsEntry(done, new OffsetAndMetadata(3));
        assertThat(result.drainedInTime()).isFalse();
        assertThat(result.checkpoints()).containsKey(shardId(done));
        assertThat(result.recordsNotProcessed()).isPositive();
    }

    /**
     * A stop() that begins more than its grace (20 s) after a fatal error's deadline (30 s), that stop's thread not
     * started and the poll thread still closing the consumer, waits the grace for it: it returns the poll thread's
     * result, the consumer closed, and only then is the mapping DISABLED. It waited the negative rest of the deadline
     * plus the grace, that is not at all: "not drained, nothing saved", DISABLED with the consumer still open.
     */
    @Test
    void aStopLongAfterAFatalErrorsDeadlineStillWaitsForThePollThread() throws Exception {
        CountDownLatch firstDone = new CountDownLatch(1);
        EventSourceMapping<KafkaRecord> mapping = mapping("fatal-late", fatalOnFailingPartition(firstDone));
        assignWithRecords(3);
        closeGate = new CountDownLatch(1);
        try (ThreadStarts starts = ThreadStarts.refuse("esm4j-fatal-late-fatal-stop")) {
            mapping.start();
            assertThat(firstDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            consumer.schedulePollTask(() -> consumer.addRecord(record(failing.partition(), 0)));
            await().atMost(WAIT).until(() -> mapping.stateTransitionReason().startsWith(FATAL_REASON));
            // The fatal stop's deadline is at most 30 s from now; its grace ends 20 s after that.
            Instant graceOver = Instant.now().plus(PollLoop.FATAL_STOP_TIMEOUT).plusSeconds(21);
            await().atMost(WAIT).pollInterval(Duration.ofSeconds(1)).until(() -> Instant.now().isAfter(graceOver));
            assertThat(starts.refused()).isPositive();

            CompletableFuture<StopResult> stopping = new CompletableFuture<>();
            AtomicBoolean closedOnReturn = new AtomicBoolean();
            Thread caller = Thread.ofPlatform().start(() -> {
                try {
                    StopResult result = mapping.stop(Duration.ZERO);
                    closedOnReturn.set(consumer.closed());
                    stopping.complete(result);
                } catch (Throwable e) {
                    stopping.completeExceptionally(e);
                }
            });
            // The consumer closes once the stop waits for the poll thread (or has returned without waiting).
            await().atMost(WAIT).until(() -> stopping.isDone() || caller.getState() == Thread.State.WAITING);
            closeGate.countDown();

            StopResult result = stopping.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(closedOnReturn).isTrue();
            assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
            assertThat(result.checkpoints()).containsKey(shardId(done));
            assertThat(commits).containsEntry(done, new OffsetAndMetadata(3));
        } finally {
            closeGate.countDown();
        }
    }

    /**
     * A poll thread that cannot be created fails the start, which says so in the status; nothing is left running
     * (the intake thread, the consumer) and the stop that the failed start ran returns at once, nothing read: it
     * waited the stop's 20 s grace for a poll thread that never ran, answered "not drained", and left both running.
     */
    @Test
    void aPollThreadThatCannotStartFailsTheStartAndLeavesNothingRunning() throws Exception {
        ThreadFactory noThreads = task -> new Thread(task) {
            @Override
            public void start() {
                throw new OutOfMemoryError("unable to create native thread: possibly out of memory or process/resource "
                        + "limits reached");
            }
        };
        EventSourceMapping<KafkaRecord> mapping = EventSourceMapping.builder("no-poll-thread",
                        new SeamedSource(LoopHarness.source().build(), consumer, noThreads),
                        (BatchHandler<StreamRecord<KafkaRecord>>) batch -> BatchResult.success())
                .settings(KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON).build())
                .meterRegistry(registry).build();

        assertThatThrownBy(mapping::start).isInstanceOf(ThreadNotStarted.class);

        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: start failed: ")
                .contains("unable to create native thread");
        assertThat(mapping.stop(Duration.ofSeconds(5))).isEqualTo(new StopResult(true, Map.of(), 0, List.of()));
        assertThat(consumer.closed()).isTrue();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                .doesNotContain("esm4j-no-poll-thread-kafka-intake");
        assertThat(registry.getMeters()).isEmpty();
    }

    /**
     * Meets a fatal error on the failing partition's batches; counts {@code firstDone} down once the done partition's
     * first three records (offsets 0-2) are handled.
     */
    private BatchHandler<StreamRecord<KafkaRecord>> fatalOnFailingPartition(CountDownLatch firstDone) {
        return batch -> {
            if (partition(batch) == failing.partition()) {
                throw new OutOfMemoryError("injected");
            }
            if (batch.records().getLast().sequenceNumberValue() == 2) {
                firstDone.countDown();
            }
            return BatchResult.success();
        };
    }

    private EventSourceMapping<KafkaRecord> mapping(String name, BatchHandler<StreamRecord<KafkaRecord>> handler) {
        ThreadFactory pollThreads = Thread.ofPlatform().daemon().name("esm4j-" + name + "-kafka-poll").factory();
        return EventSourceMapping.builder(name, new SeamedSource(LoopHarness.source().build(), consumer, pollThreads),
                        handler)
                .settings(KafkaSource.settings().startingPosition(StartingPosition.TRIM_HORIZON)
                        .maximumBatchingWindow(Duration.ZERO).checkpointInterval(Duration.ofMinutes(5)).build())
                .meterRegistry(registry).build();
    }

    /** Both partitions assigned at the first poll, {@code count} records on the one that works. */
    private void assignWithRecords(int count) {
        consumer.updateBeginningOffsets(Map.of(done, 0L, failing, 0L));
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(done, failing));
            for (int i = 0; i < count; i++) {
                consumer.addRecord(record(done.partition(), i));
            }
        });
    }

    private static int partition(io.esm4j.handler.Batch<StreamRecord<KafkaRecord>> batch) {
        return batch.records().getFirst().payload().partition();
    }

    private static String shardId(TopicPartition partition) {
        return partition.toString();
    }

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset) {
        return new ConsumerRecord<>(LoopHarness.TOPIC, partition, offset, 0L, TimestampType.CREATE_TIME, 0, 2, null,
                ("v" + offset).getBytes(), new RecordHeaders(), Optional.empty());
    }
}
