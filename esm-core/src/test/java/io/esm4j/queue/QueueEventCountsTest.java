package io.esm4j.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.filter.FilterCriteria;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.testing.InMemoryQueue;
import io.esm4j.testing.SqsLikeMessage;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Lambda's event counts on a queue mapping, one scenario counted to the event: a message read twice is polled and
 * invoked twice, a message named in batchItemFailures counts in FailedInvokeEventCount, a filtered-out message is
 * polled, filtered out and deleted but never invoked. Every message invoked is deleted or counted as failed.
 */
class QueueEventCountsTest {

    @RegisterExtension
    final QueueMappingFixture fixture = new QueueMappingFixture("counts");

    @Test
    void aPartialFailureCountsTheListedMessagesAndTheirRedeliveryCountsAgain() {
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(fixture.clock)
                .visibilityTimeout(Duration.ofSeconds(30)).build();
        IntStream.range(0, 5).forEach(i -> queue.send("keep-" + i));
        IntStream.range(0, 3).forEach(i -> queue.send("drop-" + i));
        QueueRecorder handler = new QueueRecorder().behave(batch -> BatchResult.failures(batch.records().stream()
                .filter(m -> QueueRecorder.body(m).equals("keep-1") || QueueRecorder.body(m).equals("keep-3"))
                .map(QueueMessage::messageId).toList()));
        fixture.start(queue, handler, QueueEngineTest.fast().reportBatchItemFailures(true).build(), builder -> builder
                .filterCriteria(FilterCriteria.of(List.of("{\"body\":[{\"prefix\":\"keep\"}]}"))));
        await().until(() -> queue.size() == 2 && fixture.count(MetricNames.DELETED_EVENT_COUNT) == 6);
        assertThat(fixture.count(MetricNames.POLLED_EVENT_COUNT)).isEqualTo(8);
        assertThat(fixture.count(MetricNames.FILTERED_OUT_EVENT_COUNT)).isEqualTo(3);
        assertThat(fixture.count(MetricNames.INVOKED_EVENT_COUNT)).isEqualTo(5);
        assertThat(fixture.count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(2);

        handler.behave(batch -> BatchResult.success());
        fixture.clock.advance(Duration.ofSeconds(31));
        await().until(() -> queue.size() == 0 && fixture.count(MetricNames.DELETED_EVENT_COUNT) == 8);
        assertThat(fixture.count(MetricNames.POLLED_EVENT_COUNT)).isEqualTo(10);
        assertThat(fixture.count(MetricNames.FILTERED_OUT_EVENT_COUNT)).isEqualTo(3);
        assertThat(fixture.count(MetricNames.INVOKED_EVENT_COUNT)).isEqualTo(7);
        assertThat(fixture.count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).isEqualTo(2);
    }

    /**
     * On a FIFO queue a failed message stops its group: the later messages of the group stay in the queue and come
     * back, as on a stream every record after the lowest failed one does, so they count as failed as they do there;
     * counting only the message the handler named left them invoked, not deleted and not failed.
     */
    @Test
    void onAFifoQueueTheMessagesAFailureStopsInItsGroupCountAsFailed() {
        InMemoryQueue queue = InMemoryQueue.fifo("orders.fifo").clock(fixture.clock).contentBasedDeduplication(true)
                .visibilityTimeout(Duration.ofSeconds(30)).build();
        for (int i = 0; i < 3; i++) {
            queue.send("A" + i, "A", null);
            queue.send("B" + i, "B", null);
        }
        QueueRecorder handler = new QueueRecorder().behave(batch -> BatchResult.failures(batch.records().stream()
                .filter(m -> QueueRecorder.body(m).equals("A1")).map(QueueMessage::messageId).toList()));
        fixture.start(queue, handler, QueueEngineTest.fast().reportBatchItemFailures(true).build());
        await().until(() -> fixture.count(MetricNames.DELETED_EVENT_COUNT) == 4);
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactly("A1", "A2");
        assertThat(fixture.count(MetricNames.INVOKED_EVENT_COUNT)).isEqualTo(6);
        assertThat(fixture.count(MetricNames.FAILED_INVOKE_EVENT_COUNT)).as("A1, and A2 that stays behind it")
                .isEqualTo(2);
    }
}
