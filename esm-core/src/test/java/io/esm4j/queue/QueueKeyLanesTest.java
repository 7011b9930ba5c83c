package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The per-key lane mode for standard queues: a key is never handled by two pollers at once. */
class QueueKeyLanesTest {

    @Test
    void aKeyIsNeverInTwoHandlersAtOnceAndEveryMessageIsHandled() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("lanes").build();
        for (int i = 0; i < 30; i++) {
            queue.send("k" + (i % 3) + ":m" + i);
        }
        Set<String> active = ConcurrentHashMap.newKeySet();
        AtomicInteger overlaps = new AtomicInteger();
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            List<String> keys = batch.records().stream().map(QueueKeyLanesTest::key).distinct().toList();
            for (String key : keys) {
                if (!active.add(key)) {
                    overlaps.incrementAndGet();
                }
            }
            // Hold the keys for a while so that other pollers receive messages of the same keys meanwhile.
            Thread.sleep(20);
            keys.forEach(active::remove);
            return BatchResult.success();
        });
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.builder("lanes", queue, handler)
                .settings(QueueEngineTest.fast().batchSize(2).maximumConcurrency(4).build())
                .orderingKey(QueueKeyLanesTest::key).build();
        mapping.start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> queue.size() == 0);
        } finally {
            mapping.stop(Duration.ofSeconds(10));
        }
        assertThat(overlaps).hasValue(0);
        assertThat(handler.bodies()).hasSize(30).doesNotHaveDuplicates();
    }

    @Test
    void aMessageWhoseKeyIsBusyWaitsInTheProcessInsteadOfUsingUpItsReceives() throws Exception {
        InMemoryQueue dlq = InMemoryQueue.standard("lanes-dlq").build();
        // One receive more than the first sends a message to the dead-letter queue.
        InMemoryQueue queue = InMemoryQueue.standard("lanes").deadLetterQueue(dlq, 1).build();
        FaultyQueue source = new FaultyQueue(queue);
        queue.send("k1:first");
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        Map<String, String> receiveCounts = new ConcurrentHashMap<>();
        Map<String, Thread> handledBy = new ConcurrentHashMap<>();
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            for (QueueMessage<SqsLikeMessage> message : batch.records()) {
                receiveCounts.put(QueueRecorder.body(message), message.payload().attribute("ApproximateReceiveCount"));
                handledBy.put(QueueRecorder.body(message), Thread.currentThread());
            }
            if (batch.records().stream().anyMatch(m -> QueueRecorder.body(m).equals("k1:first"))) {
                firstStarted.countDown();
                releaseFirst.await();
            }
            return BatchResult.success();
        });
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.builder("lanes", source, handler)
                .settings(QueueEngineTest.fast().maximumConcurrency(2).build())
                .orderingKey(QueueKeyLanesTest::key).build();
        mapping.start();
        try {
            firstStarted.await();
            queue.send("k1:second");
            // The other poller received it, found its key busy, and has done with it: it is receiving again.
            await().until(() -> receivedAndPolledAgain(source.receives(), "k1:second"));
            assertThat(source.visibilityCalls()).as("nothing went back to the queue").isEmpty();

            releaseFirst.countDown();
            await().until(() -> queue.size() == 0 && handler.bodies().size() == 2);
        } finally {
            releaseFirst.countDown();
            mapping.stop(Duration.ofSeconds(10));
        }
        assertThat(handler.bodies()).containsExactly("k1:first", "k1:second");
        assertThat(receiveCounts).containsEntry("k1:second", "1");
        assertThat(handledBy.get("k1:second")).as("the key's holder handled it").isSameAs(handledBy.get("k1:first"));
        assertThat(dlq.size()).isZero();
    }

    @Test
    void aWaitingMessageStaysInvisibleWhileItWaitsAndWhileTheKeysHolderHandlesIt() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("lanes").visibilityTimeout(Duration.ofSeconds(2)).build();
        queue.send("k1:first");
        Map<String, CountDownLatch> started = Map.of("k1:first", new CountDownLatch(1), "k1:second",
                new CountDownLatch(1));
        Map<String, CountDownLatch> release = Map.of("k1:first", new CountDownLatch(1), "k1:second",
                new CountDownLatch(1));
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            for (QueueMessage<SqsLikeMessage> message : batch.records()) {
                started.get(QueueRecorder.body(message)).countDown();
                release.get(QueueRecorder.body(message)).await();
            }
            return BatchResult.success();
        });
        QueueEventSourceMapping<SqsLikeMessage> mapping = QueueEventSourceMapping.builder("lanes", queue, handler)
                .settings(QueueEngineTest.fast().maximumConcurrency(2).build())
                .orderingKey(QueueKeyLanesTest::key).build();
        mapping.start();
        try {
            started.get("k1:first").await();
            queue.send("k1:second");
            await().until(() -> queue.approximateNumberOfMessagesNotVisible() == 2);
            // Past twice the visibility timeout, another consumer still finds nothing: the receiver's heartbeat
            // extends the waiting message...
            assertNothingVisibleFor(queue, Duration.ofSeconds(5));
            release.get("k1:first").countDown();
            started.get("k1:second").await();
            // ...and, once the holder took it over, the holder's.
            assertNothingVisibleFor(queue, Duration.ofSeconds(5));
            release.get("k1:second").countDown();
            await().until(() -> queue.size() == 0);
        } finally {
            release.values().forEach(CountDownLatch::countDown);
            mapping.stop(Duration.ofSeconds(10));
        }
        assertThat(handler.bodies()).containsExactly("k1:first", "k1:second");
    }

    private static void assertNothingVisibleFor(InMemoryQueue queue, Duration duration) throws Exception {
        long until = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < until) {
            assertThat(queue.receive(10, Duration.ofMillis(200))).isEmpty();
        }
    }

    /** Whether the poller that received {@code body} has started a receive since, i.e. is done with that batch. */
    private static boolean receivedAndPolledAgain(List<FaultyQueue.Receive> receives, String body) {
        for (int i = 0; i < receives.size(); i++) {
            if (receives.get(i).bodies().contains(body)) {
                Thread poller = receives.get(i).thread();
                return receives.subList(i + 1, receives.size()).stream().anyMatch(r -> r.thread() == poller);
            }
        }
        return false;
    }

    private static String key(QueueMessage<SqsLikeMessage> message) {
        return message.payload().body().substring(0, 2);
    }
}
