package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.MappingState;
import io.esm4j.QueueStopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.InMemoryQueue.Operation;
import io.esm4j.testing.MutableClock;
import io.micrometer.core.instrument.Counter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Only stop() interrupts a poller. A delete or visibility change whose client makes up an interrupt (it throws
 * InterruptedException, or restores the flag and fails, or even answers) with no stop under way is a failed call of
 * that chunk like any other: retried, counted in DeleteErrorCount and the stop's deleteFailures when it keeps failing,
 * and its flag cleared. It escaped as the poller's failure instead: the chunk was neither retried nor counted, the
 * poller restarted, and a flag left in a visibility extension ended the heartbeat silently.
 */
class QueueCallInterruptsTest {

    @RegisterExtension
    final QueueMappingFixture fixture = new QueueMappingFixture("call-interrupts");
    private final MutableClock clock = fixture.clock;
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock)
            .visibilityTimeout(Duration.ofSeconds(30)).build();
    private final FaultyQueue source = new FaultyQueue(queue);

    private void start(FaultyQueue from, QueueRecorder handler, QueueSettings settings) {
        fixture.start(from, handler, settings, builder -> builder.failedMessageVisibility(message -> Duration.ZERO));
    }

    /** The first {@code times} calls make up an interrupt as {@code how} says. */
    private static FaultyQueue.CallHook madeUpInterrupt(String how, int times) {
        AtomicInteger left = new AtomicInteger(times);
        return () -> {
            if (left.getAndDecrement() <= 0) {
                return;
            }
            switch (how) {
                case "throws InterruptedException" -> throw new InterruptedException("connection pool timeout");
                case "restores the flag and throws" -> {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("call failed", new InterruptedException("connection pool timeout"));
                }
                case "restores the flag and answers" -> Thread.currentThread().interrupt();
                default -> throw new IllegalArgumentException(how);
            }
        };
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"throws InterruptedException", "restores the flag and throws",
            "restores the flag and answers"})
    void aDeleteThatMakesUpAnInterruptIsRetriedWithinTheCallAndThePollerGoesOn(String how) {
        source.beforeDelete(madeUpInterrupt(how, 1));
        queue.send("m0");
        QueueRecorder handler = new QueueRecorder();
        start(source, handler, QueueEngineTest.fast().build());
        await().until(() -> queue.size() == 0);
        // A later message takes a whole round more: a restart the first one caused has been counted by then.
        queue.send("m1");
        await().until(() -> queue.size() == 0 && handler.bodies().size() == 2);

        assertThat(handler.bodies()).containsExactly("m0", "m1");
        assertThat(fixture.count(MetricNames.DELETE_ERROR_COUNT)).isZero();
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isZero();
        assertThat(fixture.mapping().stateTransitionReason()).isEqualTo("User action");
    }

    @Test
    void aDeleteThatKeepsMakingUpInterruptsIsADeleteFailureCountedAndReportedByTheStop() throws Exception {
        source.failAlways(Operation.DELETE, () -> new InterruptedException("not a stop"));
        queue.send("m0");
        start(source, new QueueRecorder(), QueueEngineTest.fast()
                .retryBackoff(Duration.ofMinutes(10), Duration.ofMinutes(15)).build());

        await().until(() -> fixture.count(MetricNames.RESTART_COUNT) == 1);
        assertThat(fixture.count(MetricNames.DELETE_ERROR_COUNT)).isEqualTo(1);
        assertThat(fixture.mapping().stateTransitionReason())
                .isEqualTo("PROBLEM: delete failed: 1 of 1 messages not deleted: "
                        + "java.lang.InterruptedException: not a stop");
        assertThat(fixture.mapping().state()).isEqualTo(MappingState.ENABLED);

        QueueStopResult result = fixture.mapping().stop(Duration.ofSeconds(10));
        assertThat(result.deleteFailures()).isEqualTo(1);
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isEqualTo(1);
    }

    /** A failed message goes back at once (FailedMessageVisibility 0): that release is retried the same way. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"throws InterruptedException", "restores the flag and throws",
            "restores the flag and answers"})
    void aReleaseThatMakesUpAnInterruptIsRetriedWithinTheCallAndThePollerGoesOn(String how) {
        source.beforeChangeVisibility(madeUpInterrupt(how, 1));
        queue.send("m0");
        AtomicInteger calls = new AtomicInteger();
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
            return BatchResult.success();
        });
        // The queue's clock stands still: a message the release missed would stay hidden.
        start(source, handler, QueueEngineTest.fast().build());

        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("m0", "m0");
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isZero();
        assertThat(fixture.mapping().stateTransitionReason()).isEqualTo("User action");
    }

    /** The heartbeat keeps real time, so this test uses the queue's real clock. */
    @Test
    void aVisibilityExtensionThatLeavesTheFlagSetDoesNotEndTheHeartbeat() throws Exception {
        InMemoryQueue realTime = InMemoryQueue.standard("extended").visibilityTimeout(Duration.ofSeconds(2)).build();
        FaultyQueue extended = new FaultyQueue(realTime)
                .beforeChangeVisibility(madeUpInterrupt("restores the flag and answers", 1));
        realTime.send("m0");
        CountDownLatch release = new CountDownLatch(1);
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            release.await();
            return BatchResult.success();
        });
        fixture.start(extended, handler, QueueEngineTest.fast().maximumConcurrency(2).build(),
                builder -> builder.clock(Clock.systemUTC()));

        // A beat each second: the first one left the flag set; the heartbeat goes on all the same.
        await().atMost(Duration.ofSeconds(20)).until(() -> extended.visibilityCalls().size() >= 3);
        assertThat(realTime.approximateNumberOfMessagesNotVisible()).isEqualTo(1);
        release.countDown();
        await().until(() -> realTime.size() == 0);
        assertThat(handler.bodies()).containsExactly("m0");
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isZero();
    }

    /**
     * The stop's own interrupt, at its timeout, still ends a delete in progress at once: not retried, and not a
     * delete failure (the message comes back after its visibility timeout, as before).
     */
    @Test
    void aDeleteInterruptedAtTheStopTimeoutEndsThePollerWithoutRetrying() throws Exception {
        AtomicInteger deletes = new AtomicInteger();
        AtomicReference<Thread> poller = new AtomicReference<>();
        source.beforeDelete(() -> {
            deletes.incrementAndGet();
            poller.set(Thread.currentThread());
            Thread.sleep(Duration.ofMinutes(10));
        });
        queue.send("m0");
        start(source, new QueueRecorder(), QueueEngineTest.fast().build());
        await().until(() -> deletes.get() == 1);
        // The mapping's meters leave the registry when it stops; these are the same counters, still counting.
        Counter deleteErrors = fixture.meters.get(MetricNames.DELETE_ERROR_COUNT).counter();
        Counter restarts = fixture.meters.get(MetricNames.RESTART_COUNT).counter();

        QueueStopResult result = fixture.mapping().stop(Duration.ofMillis(200));

        assertThat(result.drainedInTime()).isFalse();
        assertThat(result.deleteFailures()).isZero();
        await().until(() -> !poller.get().isAlive());
        assertThat(deletes.get()).isEqualTo(1);
        assertThat(deleteErrors.count()).isZero();
        assertThat(restarts.count()).isZero();
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isEqualTo(1);
    }
}
