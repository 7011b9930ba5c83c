package io.esm4j.sqs;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.queue.QueueMessage;
import io.esm4j.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequest;
import software.amazon.awssdk.services.sqs.model.ChangeMessageVisibilityBatchRequestEntry;

/**
 * SQS refuses a visibility change that would end more than 12 h after the receive that gave the handle (the entry
 * fails; SQS does not cut the value down). ElasticMQ does not check that limit, so the test reads the visibility the
 * source asks for off the wire, on a source whose clock it moves to near the limit.
 */
class SqsVisibilityLimitTest extends ElasticMqFixture {

    private final List<ChangeMessageVisibilityBatchRequestEntry> sent = new CopyOnWriteArrayList<>();

    @Test
    void aVisibilityChangeNeverAsksForMoreThanTwelveHoursAfterTheReceive() throws Exception {
        String url = queues.standard("limit", 30);
        queues.sendAll(url, List.of("a", "b"));
        MutableClock clock = MutableClock.startingNow();
        SqsQueueSource source = SqsQueueSource.of(extraClient(recordingChanges()), url, clock);
        List<QueueMessage<SqsMessage>> received = receiveAll(source, 2);

        // Far from the limit, a heartbeat's extension and an immediate retry's delay go out as asked.
        assertThat(source.changeVisibility(received, Duration.ofSeconds(30))).isEmpty();
        assertThat(sent).extracting(ChangeMessageVisibilityBatchRequestEntry::visibilityTimeout)
                .containsExactly(30, 30);

        // Ten minutes before the limit, an hour (SqsRetryDelay capped at 1 h, or more) would be refused by SQS.
        sent.clear();
        clock.advance(Duration.ofHours(12).minusMinutes(10));
        assertThat(source.changeVisibility(received, Duration.ofHours(1))).isEmpty();
        assertThat(sent).hasSize(2).allSatisfy(entry -> assertThat(entry.visibilityTimeout())
                .isPositive().isLessThanOrEqualTo((int) Duration.ofMinutes(10).toSeconds()));

        // Past the limit the messages are hidden as long as SQS allows already: nothing to ask for, nothing failed.
        sent.clear();
        clock.advance(Duration.ofMinutes(10));
        assertThat(source.changeVisibility(received, Duration.ofSeconds(30))).isEmpty();
        assertThat(sent).isEmpty();

        // Making them visible again is never cut.
        assertThat(source.changeVisibility(received, Duration.ZERO)).isEmpty();
        assertThat(sent).extracting(ChangeMessageVisibilityBatchRequestEntry::visibilityTimeout)
                .containsExactly(0, 0);
        assertThat(receiveAll(source, 2)).extracting(m -> m.payload().body()).containsExactlyInAnyOrder("a", "b");
    }

    private ExecutionInterceptor recordingChanges() {
        return new ExecutionInterceptor() {
            @Override
            public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
                if (context.request() instanceof ChangeMessageVisibilityBatchRequest change) {
                    sent.addAll(change.entries());
                }
            }
        };
    }
}
