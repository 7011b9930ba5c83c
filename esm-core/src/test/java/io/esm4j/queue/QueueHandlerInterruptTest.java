package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.SqsLikeMessage;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A handler is user code: an InterruptedException it throws on its own (its client took a timeout for an interrupt),
 * or an interrupt it restores before it fails, with no stop under way, fails the batch like any exception. It used to
 * escape as the poller's failure: the poller restarted, and the invocation was not counted as failed.
 */
class QueueHandlerInterruptTest {

    private static final String MAPPING = "handler-interrupts";

    private final MutableClock clock = MutableClock.startingNow();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock)
            .visibilityTimeout(Duration.ofSeconds(30)).build();
    private QueueEventSourceMapping<SqsLikeMessage> mapping;

    @AfterEach
    void stop() throws InterruptedException {
        if (mapping != null) {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    private double count(String meter) {
        return meters.counter(meter, MetricNames.MAPPING_TAG, MAPPING).count();
    }

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
        mapping = QueueEventSourceMapping.builder(MAPPING, queue, handler)
                .settings(QueueEngineTest.fast().build())
                .failedMessageVisibility(message -> Duration.ZERO).meterRegistry(meters).clock(clock).build();
        mapping.start();

        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("m0", "m0");
        assertThat(count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(1);
        assertThat(count(MetricNames.RESTART_COUNT)).isZero();
        assertThat(mapping.stateTransitionReason()).isEqualTo("User action");
    }
}
