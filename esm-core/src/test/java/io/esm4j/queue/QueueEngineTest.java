package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.QueueStopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.FunctionNotInvokedException;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.SqsLikeMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The queue engine on the in-memory queue: delete on success, redelivery on failure, partial failures, filters. */
class QueueEngineTest {

    private final MutableClock clock = MutableClock.startingNow();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private QueueEventSourceMapping<SqsLikeMessage> mapping;

    static QueueSettings.Builder fast() {
        return QueueSettings.builder().receiveWaitTime(Duration.ofMillis(50)).idlePollInterval(Duration.ofMillis(50))
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5));
    }

    private QueueEventSourceMapping<SqsLikeMessage> start(InMemoryQueue queue, QueueRecorder handler,
                                                          QueueSettings settings) {
        mapping = QueueEventSourceMapping.builder("queue", queue, handler).settings(settings).meterRegistry(meters)
                .clock(clock).build();
        mapping.start();
        return mapping;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (mapping != null) {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    private double count(String meter) {
        return meters.counter(meter, MetricNames.MAPPING_TAG, "queue").count();
    }

    @Test
    void successDeletesEveryMessageOfTheBatch() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        IntStream.range(0, 25).forEach(i -> queue.send("m" + i));
        QueueRecorder handler = new QueueRecorder();
        start(queue, handler, fast().build());
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).hasSize(25).doesNotHaveDuplicates();
        assertThat(handler.invocations()).allSatisfy(batch -> assertThat(batch).hasSizeLessThanOrEqualTo(10));
        assertThat(count(MetricNames.DELETED_EVENT_COUNT)).isEqualTo(25);
        assertThat(count(MetricNames.POLLED_EVENT_COUNT)).isEqualTo(25);
        assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
    }

    @Test
    void aThrownExceptionDeletesNothingAndTheRedrivePolicyEndsInTheDeadLetterQueue() {
        InMemoryQueue dlq = InMemoryQueue.standard("work-dlq").clock(clock).build();
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).visibilityTimeout(Duration.ofSeconds(30))
                .deadLetterQueue(dlq, 2).build();
        queue.send("poison");
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            throw new IllegalStateException("cannot handle");
        });
        start(queue, handler, fast().build());
        await().until(() -> handler.invocations().size() == 1);
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> handler.invocations().size() == 2);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> dlq.size() == 1);
        assertThat(queue.size()).isZero();
        assertThat(handler.invocations()).hasSize(2);
        assertThat(dlq.peekAll().getFirst().attribute("DeadLetterQueueSourceArn")).isEqualTo(queue.queueArn());
        assertThat(count(MetricNames.DELETED_EVENT_COUNT)).isZero();
        assertThat(count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(2);
        assertThat(mapping.lastProcessingResult()).isEqualTo("PROBLEM: Function call failed");
    }

    @Test
    void aBatchTheFunctionNeverGotIsNotDeletedAndComesBackAfterItsVisibilityTimeout() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).visibilityTimeout(Duration.ofSeconds(30))
                .build();
        queue.send("m0");
        queue.send("m1");
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            throw new FunctionNotInvokedException("Rate exceeded (TooManyRequestsException)");
        });
        start(queue, handler, fast().build());
        await().until(() -> count(MetricNames.FAILED_INVOKE_EVENT_COUNT) == 2);
        assertThat(mapping.lastProcessingResult()).isEqualTo("PROBLEM: Function not invoked");
        assertThat(handler.bodies()).containsExactlyInAnyOrder("m0", "m1");
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isEqualTo(2);
        assertThat(count(MetricNames.DELETED_EVENT_COUNT)).isZero();

        handler.behave(batch -> BatchResult.success());
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactlyInAnyOrder("m0", "m1", "m0", "m1");
        assertThat(count(MetricNames.DELETED_EVENT_COUNT)).isEqualTo(2);
        assertThat(mapping.lastProcessingResult()).isEqualTo("OK");
    }

    @Test
    void reportBatchItemFailuresDeletesAllButTheListedMessages() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        IntStream.range(0, 5).forEach(i -> queue.send("m" + i));
        QueueRecorder handler = new QueueRecorder().behave(batch -> BatchResult.failures(batch.records().stream()
                .filter(m -> QueueRecorder.body(m).equals("m1") || QueueRecorder.body(m).equals("m3"))
                .map(QueueMessage::messageId).toList()));
        start(queue, handler, fast().reportBatchItemFailures(true).maximumConcurrency(2).build());
        await().until(() -> queue.size() == 2);
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactlyInAnyOrder("m1", "m3");
        assertThat(count(MetricNames.DELETED_EVENT_COUNT)).isEqualTo(3);
    }

    @Test
    void anUnknownOrBlankItemIdentifierFailsTheWholeBatch() {
        for (String bad : new String[] {"no-such-id", "", null}) {
            InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
            IntStream.range(0, 3).forEach(i -> queue.send("m" + i));
            QueueRecorder handler = new QueueRecorder().behave(batch -> BatchResult.failures(
                    java.util.Arrays.asList(batch.records().getFirst().messageId(), bad)));
            start(queue, handler, fast().reportBatchItemFailures(true).build());
            await().until(() -> handler.bodies().size() >= 3);
            assertThat(queue.size()).as("nothing deleted for id %s", bad).isEqualTo(3);
            assertThat(count(MetricNames.DELETED_EVENT_COUNT)).isZero();
            stopQuietly();
        }
    }

    @Test
    void withoutReportBatchItemFailuresAListOfFailuresIsIgnored() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        queue.send("m0");
        QueueRecorder handler = new QueueRecorder().behave(batch -> BatchResult.failures(
                batch.records().getFirst().messageId()));
        start(queue, handler, fast().build());
        await().until(() -> queue.size() == 0);
    }

    @Test
    void withAWindowABatchIsGatheredFromSeveralReceivesUntilTheWindowCloses() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        IntStream.range(0, 15).forEach(i -> queue.send("m" + i));
        QueueRecorder handler = new QueueRecorder();
        start(queue, handler, fast().batchSize(100).maximumBatchingWindowInSeconds(5).maximumConcurrency(2).build());
        await().until(() -> queue.approximateNumberOfMessages() == 0);
        // Both pollers hold what they received and keep gathering while the window is open.
        assertThat(handler.invocations()).isEmpty();
        clock.advance(Duration.ofSeconds(6));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).hasSize(15).doesNotHaveDuplicates();
        assertThat(handler.invocations()).hasSizeLessThanOrEqualTo(2);
    }

    @Test
    void filteredOutMessagesAreDeletedWithoutInvokingTheHandler() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        IntStream.range(0, 10).forEach(i -> queue.send((i % 2 == 0 ? "keep-" : "drop-") + i));
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("queue", queue, handler).settings(fast().build())
                .filterCriteria(io.esm4j.filter.FilterCriteria.of(java.util.List.of("{\"body\":[{\"prefix\":\"keep\"}]}"))).meterRegistry(meters).clock(clock).build();
        mapping.start();
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).hasSize(5).allSatisfy(b -> assertThat(b).startsWith("keep"));
        assertThat(count(MetricNames.FILTERED_OUT_EVENT_COUNT)).isEqualTo(5);
        assertThat(count(MetricNames.DELETED_EVENT_COUNT)).isEqualTo(10);
    }

    @Test
    void failedReceivesAreRetriedAndShowInTheStateTransitionReason() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        FaultyQueue source = new FaultyQueue(queue)
                .failAlways(InMemoryQueue.Operation.RECEIVE, () -> new IllegalStateException("queue unavailable"));
        queue.send("m0");
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("queue", source, handler).settings(fast().build())
                .meterRegistry(meters).clock(clock).build();
        mapping.start();

        // While every receive fails, every poller reports it.
        await().until(() -> count(MetricNames.POLLING_ERROR_COUNT) >= 3);
        assertThat(mapping.stateTransitionReason())
                .isEqualTo("PROBLEM: receive failed: java.lang.IllegalStateException: queue unavailable");
        assertThat(mapping.state()).isEqualTo(io.esm4j.MappingState.ENABLED);
        assertThat(handler.invocations()).isEmpty();

        source.heal(InMemoryQueue.Operation.RECEIVE);
        await().until(() -> queue.size() == 0);
        await().until(() -> mapping.stateTransitionReason().equals("User action"));
        assertThat(count(MetricNames.RESTART_COUNT)).isEqualTo(count(MetricNames.POLLING_ERROR_COUNT));
    }

    @Test
    void deleteFailuresAreCountedByTheEngineEvenWhenTheRegistryKeepsNothing() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        String refused = queue.send("refused").messageId();
        queue.send("deleted");
        queue.failEntries(InMemoryQueue.Operation.DELETE, refused, 100);
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("queue", queue, handler).settings(fast().build())
                .meterRegistry(new io.micrometer.core.instrument.composite.CompositeMeterRegistry()).clock(clock)
                .build();
        mapping.start();
        await().until(() -> queue.size() == 1 && queue.approximateNumberOfMessagesNotVisible() == 1
                && handler.bodies().size() == 2);

        QueueStopResult result = mapping.stop(Duration.ofSeconds(10));

        assertThat(result.deleteFailures()).isEqualTo(1);
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactly("refused");
    }

    @Test
    void refusedDeleteEntriesAreRetried() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        String id = queue.send("m0").messageId();
        queue.send("m1");
        queue.failEntries(InMemoryQueue.Operation.DELETE, id, 2);
        start(queue, new QueueRecorder(), fast().build());
        await().until(() -> queue.size() == 0);
        assertThat(count(MetricNames.DELETE_ERROR_COUNT)).isZero();
    }

    @Test
    void stopFinishesTheBatchInProgressDeletesItAndStopsReceiving() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        queue.send("slow");
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            entered.countDown();
            release.await();
            return BatchResult.success();
        });
        start(queue, handler, QueueSettings.builder().receiveWaitTime(Duration.ofMillis(200)).build());
        entered.await();
        Thread stopper = Thread.ofVirtual().start(() -> {
            try {
                QueueStopResult result = mapping.stop(Duration.ofSeconds(30));
                assertThat(result.drainedInTime()).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().until(() -> mapping.state() == io.esm4j.MappingState.DISABLING);
        release.countDown();
        stopper.join();
        assertThat(queue.size()).as("the batch in progress was deleted before stop returned").isZero();
        queue.send("after-stop");
        assertThat(queue.receive(10, Duration.ZERO)).extracting(m -> m.payload().body())
                .containsExactly("after-stop");
        assertThat(handler.invocations()).hasSize(1);
    }

    @Test
    void failedMessageVisibilityBringsAFailedMessageBackWithoutWaitingOutItsTimeout() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).visibilityTimeout(Duration.ofHours(1))
                .build();
        queue.send("flaky");
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("not yet");
            }
            return BatchResult.success();
        });
        mapping = QueueEventSourceMapping.builder("queue", queue, handler).settings(fast().build())
                .failedMessageVisibility(message -> Duration.ZERO).meterRegistry(meters).clock(clock).build();
        mapping.start();
        // The clock never moves: only the hook can make the message visible again within the hour.
        await().until(() -> queue.size() == 0);
        assertThat(handler.invocations()).hasSize(3);
        assertThat(queue.peekAll()).isEmpty();
    }

    @Test
    void aNullFailedMessageVisibilityLeavesTheMessageToItsTimeout() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).visibilityTimeout(Duration.ofSeconds(30))
                .build();
        queue.send("flaky");
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            throw new IllegalStateException("fails");
        });
        mapping = QueueEventSourceMapping.builder("queue", queue, handler).settings(fast().build())
                .failedMessageVisibility(message -> null).meterRegistry(meters).clock(clock).build();
        mapping.start();
        await().until(() -> handler.invocations().size() == 1);
        await().during(Duration.ofMillis(200)).until(() -> queue.approximateNumberOfMessagesNotVisible() == 1);
        assertThat(handler.invocations()).hasSize(1);
    }

    private void stopQuietly() {
        try {
            mapping.stop(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
