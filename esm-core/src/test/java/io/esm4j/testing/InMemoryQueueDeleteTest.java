package io.esm4j.testing;

import static io.esm4j.testing.QueueTestSupport.T0;
import static io.esm4j.testing.QueueTestSupport.bodies;
import static io.esm4j.testing.QueueTestSupport.poll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryQueueDeleteTest {

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();

    @Test
    void deleteRemovesTheMessagesForGood() throws Exception {
        queue.send("a");
        queue.send("b");

        assertThat(queue.delete(poll(queue, 10))).isEmpty();

        clock.advance(Duration.ofHours(1));
        assertThat(queue.size()).isZero();
        assertThat(poll(queue, 10)).isEmpty();
    }

    @Test
    void aStaleHandleFailsAtItsPositionAndTheOtherEntriesAreDeleted() throws Exception {
        queue.send("a");
        queue.send("b");
        queue.send("c");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 3);
        QueueMessage<SqsLikeMessage> a = received.get(0);
        clock.advance(Duration.ofSeconds(30));
        assertThat(bodies(poll(queue, 1))).containsExactly("a");

        List<EntryFailure> failures = queue.delete(received);

        assertThat(failures).singleElement().satisfies(failure -> {
            assertThat(failure.index()).isZero();
            assertThat(failure.code()).isEqualTo("ReceiptHandleIsInvalid");
            assertThat(failure.message()).contains(a.receiptHandle(), a.messageId());
            assertThat(failure.senderFault()).isTrue();
        });
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactly("a");
    }

    @Test
    void theSameMessageTwiceInOneCallIsDeletedOnceAndBothEntriesSucceed() throws Exception {
        queue.send("a");
        QueueMessage<SqsLikeMessage> a = poll(queue, 1).getFirst();

        assertThat(queue.delete(List.of(a, a))).isEmpty();
        assertThat(queue.size()).isZero();
    }

    @Test
    void theHandleOfAMessageDeletedByAnEarlierCallFails() throws Exception {
        queue.send("a");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 1);
        queue.delete(received);

        assertThat(queue.delete(received)).extracting(EntryFailure::code).containsExactly("ReceiptHandleIsInvalid");
    }

    @Test
    void theLatestHandleStillDeletesAfterTheVisibilityTimeoutRanOut() throws Exception {
        queue.send("a");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 1);
        clock.advance(Duration.ofMinutes(5));
        assertThat(queue.approximateNumberOfMessages()).isEqualTo(1);

        assertThat(queue.delete(received)).isEmpty();
        assertThat(queue.size()).isZero();
    }

    @Test
    void aHandleThisQueueNeverIssuedFails() throws Exception {
        queue.send("a");
        QueueMessage<SqsLikeMessage> real = poll(queue, 1).getFirst();
        QueueMessage<SqsLikeMessage> forged = new QueueMessage<>(real.messageId(), "forged", null, 1, real.payload());

        assertThat(queue.delete(List.of(real, forged))).extracting(EntryFailure::index).containsExactly(1);
    }

    @Test
    void aBatchNeedsOneToTenEntries() throws Exception {
        queue.send("a");
        QueueMessage<SqsLikeMessage> a = poll(queue, 1).getFirst();

        assertThatThrownBy(() -> queue.delete(List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("EmptyBatchRequest");
        assertThatThrownBy(() -> queue.changeVisibility(Collections.nCopies(11, a), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("TooManyEntriesInBatchRequest").hasMessageContaining("11");
    }
}
