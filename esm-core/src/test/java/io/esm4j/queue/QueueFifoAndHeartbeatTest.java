package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** FIFO group semantics, the visibility heartbeat, and the queue rules checked at build time. */
class QueueFifoAndHeartbeatTest {

    private QueueEventSourceMapping<SqsLikeMessage> mapping;

    @AfterEach
    void stop() throws InterruptedException {
        if (mapping != null) {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    @Test
    void aFifoGroupStopsAtItsFirstFailureAndKeepsItsOrderWhileOtherGroupsGoOn() {
        MutableClock clock = MutableClock.startingNow();
        InMemoryQueue queue = InMemoryQueue.fifo("orders.fifo").clock(clock).contentBasedDeduplication(true)
                .visibilityTimeout(Duration.ofSeconds(30)).build();
        for (int i = 0; i < 5; i++) {
            queue.send("A" + i, "A", null);
            queue.send("B" + i, "B", null);
        }
        List<String> handled = new ArrayList<>();
        boolean[] failedOnce = {false};
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            List<String> failures = new ArrayList<>();
            synchronized (handled) {
                for (QueueMessage<SqsLikeMessage> message : batch.records()) {
                    String body = QueueRecorder.body(message);
                    if (body.equals("A2") && !failedOnce[0]) {
                        failedOnce[0] = true;
                        failures.add(message.messageId());
                    } else {
                        handled.add(body);
                    }
                }
            }
            // The handler claims A3 and A4 succeeded; the engine must keep them anyway, after the failed A2.
            return BatchResult.failures(failures);
        });
        mapping = QueueEventSourceMapping.builder("fifo", queue, handler)
                .settings(QueueEngineTest.fast().reportBatchItemFailures(true).build()).clock(clock).build();
        mapping.start();
        await().until(() -> queue.size() == 3);
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactly("A2", "A3", "A4");
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        synchronized (handled) {
            List<String> groupA = handled.stream().filter(b -> b.startsWith("A")).toList();
            List<String> groupB = handled.stream().filter(b -> b.startsWith("B")).toList();
            assertThat(groupB).containsExactly("B0", "B1", "B2", "B3", "B4");
            // A3 and A4 ran once before the failure was reported and once after: order within the group is kept.
            assertThat(groupA).containsSubsequence("A0", "A1", "A2", "A3", "A4");
            assertThat(groupA.subList(groupA.indexOf("A2"), groupA.size())).containsExactly("A2", "A3", "A4");
        }
    }

