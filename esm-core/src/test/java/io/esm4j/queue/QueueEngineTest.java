package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.MappingState;
import io.esm4j.QueueStopResult;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.FunctionNotInvokedException;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.SqsLikeMessage;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The queue engine on the in-memory queue: delete on success, redelivery on failure, partial failures, filters. */
class QueueEngineTest {

    @RegisterExtension
    final QueueMappingFixture fixture = new QueueMappingFixture("queue");
    private final MutableClock clock = fixture.clock;

    static QueueSettings.Builder fast() {
        return QueueSettings.builder().receiveWaitTime(Duration.ofMillis(50)).idlePollInterval(Duration.ofMillis(50))
                .retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5));
    }

    @Test
    void successDeletesEveryMessageOfTheBatch() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        IntStream.range(0, 25).forEach(i -> queue.send("m" + i));
        QueueRecorder handler = new QueueRecorder();
        fixture.start(queue, handler, fast().build());
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).hasSize(25).doesNotHaveDuplicates();
        assertThat(handler.invocations()).allSatisfy(batch -> assertThat(batch).hasSizeLessThanOrEqualTo(10));
        assertThat(fixture.count(MetricNames.DELETED_EVENT_COUNT)).isEqualTo(25);
        assertThat(fixture.count(MetricNames.POLLED_EVENT_COUNT)).isEqualTo(25);
        assertThat(fixture.mapping().lastProcessingResult()).isEqualTo("OK");
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
        fixture.start(queue, handler, fast().build());
        await().until(() -> handler.invocations().size() == 1);
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> handler.invocations().size() == 2);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> dlq.size() == 1);
        assertThat(queue.size()).isZero();
        assertThat(handler.invocations()).hasSize(2);
        assertThat(dlq.peekAll().getFirst().attribute("DeadLetterQueueSourceArn")).isEqualTo(queue.queueArn());
        assertThat(fixture.count(MetricNames.DELETED_EVENT_COUNT)).isZero();
        assertThat(fixture.count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(2);
        assertThat(fixture.mapping().lastProcessingResult()).isEqualTo("PROBLEM: Function call failed");
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
        fixture.start(queue, handler, fast().build());
        await().until(() -> fixture.count(MetricNames.FAILED_INVOKE_EVENT_COUNT) == 2);
        assertThat(fixture.mapping().lastProcessingResult()).isEqualTo("PROBLEM: Function not invoked");
        assertThat(handler.bodies()).containsExactlyInAnyOrder("m0", "m1");
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isEqualTo(2);
        assertThat(fixture.count(MetricNames.DELETED_EVENT_COUNT)).isZero();

        handler.behave(batch -> BatchResult.success());
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactlyInAnyOrder("m0", "m1", "m0", "m1");
        assertThat(fixture.count(MetricNames.DELETED_EVENT_COUNT)).isEqualTo(2);
        assertThat(fixture.mapping().lastProcessingResult()).isEqualTo("OK");
    }

    @Test
    void reportBatchItemFailuresDeletesAllButTheListedMessages() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        IntStream.range(0, 5).forEach(i -> queue.send("m" + i));
        QueueRecorder handler = new QueueRecorder().behave(batch -> BatchResult.failures(batch.records().stream()
                .filter(m -> QueueRecorder.body(m).equals("m1") || QueueRecorder.body(m).equals("m3"))
                .map(QueueMessage::messageId).toList()));
        fixture.start(queue, handler, fast().reportBatchItemFailures(true).maximumConcurrency(2).build());
        await().until(() -> queue.size() == 2);
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactlyInAnyOrder("m1", "m3");
        assertThat(fixture.count(MetricNames.DELETED_EVENT_COUNT)).isEqualTo(3);
    }

    @Test
    void anUnknownOrBlankItemIdentifierFailsTheWholeBatch() throws InterruptedException {
        for (String bad : new String[] {"no-such-id", "", null}) {
            InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
            IntStream.range(0, 3).forEach(i -> queue.send("m" + i));
            QueueRecorder handler = new QueueRecorder().behave(batch -> BatchResult.failures(
                    Arrays.asList(batch.records().getFirst().messageId(), bad)));
            fixture.start(queue, handler, fast().reportBatchItemFailures(true).build());
            await().until(() -> handler.bodies().size() >= 3);
            assertThat(queue.size()).as("nothing deleted for id %s", bad).isEqualTo(3);
            assertThat(fixture.count(MetricNames.DELETED_EVENT_COUNT)).isZero();
            fixture.mapping().stop(Duration.ofSeconds(10));
        }
    }

    @Test
    void withoutReportBatchItemFailuresAListOfFailuresIsIgnored() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        queue.send("m0");
        QueueRecorder handler = new QueueRecorder().behave(batch -> BatchResult.failures(
                batch.records().getFirst().messageId()));
        fixture.start(queue, handler, fast().build());
        await().until(() -> queue.size() == 0);
    }

    @Test
    void withAWindowABatchIsGatheredFromSeveralReceivesUntilTheWindowCloses() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        IntStream.range(0, 15).forEach(i -> queue.send("m" + i));
        QueueRecorder handler = new QueueRecorder();
        fixture.start(queue, handler,
                fast().batchSize(100).maximumBatchingWindowInSeconds(5).maximumConcurrency(2).build());
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
        fixture.start(queue, handler, fast().build(), builder -> builder
                .filterCriteria(FilterCriteria.of(List.of("{\"body\":[{\"prefix\":\"keep\"}]}"))));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).hasSize(5).allSatisfy(b -> assertThat(b).startsWith("keep"));
        assertThat(fixture.count(MetricNames.FILTERED_OUT_EVENT_COUNT)).isEqualTo(5);
        assertThat(fixture.count(MetricNames.DELETED_EVENT_COUNT)).isEqualTo(10);
    }

    /**
     * As in Lambda, the filter decides whether a message joins the batch: filtered-out messages take no room in
     * BatchSize, so a batching window gathers matching messages until the batch is full or the window ends.
     */
    @Test
    void filteredOutMessagesTakeNoRoomInTheBatch() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        IntStream.range(0, 100).forEach(i -> queue.send((i % 10 == 0 ? "keep-" : "drop-") + i));
        QueueRecorder handler = new QueueRecorder();
        fixture.start(queue, handler, fast().batchSize(10).maximumBatchingWindowInSeconds(5).maximumConcurrency(2)
                .build(), builder -> builder
                .filterCriteria(FilterCriteria.of(List.of("{\"body\":[{\"prefix\":\"keep\"}]}"))));
        await().until(() -> fixture.count(MetricNames.FILTERED_OUT_EVENT_COUNT) == 90);
        // The windows of batches that are not full end; the clock is the queue's, and nothing else waits on it.
        clock.advance(Duration.ofSeconds(6));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).hasSize(10).doesNotHaveDuplicates().allSatisfy(b -> assertThat(b)
                .startsWith("keep"));
        // Two pollers: at most one batch each, however the ten matching messages were shared between them.
        assertThat(handler.invocations()).hasSizeLessThanOrEqualTo(2);
        assertThat(fixture.count(MetricNames.DELETED_EVENT_COUNT)).isEqualTo(100);
    }

    @Test
    void failedReceivesAreRetriedAndShowInTheStateTransitionReason() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        FaultyQueue source = new FaultyQueue(queue)
                .failAlways(InMemoryQueue.Operation.RECEIVE, () -> new IllegalStateException("queue unavailable"));
        queue.send("m0");
        QueueRecorder handler = new QueueRecorder();
        fixture.start(source, handler, fast().build());

        // While every receive fails, every poller reports it.
        await().until(() -> fixture.count(MetricNames.POLLING_ERROR_COUNT) >= 3);
        assertThat(fixture.mapping().stateTransitionReason())
                .isEqualTo("PROBLEM: receive failed: java.lang.IllegalStateException: queue unavailable");
        assertThat(fixture.mapping().state()).isEqualTo(MappingState.ENABLED);
        assertThat(handler.invocations()).isEmpty();

        source.heal(InMemoryQueue.Operation.RECEIVE);
        await().until(() -> queue.size() == 0);
        await().until(() -> fixture.mapping().stateTransitionReason().equals("User action"));
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isEqualTo(fixture.count(MetricNames.POLLING_ERROR_COUNT));
    }

    @Test
    void deleteFailuresAreCountedByTheEngineEvenWhenTheRegistryKeepsNothing() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        String refused = queue.send("refused").messageId();
        queue.send("deleted");
        queue.failEntries(InMemoryQueue.Operation.DELETE, refused, 100);
        QueueRecorder handler = new QueueRecorder();
        fixture.start(queue, handler, fast().build(), builder -> builder.meterRegistry(new CompositeMeterRegistry()));
        await().until(() -> queue.size() == 1 && queue.approximateNumberOfMessagesNotVisible() == 1
                && handler.bodies().size() == 2);

        QueueStopResult result = fixture.mapping().stop(Duration.ofSeconds(10));

        assertThat(result.deleteFailures()).isEqualTo(1);
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactly("refused");
    }

    @Test
    void refusedDeleteEntriesAreRetried() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        String id = queue.send("m0").messageId();
        queue.send("m1");
        queue.failEntries(InMemoryQueue.Operation.DELETE, id, 2);
        fixture.start(queue, new QueueRecorder(), fast().build());
        await().until(() -> queue.size() == 0);
        assertThat(fixture.count(MetricNames.DELETE_ERROR_COUNT)).isZero();
    }

    @Test
    void stopFinishesTheBatchInProgressDeletesItAndStopsReceiving() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
        queue.send("slow");
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            entered.countDown();
            release.await();
            return BatchResult.success();
        });
        fixture.start(queue, handler, QueueSettings.builder().receiveWaitTime(Duration.ofMillis(200)).build());
        entered.await();
        Thread stopper = Thread.ofVirtual().start(() -> {
            try {
                QueueStopResult result = fixture.mapping().stop(Duration.ofSeconds(30));
                assertThat(result.drainedInTime()).isTrue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        await().until(() -> fixture.mapping().state() == MappingState.DISABLING);
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
        AtomicInteger calls = new AtomicInteger();
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            if (calls.incrementAndGet() < 3) {
                throw new IllegalStateException("not yet");
            }
            return BatchResult.success();
        });
        fixture.start(queue, handler, fast().build(),
                builder -> builder.failedMessageVisibility(message -> Duration.ZERO));
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
        fixture.start(queue, handler, fast().build(), builder -> builder.failedMessageVisibility(message -> null));
        await().until(() -> handler.invocations().size() == 1);
        await().during(Duration.ofMillis(200)).until(() -> queue.approximateNumberOfMessagesNotVisible() == 1);
        assertThat(handler.invocations()).hasSize(1);
    }
}
