package io.esm4j.testing;

import static io.esm4j.testing.QueueTestSupport.T0;
import static io.esm4j.testing.QueueTestSupport.bodies;
import static io.esm4j.testing.QueueTestSupport.poll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryQueueFifoTest {

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryQueue queue = InMemoryQueue.fifo("orders.fifo").clock(clock).build();

    @Test
    void oneReceiveReturnsSeveralGroupsEachInSendOrderWithIncreasingSequenceNumbers() throws Exception {
        for (int i = 1; i <= 4; i++) {
            queue.send("a" + i, "A", "a" + i);
            queue.send("b" + i, "B", "b" + i);
        }

        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 10);

        assertThat(bodies(received)).containsExactly("a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4");
        assertThat(received).extracting(QueueMessage::messageGroupId).containsOnly("A", "B");
        List<String> sequenceNumbers = queue.peekAll().stream().map(m -> m.attribute("SequenceNumber")).toList();
        assertThat(sequenceNumbers).isSorted().doesNotHaveDuplicates().allSatisfy(s -> assertThat(s).hasSize(20));
    }

    @Test
    void aGroupWithAMessageInFlightIsLockedWhileOtherGroupsAreNot() throws Exception {
        queue.send("a1", "A", "a1");
        queue.send("a2", "A", "a2");
        queue.send("a3", "A", "a3");
        List<QueueMessage<SqsLikeMessage>> first = poll(queue, 1);
        assertThat(bodies(first)).containsExactly("a1");

        assertThat(poll(queue, 10)).isEmpty();
        queue.send("b1", "B", "b1");
        assertThat(bodies(poll(queue, 10))).containsExactly("b1");

        queue.delete(first);
        assertThat(bodies(poll(queue, 10))).containsExactly("a2", "a3");
    }

    @Test
    void theGroupStaysLockedUntilItsLastInFlightMessageIsBackThenRestartsFromItsHead() throws Exception {
        for (String body : List.of("a1", "a2", "a3")) {
            queue.send(body, "A", body);
        }
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 2);

        queue.changeVisibility(received.subList(0, 1), Duration.ZERO);
        assertThat(poll(queue, 10)).isEmpty();
        assertThat(queue.approximateNumberOfMessages()).isEqualTo(2);

        queue.changeVisibility(received.subList(1, 2), Duration.ZERO);
        assertThat(bodies(poll(queue, 10))).containsExactly("a1", "a2", "a3");
    }

    @Test
    void anExpiredVisibilityTimeoutRedeliversTheGroupInOrderWithoutTheDeletedMessages() throws Exception {
        for (String body : List.of("a1", "a2", "a3")) {
            queue.send(body, "A", body);
        }
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 2);
        queue.delete(received.subList(1, 2));

        clock.advance(Duration.ofSeconds(30));

        assertThat(bodies(poll(queue, 10))).containsExactly("a1", "a3");
    }

    @Test
    void aDuplicateWithinFiveMinutesIsAcceptedButNotQueued() throws Exception {
        SendResult original = queue.send("first", "A", "same-id");
        clock.advance(Duration.ofMinutes(4));

        SendResult duplicate = queue.send("second", "B", "same-id");

        assertThat(duplicate).isEqualTo(original);
        assertThat(queue.size()).isEqualTo(1);
        queue.delete(poll(queue, 10));
        assertThat(queue.send("third", "A", "same-id")).isEqualTo(original);

        clock.advance(Duration.ofMinutes(1));
        assertThat(queue.send("fourth", "A", "same-id").messageId()).isNotEqualTo(original.messageId());
        assertThat(bodies(poll(queue, 10))).containsExactly("fourth");
    }

    @Test
    void contentBasedDeduplicationUsesTheBodysSha256UnlessAnIdIsGiven() throws Exception {
        InMemoryQueue cbd = InMemoryQueue.fifo("cbd.fifo").clock(clock).contentBasedDeduplication(true).build();

        SendResult first = cbd.send("same body", "A", null);
        assertThat(cbd.send("same body", "B", null)).isEqualTo(first);
        cbd.send("same body", "A", "explicit");
        cbd.send("other body", "A", null);

        assertThat(cbd.peekAll()).extracting(SqsLikeMessage::body).containsExactly("same body", "same body", "other body");
        assertThat(cbd.peekAll().getFirst().attribute("MessageDeduplicationId")) // sha256sum of "same body"
                .isEqualTo("8f6372a8b1509601faa57ff3a292cfcccb95aa2325c18b8e50b0c035ea1648fe");
    }

    @Test
    void fifoMessagesCarryTheirGroupDeduplicationIdAndSequenceNumber() throws Exception {
        SendResult sent = queue.send("a1", "A", "dedup-1");

        QueueMessage<SqsLikeMessage> received = poll(queue, 1).getFirst();

        assertThat(received.messageGroupId()).isEqualTo("A");
        assertThat(received.payload().attributes()).containsKeys("SequenceNumber", "MessageGroupId",
                "MessageDeduplicationId").containsEntry("SequenceNumber", sent.sequenceNumber());
        assertThat(queue.fifo()).isTrue();
    }

    @Test
    void aFifoSendNeedsAGroupAndADeduplicationId() {
        assertThatThrownBy(() -> queue.send("x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("MissingParameter")
                .hasMessageContaining("MessageGroupId");
        assertThatThrownBy(() -> queue.send("x", null, "d"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("MissingParameter");
        assertThatThrownBy(() -> queue.send("x", "A", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("MessageDeduplicationId");
        assertThatThrownBy(() -> queue.send("x", "A", "has space"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'has space'");
    }

    @Test
    void aGroupOrDeduplicationIdOutsideOneTo128CharactersIsRejectedNamingItsLength() {
        assertThatThrownBy(() -> queue.send("x", "", "d"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("InvalidParameterValue")
                .hasMessageContaining("MessageGroupId").hasMessageContaining("0 characters")
                .hasMessageContaining("1 to 128");
        assertThatThrownBy(() -> queue.send("x", "g".repeat(129), "d"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MessageGroupId").hasMessageContaining("129 characters")
                .hasMessageContaining("1 to 128");
        assertThatThrownBy(() -> queue.send("x", "A", ""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MessageDeduplicationId").hasMessageContaining("0 characters");
        assertThatThrownBy(() -> queue.send("x", "A", "d".repeat(300)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("MessageDeduplicationId").hasMessageContaining("300 characters")
                .hasMessageContaining("1 to 128");
        assertThatThrownBy(() -> queue.send("x", "A", "d\u00e9"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'d\u00e9'").hasMessageContaining("U+00E9");
        assertThat(queue.size()).isZero();

        queue.send("x", "g".repeat(128), "d".repeat(128));
        assertThat(queue.size()).isOne();
    }

    @Test
    void fifoOptionsAndNamesAreChecked() {
        assertThatThrownBy(() -> InMemoryQueue.fifo("orders"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'orders'").hasMessageContaining(".fifo");
        assertThatThrownBy(() -> InMemoryQueue.standard("orders.fifo"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("InMemoryQueue.fifo");
        assertThatThrownBy(() -> InMemoryQueue.standard("orders").contentBasedDeduplication(true))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("FIFO");
        InMemoryQueue standard = InMemoryQueue.standard("orders").build();
        assertThatThrownBy(() -> standard.send("x", "A", "d"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("standard queue");
    }
}
