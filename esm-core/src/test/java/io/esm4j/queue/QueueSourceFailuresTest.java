package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.MappingState;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.InMemoryQueue.Operation;
import io.esm4j.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Queue calls that throw, and a handler that throws an Error: the poller that met the failure shows it in the state
 * transition reason, restarts (RestartCount) and clears the problem once it works again; no message is lost.
 */
class QueueSourceFailuresTest {

    @RegisterExtension
    final QueueMappingFixture fixture = new QueueMappingFixture("failing");
    private final MutableClock clock = fixture.clock;
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock)
            .visibilityTimeout(Duration.ofSeconds(30)).build();
    private final FaultyQueue source = new FaultyQueue(queue);

    private void start(QueueRecorder handler, QueueSettings settings) {
        fixture.start(source, handler, settings, builder -> builder.failedMessageVisibility(message -> Duration.ZERO));
    }

    /** A poller that failed waits minutes before it receives again: its problem stays while the test looks. */
    private static QueueSettings slowRestarts() {
        return QueueEngineTest.fast().retryBackoff(Duration.ofMinutes(10), Duration.ofMinutes(15)).build();
    }

    @Test
    void anErrorFromReceiveRestartsThePollerInsteadOfEndingIt() {
        source.failAlways(Operation.RECEIVE, () -> new StackOverflowError("deep in the client"));
        queue.send("m0");
        QueueRecorder handler = new QueueRecorder();
        start(handler, QueueEngineTest.fast().build());

        await().until(() -> fixture.count(MetricNames.RESTART_COUNT) >= 4);
        assertThat(fixture.mapping().stateTransitionReason())
                .isEqualTo("PROBLEM: receive failed: java.lang.StackOverflowError: deep in the client");
        assertThat(fixture.count(MetricNames.POLLING_ERROR_COUNT)).isPositive();
        assertThat(fixture.mapping().state()).isEqualTo(MappingState.ENABLED);

        source.heal(Operation.RECEIVE);
        await().until(() -> queue.size() == 0);
        await().until(() -> fixture.mapping().stateTransitionReason().equals("User action"));
        assertThat(handler.bodies()).containsExactly("m0");
    }

    /**
     * Only stop() interrupts a poller. An InterruptedException a source throws on its own (a client that takes a
     * timeout for an interrupt) is a failed call: taken for a stop, it ended the poller for good, silently.
     */
    @Test
    void anInterruptedExceptionFromReceiveThatNoStopCausedRestartsThePollerInsteadOfEndingIt() {
        // More failures than pollers: each one's first receive fails.
        source.failNext(Operation.RECEIVE, 12, () -> new InterruptedException("not a stop"));
        queue.send("m0");
        QueueRecorder handler = new QueueRecorder();
        start(handler, QueueEngineTest.fast().build());

        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("m0");
        assertThat(fixture.count(MetricNames.POLLING_ERROR_COUNT)).isEqualTo(12);
        assertThat(fixture.mapping().state()).isEqualTo(MappingState.ENABLED);
    }

    @Test
    void aDeleteThatKeepsFailingShowsAsAProblemAndTheMessageIsHandledAgainOnceDeletesWork() {
        source.failAlways(Operation.DELETE, () -> new IllegalStateException("service unavailable"));
        queue.send("m0");
        QueueRecorder handler = new QueueRecorder();
        start(handler, slowRestarts());

        await().until(() -> fixture.count(MetricNames.RESTART_COUNT) == 1);
        assertThat(fixture.count(MetricNames.DELETE_ERROR_COUNT)).isEqualTo(1);
        assertThat(fixture.mapping().stateTransitionReason())
                .isEqualTo("PROBLEM: delete failed: 1 of 1 messages not deleted: "
                        + "java.lang.IllegalStateException: service unavailable");
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isEqualTo(1);

        // The other poller, not in a restart backoff, receives the message again.
        source.heal(Operation.DELETE);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("m0", "m0");
    }

    /** A filtered-out message is deleted as it is received; a delete that fails is the poller's problem too. */
    @Test
    void aFilteredOutMessageThatCannotBeDeletedShowsAsAProblemAndIsFilteredOutAgainOnceDeletesWork() {
        source.failAlways(Operation.DELETE, () -> new IllegalStateException("service unavailable"));
        queue.send("drop-0");
        QueueRecorder handler = new QueueRecorder();
        fixture.start(source, handler, slowRestarts(), builder -> builder
                .filterCriteria(FilterCriteria.of(List.of("{\"body\":[{\"prefix\":\"keep\"}]}"))));

        await().until(() -> fixture.count(MetricNames.RESTART_COUNT) == 1);
        assertThat(fixture.mapping().stateTransitionReason())
                .isEqualTo("PROBLEM: delete failed: 1 of 1 messages not deleted: "
                        + "java.lang.IllegalStateException: service unavailable");
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isEqualTo(1);

        source.heal(Operation.DELETE);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        assertThat(handler.invocations()).isEmpty();
        assertThat(fixture.count(MetricNames.FILTERED_OUT_EVENT_COUNT)).isEqualTo(2);
    }

    @Test
    void aChangeVisibilityThatThrowsAnErrorLeavesTheMessageToItsTimeoutAndRestartsThePoller() {
        source.failAlways(Operation.CHANGE_VISIBILITY, () -> new AssertionError("client bug"));
        queue.send("m0");
        AtomicInteger calls = new AtomicInteger();
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("first attempt fails");
            }
            return BatchResult.success();
        });
        start(handler, slowRestarts());

        await().until(() -> fixture.count(MetricNames.RESTART_COUNT) == 1);
        assertThat(fixture.mapping().stateTransitionReason())
                .isEqualTo("PROBLEM: changeVisibility failed: 1 of 1 messages not changed: "
                        + "java.lang.AssertionError: client bug");
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isEqualTo(1);

        source.heal(Operation.CHANGE_VISIBILITY);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("m0", "m0");
    }

    @Test
    void aNonFatalErrorFromTheHandlerFailsTheBatchWithoutRestartingThePoller() {
        queue.send("m0");
        AtomicInteger calls = new AtomicInteger();
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            if (calls.incrementAndGet() == 1) {
                throw new StackOverflowError("deeply nested message");
            }
            return BatchResult.success();
        });
        start(handler, QueueEngineTest.fast().build());

        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("m0", "m0");
        assertThat(fixture.count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(1);
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isZero();
        assertThat(fixture.mapping().stateTransitionReason()).isEqualTo("User action");
        assertThat(fixture.mapping().lastProcessingResult()).isEqualTo("OK");
    }
}