    @Test
    void onAFifoQueueAMessageTheFilterFailsOnStopsItsGroupForTheBatch() {
        MutableClock clock = MutableClock.startingNow();
        InMemoryQueue queue = InMemoryQueue.fifo("filtered.fifo").clock(clock).contentBasedDeduplication(true)
                .visibilityTimeout(Duration.ofSeconds(30)).build();
        queue.send("m1", "g", null);
        queue.send("m2", "g", null);
        queue.send("m3", "g", null);
        queue.send("n1", "h", null);
        AtomicBoolean documentBroken = new AtomicBoolean(true);
        FaultyQueue source = new FaultyQueue(queue).failFilterDocument(
                body -> body.equals("m1") && documentBroken.get(), () -> new IllegalStateException("bad document"));
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("fifo", source, handler)
                .settings(QueueEngineTest.fast().build())
                .filterCriteria(FilterCriteria.of(List.of("{\"body\":[{\"prefix\":\"m\"},{\"prefix\":\"n\"}]}")))
                .clock(clock).build();
        mapping.start();

        // The batch held all four: group h went on, group g stopped at m1, so m2 and m3 wait for it.
        await().until(() -> handler.bodies().contains("n1")
                && queue.peekAll().stream().noneMatch(m -> m.body().equals("n1")));
        assertThat(handler.bodies()).containsExactly("n1");
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactly("m1", "m2", "m3");

        documentBroken.set(false);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);
        assertThat(handler.bodies()).containsExactly("n1", "m1", "m2", "m3");
    }

    @Test
    void orderingKeyIsRefusedOnAFifoQueue() {
        InMemoryQueue fifo = InMemoryQueue.fifo("keyed.fifo").build();
        assertThatThrownBy(() -> QueueEventSourceMapping.builder("keyed", fifo, new QueueRecorder())
                .orderingKey(message -> "k").build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for orderingKey: a key function. Expected none on a FIFO queue "
                        + "(InMemoryQueue): its message groups are kept in order already; per-key lanes are for "
                        + "standard queues.");
    }

    @Test
    void theHeartbeatKeepsALongHandlersMessagesInvisible() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("slow").visibilityTimeout(Duration.ofSeconds(2)).build();
        queue.send("long-running");
        CountDownLatch release = new CountDownLatch(1);
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            release.await();
            return BatchResult.success();
        });
        mapping = QueueEventSourceMapping.builder("slow", queue, handler)
                .settings(QueueSettings.builder().receiveWaitTime(Duration.ofMillis(100)).build()).build();
        mapping.start();
        await().until(() -> handler.invocations().size() == 1);
        // Another consumer keeps looking for the message for longer than twice the visibility timeout.
        long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < until) {
            assertThat(queue.receive(10, Duration.ofMillis(200))).isEmpty();
        }
        release.countDown();
        await().until(() -> queue.size() == 0);
        assertThat(handler.invocations()).hasSize(1);
    }

    @Test
    void fifoQueuesTakeAtMostTenMessagesAndNoBatchingWindow() {
        InMemoryQueue fifo = InMemoryQueue.fifo("f.fifo").build();
        QueueRecorder handler = new QueueRecorder();
        assertThatThrownBy(() -> QueueEventSourceMapping.builder("f", fifo, handler)
                .settings(QueueSettings.builder().batchSize(11).maximumBatchingWindowInSeconds(1).build()).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("Invalid value for BatchSize: 11. Expected an integer from 1 to 10 for a FIFO queue.");
        assertThatThrownBy(() -> QueueEventSourceMapping.builder("f", fifo, handler)
                .settings(QueueSettings.builder().maximumBatchingWindowInSeconds(1).build()).build())
                .hasMessageContaining("MaximumBatchingWindowInSeconds").hasMessageContaining("FIFO");
    }

    @Test
    void queueSettingsAreCheckedWithLambdasRangesAndDefaults() {
        QueueSettings defaults = QueueSettings.defaults();
        assertThat(defaults.batchSize()).isEqualTo(10);
        assertThat(defaults.maximumBatchingWindow()).isZero();
        assertThat(defaults.reportBatchItemFailures()).isFalse();
        assertThatThrownBy(() -> QueueSettings.builder().batchSize(11).build())
                .hasMessageContaining("MaximumBatchingWindowInSeconds").hasMessageContaining("BatchSize is 11");
        assertThatThrownBy(() -> QueueSettings.builder().batchSize(10_001).maximumBatchingWindowInSeconds(1).build())
                .hasMessage("Invalid value for BatchSize: 10001. Expected an integer from 1 to 10,000.");
        assertThatThrownBy(() -> QueueSettings.builder().maximumConcurrency(1).build())
                .hasMessage("Invalid value for MaximumConcurrency: 1. Expected an integer from 2 to 1,000.");
        assertThatThrownBy(() -> QueueSettings.builder().maximumConcurrency(1001).build())
                .hasMessageContaining("MaximumConcurrency: 1001");
        assertThatThrownBy(() -> QueueSettings.builder().receiveWaitTime(Duration.ofSeconds(21)).build())
                .hasMessage("Invalid value for ReceiveWaitTime: 21 s. Expected a duration from 0 s to 20 s.");
        assertThatThrownBy(() -> QueueSettings.builder().maximumBatchingWindowInSeconds(301).build())
                .hasMessageContaining("MaximumBatchingWindowInSeconds: 301 s");
    }
}
