package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.MutableClock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A handler is user code: an InterruptedException it throws on its own (its client took a timeout for an interrupt),
 * or an interrupt it restores before it fails, with no stop under way, fails the batch like any exception. It used to
 * escape as the poller's failure: the poller restarted, and the invocation was not counted as failed.
 */
class QueueHandlerInterruptTest {

    @RegisterExtension
    final QueueMappingFixture fixture = new QueueMappingFixture("handler-interrupts");
    private final MutableClock clock = fixture.clock;
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock)
            .visibilityTimeout(Duration.ofSeconds(30)).build();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"throws InterruptedException", "restores the flag and throws"})
    void aHandlerThatMakesUpAnInterruptFailsTheBatchWithoutRestartingThePoller(String how) {
        queue.send("m0");
        AtomicInteger calls = new AtomicInteger();
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            if (calls.incrementAndGet() == 1) {
                if (how.startsWith("throws")) {
                    throw new InterruptedException("connection pool timeout");
                }
                Thread.currentThread().interrupt();
                throw new IllegalStateException("call failed", new InterruptedException("connection pool timeout"));
            }
            return BatchResult.success();
        });
        fixture.start(queue, handler, QueueEngineTest.fast().build(),
                builder -> builder.failedMessageVisibility(message -> Duration.ZERO));

        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("m0", "m0");
        assertThat(fixture.count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(1);
        assertThat(fixture.count(MetricNames.RESTART_COUNT)).isZero();
        assertThat(fixture.mapping().stateTransitionReason()).isEqualTo("User action");
    }
}
