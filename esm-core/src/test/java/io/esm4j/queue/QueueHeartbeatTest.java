package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.SqsLikeMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The visibility heartbeat on the in-memory queue with its real clock, since the heartbeat keeps real time: another
 * consumer of the same queue keeps receiving while the mapping holds messages, and must never get one.
 */
class QueueHeartbeatTest {

    private QueueEventSourceMapping<SqsLikeMessage> mapping;

    @AfterEach
    void stop() throws InterruptedException {
        if (mapping != null) {
            mapping.stop(Duration.ofSeconds(30));
        }
    }

    @Test
    void aThousandPollersKeepTheirMessagesHiddenWhileTheirHandlersRunPastTheVisibilityTimeout() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("busy").visibilityTimeout(Duration.ofSeconds(2)).build();
        IntStream.range(0, 2_000).forEach(i -> queue.send("m" + i));
        // Each extension costs a network round trip, as on SQS.
        FaultyQueue source = new FaultyQueue(queue).changeVisibilityLatency(Duration.ofMillis(20));
        CountDownLatch release = new CountDownLatch(1);
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            release.await();
            return BatchResult.success();
        });
        mapping = QueueEventSourceMapping.builder("busy", source, handler)
                .settings(QueueSettings.builder().maximumConcurrency(1_000).batchSize(2)
                        .receiveWaitTime(Duration.ofMillis(100)).build())
                .build();
        mapping.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> handler.invocations().size() == 1_000);

        // Another consumer looks for as long as four beats of every poller take, twice the visibility timeout.
        anotherConsumerFindsNothingWhile(queue, () -> source.visibilityCalls().size() < 4 * 1_000);
        release.countDown();

        await().atMost(Duration.ofSeconds(60)).until(() -> queue.size() == 0);
        assertThat(handler.bodies()).hasSize(2_000).doesNotHaveDuplicates();
        // One call per batch and beat, never one per message.
        assertThat(source.visibilityCalls()).allSatisfy(call -> assertThat(call.entries()).isEqualTo(2));
    }

    @Test
    void messagesHeldInABatchingWindowLongerThanTheVisibilityTimeoutAreNotDeliveredTwice() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("windowed").visibilityTimeout(Duration.ofSeconds(2)).build();
        queue.send("early");
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("windowed", queue, handler)
                .settings(QueueSettings.builder().batchSize(100).maximumBatchingWindowInSeconds(5)
                        .receiveWaitTime(Duration.ofMillis(200)).build())
                .build();
        mapping.start();
        await().until(() -> queue.approximateNumberOfMessagesNotVisible() == 1);

        anotherConsumerFindsNothingWhile(queue, () -> handler.invocations().isEmpty());

        await().until(() -> queue.size() == 0);
        assertThat(handler.invocations()).containsExactly(List.of("early"));
    }

    @Test
    void aBeatInProgressEndsBeforeAFailedMessageIsReleased() throws Exception {
        // The queue's clock stands still: a late extension would hide the message for good.
        MutableClock clock = MutableClock.startingNow();
        InMemoryQueue queue = InMemoryQueue.standard("released").clock(clock)
                .visibilityTimeout(Duration.ofSeconds(1)).build();
        queue.send("m0");
        CountDownLatch gate = new CountDownLatch(1);
        FaultyQueue source = new FaultyQueue(queue).holdExtensions(gate);
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            if (QueueRecorder.body(batch.records().getFirst()).equals("m0") && source.visibilityCalls().isEmpty()) {
                // Fail only once an extension is on its way.
                await().until(() -> !source.visibilityCalls().isEmpty());
                throw new IllegalStateException("fails while its heartbeat is extending");
            }
            return BatchResult.success();
        });
        mapping = QueueEventSourceMapping.builder("released", source, handler)
                .settings(QueueEngineTest.fast().build()).failedMessageVisibility(message -> Duration.ZERO)
                .clock(clock).build();
        mapping.start();
        await().until(() -> handler.invocations().size() == 1);

        // The release waits for the extension; none goes out while the extension is held.
        await().during(Duration.ofMillis(300)).until(() -> source.visibilityCalls().size() == 1);
        gate.countDown();

        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("m0", "m0");
    }

    @Test
    void aFailingBeatShowsInTheStateTransitionReasonUntilABeatWorksAgain() throws Exception {
        // The queue's clock stands still, so the message stays hidden whether the beats work or not.
        MutableClock clock = MutableClock.startingNow();
        InMemoryQueue queue = InMemoryQueue.standard("beats").clock(clock).visibilityTimeout(Duration.ofSeconds(1))
                .build();
        queue.send("slow");
        FaultyQueue source = new FaultyQueue(queue)
                .failAlways(InMemoryQueue.Operation.CHANGE_VISIBILITY, () -> new AssertionError("throttled"));
        CountDownLatch release = new CountDownLatch(1);
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            release.await();
            return BatchResult.success();
        });
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        mapping = QueueEventSourceMapping.builder("beats", source, handler).settings(QueueEngineTest.fast().build())
                .meterRegistry(meters).clock(clock).build();
        mapping.start();

        await().until(() -> mapping.stateTransitionReason().startsWith("PROBLEM"));
        assertThat(mapping.stateTransitionReason()).isEqualTo("PROBLEM: visibility extension failed: 1 of 1 messages"
                + " not extended: java.lang.AssertionError: throttled");
        assertThat(meters.counter(MetricNames.RESTART_COUNT, MetricNames.MAPPING_TAG, "beats").count()).isPositive();

        source.heal(InMemoryQueue.Operation.CHANGE_VISIBILITY);
        await().until(() -> mapping.stateTransitionReason().equals("User action"));
        release.countDown();
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("slow");
    }

    /**
     * The heartbeat's problem is the batch's it could not extend: once that batch is deleted, nothing is at risk, and
     * a reason that stayed PROBLEM (no later beat comes when later handlers are quick) would be an alert for nothing.
     */
    @Test
    void aFailedBeatsProblemEndsWithTheBatchItCouldNotExtend() throws Exception {
        MutableClock clock = MutableClock.startingNow();
        InMemoryQueue queue = InMemoryQueue.standard("beats").clock(clock).visibilityTimeout(Duration.ofSeconds(1))
                .build();
        queue.send("slow");
        FaultyQueue source = new FaultyQueue(queue)
                .failAlways(InMemoryQueue.Operation.CHANGE_VISIBILITY, () -> new AssertionError("throttled"));
        CountDownLatch release = new CountDownLatch(1);
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            release.await();
            return BatchResult.success();
        });
        mapping = QueueEventSourceMapping.builder("beats", source, handler).settings(QueueEngineTest.fast().build())
                .clock(clock).build();
        mapping.start();
        await().until(() -> mapping.stateTransitionReason().startsWith("PROBLEM: visibility extension failed"));

        release.countDown();

        await().until(() -> queue.size() == 0);
        await().until(() -> mapping.stateTransitionReason().equals("User action"));
        assertThat(handler.bodies()).containsExactly("slow");
    }

    /** Nothing interrupts a heartbeat: an InterruptedException from its call is a failed beat, not its end. */
    @Test
    void aBeatThatThrowsAnInterruptedExceptionIsAFailedBeatAndTheHeartbeatGoesOn() throws Exception {
        MutableClock clock = MutableClock.startingNow();
        InMemoryQueue queue = InMemoryQueue.standard("beats").clock(clock).visibilityTimeout(Duration.ofSeconds(1))
                .build();
        queue.send("slow");
        FaultyQueue source = new FaultyQueue(queue).failNext(InMemoryQueue.Operation.CHANGE_VISIBILITY, 1,
                () -> new InterruptedException("not a stop"));
        CountDownLatch release = new CountDownLatch(1);
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            release.await();
            return BatchResult.success();
        });
        mapping = QueueEventSourceMapping.builder("beats", source, handler).settings(QueueEngineTest.fast().build())
                .clock(clock).build();
        mapping.start();

        // The failed beat and two more that reach the queue.
        await().until(() -> source.visibilityCalls().size() >= 3);
        assertThat(mapping.stateTransitionReason()).isEqualTo("User action");
        release.countDown();
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("slow");
    }

    /** Receives as another consumer would, for as long as {@code holding} says the mapping holds its messages. */
    private static void anotherConsumerFindsNothingWhile(InMemoryQueue queue, BooleanSupplier holding)
            throws Exception {
        while (holding.getAsBoolean()) {
            assertThat(queue.receive(10, Duration.ofMillis(100))).isEmpty();
        }
    }
}
