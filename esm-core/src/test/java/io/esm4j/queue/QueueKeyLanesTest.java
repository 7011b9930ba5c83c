package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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

    private static String key(QueueMessage<SqsLikeMessage> message) {
        return message.payload().body().substring(0, 2);
    }
}
