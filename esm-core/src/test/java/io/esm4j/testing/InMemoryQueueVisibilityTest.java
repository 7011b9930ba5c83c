package io.esm4j.testing;

import static io.esm4j.testing.QueueTestSupport.T0;
import static io.esm4j.testing.QueueTestSupport.poll;
import static io.esm4j.testing.QueueTestSupport.receiveCount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryQueueVisibilityTest {

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();

    @Test
    void aReceivedMessageStaysHiddenForTheVisibilityTimeoutThenComesBackWithAHigherReceiveCount() throws Exception {
        queue.send("hello");

        QueueMessage<SqsLikeMessage> first = poll(queue, 10).getFirst();
        assertThat(receiveCount(first)).isEqualTo("1");
        assertThat(first.payload().attribute("ApproximateFirstReceiveTimestamp")).isEqualTo(Long.toString(T0.toEpochMilli()));
        assertThat(queue.approximateNumberOfMessages()).isZero();
        assertThat(queue.approximateNumberOfMessagesNotVisible()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(29));
        assertThat(poll(queue, 10)).isEmpty();

        clock.advance(Duration.ofSeconds(1));
        assertThat(queue.approximateNumberOfMessages()).isEqualTo(1);
        QueueMessage<SqsLikeMessage> second = poll(queue, 10).getFirst();
        assertThat(second.messageId()).isEqualTo(first.messageId());
        assertThat(receiveCount(second)).isEqualTo("2");
        assertThat(second.receiptHandle()).isNotEqualTo(first.receiptHandle());
        assertThat(second.payload().attribute("ApproximateFirstReceiveTimestamp"))
                .isEqualTo(Long.toString(T0.toEpochMilli()));

        clock.advance(Duration.ofSeconds(30));
        assertThat(receiveCount(poll(queue, 10).getFirst())).isEqualTo("3");
    }

    @Test
    void changeVisibilityToZeroMakesTheMessageVisibleAtOnce() throws Exception {
        queue.send("hello");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 1);

        assertThat(queue.changeVisibility(received, Duration.ZERO)).isEmpty();

        assertThat(queue.approximateNumberOfMessages()).isEqualTo(1);
        assertThat(receiveCount(poll(queue, 1).getFirst())).isEqualTo("2");
    }

    @Test
    void changeVisibilityCountsTheNewTimeoutFromNow() throws Exception {
        queue.send("hello");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 1);
        clock.advance(Duration.ofSeconds(20));

        assertThat(queue.changeVisibility(received, Duration.ofSeconds(30))).isEmpty();

        clock.advance(Duration.ofSeconds(29));
        assertThat(poll(queue, 1)).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(poll(queue, 1)).hasSize(1);
    }

    @Test
    void changeVisibilityWithAStaleHandleFailsForThatEntryOnly() throws Exception {
        queue.send("a");
        queue.send("b");
        List<QueueMessage<SqsLikeMessage>> firstReceive = poll(queue, 2);
        queue.changeVisibility(firstReceive.subList(0, 1), Duration.ZERO);
        QueueMessage<SqsLikeMessage> again = poll(queue, 1).getFirst();

        List<EntryFailure> failures = queue.changeVisibility(
                List.of(firstReceive.get(1), firstReceive.get(0)), Duration.ofMinutes(5));

        assertThat(failures).singleElement().satisfies(failure -> {
            assertThat(failure.index()).isEqualTo(1);
            assertThat(failure.code()).isEqualTo("ReceiptHandleIsInvalid");
            assertThat(failure.senderFault()).isTrue();
        });
        assertThat(queue.changeVisibility(List.of(again), Duration.ZERO)).isEmpty();
    }

    @Test
    void changeVisibilityOfAMessageWhoseTimeoutRanOutFailsAsNotInFlight() throws Exception {
        queue.send("hello");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 1);
        clock.advance(Duration.ofSeconds(30));

        assertThat(queue.changeVisibility(received, Duration.ofSeconds(60)))
                .extracting(EntryFailure::code).containsExactly("MessageNotInflight");
    }

    @Test
    void visibilityCannotBeExtendedPastTwelveHoursAfterTheReceive() throws Exception {
        queue.send("hello");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 1);
        assertThat(queue.changeVisibility(received, Duration.ofHours(12))).isEmpty();
        clock.advance(Duration.ofHours(11));

        assertThat(queue.changeVisibility(received, Duration.ofHours(2)))
                .extracting(EntryFailure::code).containsExactly("InvalidParameterValue");
        assertThat(queue.changeVisibility(received, Duration.ofHours(1))).isEmpty();
    }

    @Test
    void aVisibilityTimeoutOutsideZeroToTwelveHoursIsRejected() throws Exception {
        queue.send("hello");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 1);

        assertThatThrownBy(() -> queue.changeVisibility(received, Duration.ofHours(13)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT13H").hasMessageContaining("PT12H");
        assertThatThrownBy(() -> queue.changeVisibility(received, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
        assertThatThrownBy(() -> InMemoryQueue.standard("q").visibilityTimeout(Duration.ofDays(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT24H");
    }

    @Test
    void aQueueWithAZeroVisibilityTimeoutRedeliversAtOnce() throws Exception {
        InMemoryQueue instant = InMemoryQueue.standard("instant").clock(clock).visibilityTimeout(Duration.ZERO).build();
        instant.send("hello");

        assertThat(receiveCount(poll(instant, 1).getFirst())).isEqualTo("1");
        assertThat(receiveCount(poll(instant, 1).getFirst())).isEqualTo("2");
        assertThat(instant.visibilityTimeout()).isEqualTo(Duration.ZERO);
        assertThat(queue.visibilityTimeout()).isEqualTo(Duration.ofSeconds(30));
    }
}
