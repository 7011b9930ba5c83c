package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.MappingState;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.QueueStopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.internal.ThreadStarts;
import io.esm4j.metrics.MetricNames;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A queue mapping's threads that cannot start (the JVM's OutOfMemoryError "unable to create native thread"): a
 * poller whose heartbeat cannot start says so, counts a restart and tries again, instead of ending silently; a fatal
 * error's stop that cannot start is tried again, instead of leaving the mapping DISABLING.
 */
class QueueThreadStartTest {

    @RegisterExtension
    final QueueMappingFixture fixture = new QueueMappingFixture("unstartable");
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(fixture.clock).build();
    private ThreadStarts starts;

    @AfterEach
    void allowStarts() {
        if (starts != null) {
            starts.close();
        }
    }

    @Test
    void pollersWhoseHeartbeatCannotStartRetryItUntilItCan() {
        IntStream.range(0, 5).forEach(i -> queue.send("m" + i));
        starts = ThreadStarts.refuse("esm4j-unstartable-poller-\\d+-heartbeat");
        QueueRecorder handler = new QueueRecorder();
        QueueEventSourceMapping<SqsLikeMessage> mapping = fixture.start(queue, handler,
                QueueEngineTest.fast().maximumConcurrency(2).build());

        await().until(() -> starts.refused() >= 3 && fixture.count(MetricNames.RESTART_COUNT) >= 3);
        assertThat(mapping.state()).isEqualTo(MappingState.ENABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: poller failed: "
                + "io.esm4j.internal.ThreadNotStarted: thread esm4j-unstartable-poller-").contains("-heartbeat not started: "
                + "java.lang.OutOfMemoryError: unable to create native thread");
        assertThat(handler.bodies()).isEmpty();

        starts.allow();
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactlyInAnyOrder("m0", "m1", "m2", "m3", "m4");
        await().until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM"));
    }

    @Test
    void aFatalErrorsStopIsRetriedUntilItsThreadStarts() {
        queue.send("oom");
        starts = ThreadStarts.refuseFirst("esm4j-unstartable-fatal-stop", 2);
        QueueEventSourceMapping<SqsLikeMessage> mapping = fixture.start(queue, batch -> {
            throw new OutOfMemoryError("simulated heap exhaustion");
        }, QueueEngineTest.fast().maximumConcurrency(2).build());

        await().until(() -> mapping.state() == MappingState.DISABLED);
        assertThat(starts.refused()).isEqualTo(2);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: fatal error in poller")
                .contains("simulated heap exhaustion");
    }

    /**
     * A source whose receive sets the thread's interrupt flag (a client restoring an interrupt it made up) and then
     * meets a fatal error: the wait before the retry does not end the retries. It threw at once and the poller gave
     * up, the mapping DISABLING (and the JVM held) for good.
     */
    @Test
    void aFatalErrorsStopIsRetriedEvenIfThePollersInterruptFlagIsSet() {
        FaultyQueue source = new FaultyQueue(queue).failNext(InMemoryQueue.Operation.RECEIVE, 1, () -> {
            Thread.currentThread().interrupt();
            return new OutOfMemoryError("simulated heap exhaustion");
        });
        starts = ThreadStarts.refuseFirst("esm4j-unstartable-fatal-stop", 2);
        QueueEventSourceMapping<SqsLikeMessage> mapping = fixture.start(source, batch -> BatchResult.success(),
                QueueEngineTest.fast().maximumConcurrency(2).build());

        await().until(() -> mapping.state() == MappingState.DISABLED);
        assertThat(starts.refused()).isEqualTo(2);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: fatal error in poller")
                .contains("simulated heap exhaustion");
    }

    /**
     * A stop() while the poller waits out the backoff before retrying the fatal error's stop ends that wait: the
     * poller ends and the stop drains. The poller slept on, and the stop answered "not drained" at its timeout.
     */
    @Test
    void aStopEndsTheWaitBeforeTheFatalErrorsStopIsRetried() throws InterruptedException {
        queue.send("oom");
        starts = ThreadStarts.refuse("esm4j-unstartable-fatal-stop");
        QueueEventSourceMapping<SqsLikeMessage> mapping = fixture.start(queue, batch -> {
            throw new OutOfMemoryError("simulated heap exhaustion");
        }, QueueEngineTest.fast().maximumConcurrency(2)
                .retryBackoff(Duration.ofMinutes(15), Duration.ofMinutes(15)).build());
        await().until(() -> starts.refused() == 1);

        QueueStopResult result = mapping.stop(Duration.ofSeconds(5));

        assertThat(result.drainedInTime()).isTrue();
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(starts.refused()).isEqualTo(1);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: fatal error in poller");
    }
}
