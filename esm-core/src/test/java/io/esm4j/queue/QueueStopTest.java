package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.MappingState;
import io.esm4j.QueueEventSourceMapping;
import io.esm4j.QueueStopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.SqsLikeMessage;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** Stopping with a timeout shorter than the long polls in progress, and a stop whose caller is interrupted. */
class QueueStopTest {

    @Test
    void aLongPollThatOutlivesStopReleasesWhatItReceives() throws Exception {
        // The clock stands still: a message the abandoned poll hid would stay hidden.
        MutableClock clock = MutableClock.startingNow();
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).visibilityTimeout(Duration.ofHours(1))
                .build();
        QueueRecorder handler = new QueueRecorder();
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.builder("stop", queue, handler)
                .settings(QueueSettings.builder().maximumConcurrency(2).receiveWaitTime(Duration.ofSeconds(5)).build())
                .clock(clock)
                .build();
        mapping.start();
        await().until(() -> queue.waitingReceivers() == 2);

        QueueStopResult result = mapping.stop(Duration.ofMillis(50));
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
        assertThat(result.drainedInTime()).as("no batch was being handled").isTrue();

        queue.send("after-stop");
        List<QueueMessage<SqsLikeMessage>> received = new ArrayList<>();
        await().until(() -> {
            received.addAll(queue.receive(10, Duration.ofMillis(100)));
            return !received.isEmpty();
        });
        // Each of the two polls still open may take it once, and gives it back at once.
        assertThat(received).singleElement().satisfies(m -> assertThat(m.payload()
                .attribute("ApproximateReceiveCount")).isIn("1", "2", "3"));
        assertThat(handler.invocations()).isEmpty();
    }

    @Test
    void aLongPollThatFailsAfterTheStopIsNeitherAPollingErrorNorARestart() throws Exception {
        FaultyQueue queue = new FaultyQueue(InMemoryQueue.standard("closing").build());
        CountDownLatch clientClosed = new CountDownLatch(1);
        queue.holdReceivesThenFail(clientClosed, () -> new IllegalStateException("Connection pool shut down"));
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.builder("closing", queue,
                        new QueueRecorder())
                .settings(QueueSettings.builder().maximumConcurrency(2).build()).meterRegistry(meters).build();
        mapping.start();
        await().until(() -> queue.receivesInFlight() == 2);
        // The mapping's meters leave the registry when it stops; these are the same counters, still counting.
        Counter pollingErrors = meters.get(MetricNames.POLLING_ERROR_COUNT).counter();
        Counter restarts = meters.get(MetricNames.RESTART_COUNT).counter();

        mapping.stop(Duration.ofMillis(50));
        clientClosed.countDown();
        await().until(() -> queue.receivingThreads().stream().noneMatch(Thread::isAlive));

        assertThat(pollingErrors.count()).isZero();
        assertThat(restarts.count()).isZero();
    }

    /**
     * A stop whose caller is interrupted goes on without it, as a stream mapping's does: the handler still running is
     * interrupted at the timeout and the mapping ends DISABLED, no longer holding the JVM, without another stop().
     */
    @Test
    void aStopWhoseCallerIsInterruptedStillStopsTheMapping() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("interrupted").build();
        CountDownLatch invoked = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder(
                "interrupted", queue, batch -> {
                    invoked.countDown();
                    never.await(); // until the stop interrupts it
                    return BatchResult.success();
                }).settings(QueueSettings.builder().maximumConcurrency(2).receiveWaitTime(Duration.ofMillis(50))
                .build()).build();
        mapping.start();
        queue.send("m0");
        invoked.await();

        CompletableFuture<Object> stopping = new CompletableFuture<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                stopping.complete(mapping.stop(Duration.ofSeconds(1)));
            } catch (Throwable e) {
                stopping.complete(e);
            }
        });
        await().until(() -> mapping.state() == MappingState.DISABLING);
        caller.interrupt();

        assertThat(stopping.get()).isInstanceOf(InterruptedException.class);
        // Before, the stop ended with its caller: DISABLING until someone called stop() again.
        await().until(() -> mapping.state() == MappingState.DISABLED);
        QueueStopResult result = mapping.stop(Duration.ofSeconds(10));
        assertThat(result.drainedInTime()).isFalse();
        assertThat(mapping.state()).isEqualTo(MappingState.DISABLED);
    }

    /**
     * A fatal error in one poller stops the mapping even while another poller's handler hangs: the fatal error's stop
     * interrupts it at its timeout (30 s), as a stream mapping's does, where the mapping stayed DISABLING for good (and,
     * since the keep-alive, kept the JVM alive).
     */
    @Test
    void aFatalErrorStopsTheMappingEvenWhileAnotherHandlerHangs() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("fatal-hang").build();
        CountDownLatch hanging = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.<SqsLikeMessage>builder(
                "fatal-hang", queue, batch -> {
                    if (batch.records().getFirst().payload().body().equals("oom")) {
                        throw new OutOfMemoryError("simulated heap exhaustion");
                    }
                    hanging.countDown();
                    never.await(); // until a stop interrupts it
                    return BatchResult.success();
                }).settings(QueueSettings.builder().batchSize(1).maximumConcurrency(2)
                .receiveWaitTime(Duration.ofMillis(50)).build()).build();
        mapping.start();
        queue.send("hang");
        hanging.await();
        queue.send("oom");

        await().until(() -> mapping.state() != MappingState.ENABLED);
        await().atMost(Duration.ofSeconds(90)).until(() -> mapping.state() == MappingState.DISABLED);
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: ").contains("OutOfMemoryError");
        assertThat(mapping.stop(Duration.ofSeconds(10)).drainedInTime()).as("the hung handler was interrupted")
                .isFalse();
    }
}
