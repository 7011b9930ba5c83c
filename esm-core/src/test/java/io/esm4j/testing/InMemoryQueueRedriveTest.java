package io.esm4j.testing;

import static io.esm4j.testing.QueueTestSupport.T0;
import static io.esm4j.testing.QueueTestSupport.bodies;
import static io.esm4j.testing.QueueTestSupport.poll;
import static io.esm4j.testing.QueueTestSupport.receiveCount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InMemoryQueueRedriveTest {

    private static final Duration VISIBILITY = Duration.ofSeconds(30);

    private final MutableClock clock = new MutableClock(T0);

    @Test
    void withMaxReceiveCountTwoTheThirdReceiveMovesTheMessageToTheDeadLetterQueue() throws Exception {
        InMemoryQueue dlq = InMemoryQueue.standard("work-dlq").clock(clock).build();
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).deadLetterQueue(dlq, 2).build();
        String id = queue.send("poison", Map.of("kind", MessageAttribute.string("test"))).messageId();

        assertThat(receiveCount(poll(queue, 10).getFirst())).isEqualTo("1");
        clock.advance(VISIBILITY);
        assertThat(receiveCount(poll(queue, 10).getFirst())).isEqualTo("2");
        clock.advance(VISIBILITY);
        assertThat(poll(queue, 10)).isEmpty();

        assertThat(queue.size()).isZero();
        QueueMessage<SqsLikeMessage> dead = poll(dlq, 10).getFirst();
        assertThat(dead.messageId()).isEqualTo(id);
        assertThat(dead.payload().body()).isEqualTo("poison");
        assertThat(dead.payload().messageAttributes()).containsEntry("kind", MessageAttribute.string("test"));
        assertThat(dead.payload().queueArn()).isEqualTo(dlq.queueArn());
        assertThat(dead.payload().attributes())
                .containsEntry("DeadLetterQueueSourceArn", "arn:aws:sqs:local:000000000000:work")
                .containsEntry("ApproximateReceiveCount", "3")
                .containsEntry("SentTimestamp", Long.toString(T0.toEpochMilli()))
                .containsEntry("ApproximateFirstReceiveTimestamp", Long.toString(T0.toEpochMilli()));
    }

    @Test
    void aReceiveThatMovesAMessageStillReturnsTheOthers() throws Exception {
        InMemoryQueue dlq = InMemoryQueue.standard("work-dlq").clock(clock).build();
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).deadLetterQueue(dlq, 1).build();
        queue.send("poison");
        poll(queue, 10);
        queue.send("fine");
        clock.advance(VISIBILITY);

        assertThat(bodies(poll(queue, 10))).containsExactly("fine");
        assertThat(bodies(poll(dlq, 10))).containsExactly("poison");
    }

    @Test
    void aFifoMessageMovesWithItsGroupAndGetsANewSequenceNumberAndEnqueueTime() throws Exception {
        InMemoryQueue dlq = InMemoryQueue.fifo("work-dlq.fifo").clock(clock).build();
        InMemoryQueue queue = InMemoryQueue.fifo("work.fifo").clock(clock).deadLetterQueue(dlq, 1).build();
        dlq.send("already there", "other", "d0");
        queue.send("poison", "g", "d1");
        queue.send("next", "g", "d2");
        queue.changeVisibility(poll(queue, 1), Duration.ZERO);
        clock.advance(Duration.ofSeconds(5));

        assertThat(bodies(poll(queue, 10))).containsExactly("next");

        SqsLikeMessage dead = dlq.peekAll().getLast();
        assertThat(dead.body()).isEqualTo("poison");
        assertThat(dead.attributes())
                .containsEntry("MessageGroupId", "g")
                .containsEntry("MessageDeduplicationId", "d1")
                .containsEntry("DeadLetterQueueSourceArn", queue.queueArn())
                .containsEntry("SentTimestamp", Long.toString(T0.plusSeconds(5).toEpochMilli()));
        assertThat(dead.attribute("SequenceNumber"))
                .isGreaterThan(dlq.peekAll().getFirst().attribute("SequenceNumber"));
    }

    @Test
    void theDeadLetterQueueMustBeOfTheSameTypeAndTheCountInRange() {
        InMemoryQueue standardDlq = InMemoryQueue.standard("dlq").build();
        InMemoryQueue fifoDlq = InMemoryQueue.fifo("dlq.fifo").build();

        assertThatThrownBy(() -> InMemoryQueue.fifo("q.fifo").deadLetterQueue(standardDlq, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dlq");
        assertThatThrownBy(() -> InMemoryQueue.standard("q").deadLetterQueue(fifoDlq, 3))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dlq.fifo");
        assertThatThrownBy(() -> InMemoryQueue.standard("q").deadLetterQueue(standardDlq, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 and 1000 but was 0");
    }

    @Test
    void messagesThatAreNotReceivedAgainNeverMove() throws Exception {
        InMemoryQueue dlq = InMemoryQueue.standard("work-dlq").clock(clock).build();
        InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).deadLetterQueue(dlq, 1).build();
        queue.send("once");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 10);
        clock.advance(VISIBILITY);

        assertThat(queue.delete(received)).isEmpty();
        assertThat(dlq.size()).isZero();
    }
}
