package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.QueueEventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.settings.QueueSettings;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Messages a receive brought beyond the 6 MB cap are carried over to the poller's next batch: they keep their order
 * (FIFO groups too, after a failure), and with no batching window they do not wait for another receive.
 */
class QueueCarryOverTest {

    /** A body of about 1 MB that starts with its tag: six of them fill a batch, the seventh is carried over. */
    private static final int BIG = 1_000_000;

    private QueueEventSourceMapping<SqsLikeMessage> mapping;

    @AfterEach
    void stop() throws InterruptedException {
        if (mapping != null) {
            mapping.stop(Duration.ofSeconds(10));
        }
    }

    private static String big(String tag) {
        return tag + ":" + "x".repeat(BIG - tag.length() - 1);
    }

    private static List<String> tags(List<String> bodies) {
        return bodies.stream().map(b -> b.contains(":") ? b.substring(0, b.indexOf(':')) : b).toList();
    }

    @Test
    void aSmallMessageAfterOneTheCapLeftOutIsCarriedOverTooSoAFifoGroupKeepsItsOrder() {
        InMemoryQueue queue = InMemoryQueue.fifo("big.fifo").contentBasedDeduplication(true).build();
        IntStream.rangeClosed(1, 7).forEach(i -> queue.send(big("b" + i), "g", null));
        queue.send("b8", "g", null);
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("big", queue, handler)
                .settings(QueueEngineTest.fast().batchSize(10).build()).build();
        mapping.start();

        await().until(() -> queue.size() == 0);

        assertThat(tags(handler.bodies())).containsExactly("b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8");
        assertThat(handler.invocations()).extracting(List::size).containsExactly(6, 2);
    }

    @Test
    void carriedOverMessagesOfAFailedFifoGroupAreNotHandledBeforeTheFailedOnes() {
        MutableClock clock = MutableClock.startingNow();
        InMemoryQueue queue = InMemoryQueue.fifo("big.fifo").clock(clock).contentBasedDeduplication(true)
                .visibilityTimeout(Duration.ofSeconds(30)).build();
        IntStream.rangeClosed(1, 7).forEach(i -> queue.send(big("b" + i), "g", null));
        queue.send("b8", "g", null);
        AtomicBoolean failedOnce = new AtomicBoolean();
        QueueRecorder handler = new QueueRecorder().behave(batch -> {
            if (failedOnce.compareAndSet(false, true)) {
                throw new IllegalStateException("first try fails");
            }
            return BatchResult.success();
        });
        mapping = QueueEventSourceMapping.builder("big", queue, handler)
                .settings(QueueEngineTest.fast().batchSize(10).build()).build();
        mapping.start();

        // b1..b6 failed and stay in flight; b7 and b8, received with them, are back in the queue behind them.
        await().until(() -> failedOnce.get() && queue.approximateNumberOfMessagesNotVisible() == 6);
        clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0);

        List<String> first = List.of("b1", "b2", "b3", "b4", "b5", "b6");
        List<String> expected = new ArrayList<>(first);
        expected.addAll(first);
        expected.addAll(List.of("b7", "b8"));
        assertThat(tags(handler.bodies())).containsExactlyElementsOf(expected);
    }

    /**
     * Six 1 MB messages fit a 6 MiB batch on their own; a source whose event envelope takes 300 KB leaves room for
     * five: the envelope counts once per batch, the seventh opens the next batch with the sixth.
     */
    @Test
    void theSourcesEventEnvelopeCountsAgainstTheCap() {
        InMemoryQueue queue = InMemoryQueue.fifo("big.fifo").contentBasedDeduplication(true).build();
        IntStream.rangeClosed(1, 7).forEach(i -> queue.send(big("b" + i), "g", null));
        FaultyQueue withEnvelope = new FaultyQueue(queue).eventEnvelopeBytes(300_000);
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("big", withEnvelope, handler)
                .settings(QueueEngineTest.fast().batchSize(10).build()).build();
        mapping.start();

        await().until(() -> queue.size() == 0);

        assertThat(handler.invocations()).extracting(List::size).containsExactly(5, 2);
    }

    @Test
    void withNoWindowCarriedOverMessagesAreInvokedWithoutWaitingForAnotherReceive() throws Exception {
        InMemoryQueue queue = InMemoryQueue.standard("big").build();
        IntStream.rangeClosed(1, 7).forEach(i -> queue.send(big("b" + i)));
        CountDownLatch receivesHeld = new CountDownLatch(1);
        // Only the first receive reaches the queue (it takes all seven); every later one waits until the test ends.
        FaultyQueue source = new FaultyQueue(queue).holdReceivesAfter(1, receivesHeld);
        QueueRecorder handler = new QueueRecorder();
        mapping = QueueEventSourceMapping.builder("big", source, handler)
                .settings(QueueSettings.builder().batchSize(10).build()).build();
        mapping.start();
        try {
            await().until(() -> handler.bodies().size() == 7);
        } finally {
            receivesHeld.countDown();
        }

        assertThat(handler.invocations()).extracting(List::size).containsExactly(6, 1);
        await().until(() -> queue.size() == 0);
    }
}
