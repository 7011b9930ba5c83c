package io.esm4j.testing;

import static io.esm4j.testing.QueueTestSupport.T0;
import static io.esm4j.testing.QueueTestSupport.bodies;
import static io.esm4j.testing.QueueTestSupport.poll;
import static io.esm4j.testing.QueueTestSupport.receiveCount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import io.esm4j.testing.InMemoryQueue.Operation;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemoryQueueFaultsTest {

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();

    @Test
    void plannedReceiveFailuresThrowWithoutTouchingTheQueue() throws Exception {
        queue.send("hello");
        queue.failNext(Operation.RECEIVE, 2, () -> new IOException("connection reset"));

        assertThatThrownBy(() -> poll(queue, 1)).isInstanceOf(IOException.class).hasMessage("connection reset");
        assertThatThrownBy(() -> poll(queue, 1)).isInstanceOf(IOException.class);

        assertThat(receiveCount(poll(queue, 1).getFirst())).isEqualTo("1");
    }

    @Test
    void plannedFailuresQueueUpInTheOrderTheyWerePlanned() throws Exception {
        queue.send("hello");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 1);
        queue.failNext(Operation.DELETE, 1, () -> new IllegalStateException("first"));
        queue.failNext(Operation.DELETE, 1, () -> new IOException("second"));

        assertThatThrownBy(() -> queue.delete(received)).hasMessage("first");
        assertThatThrownBy(() -> queue.delete(received)).hasMessage("second");
        assertThat(queue.size()).isEqualTo(1);

        assertThat(queue.delete(received)).isEmpty();
        assertThat(queue.size()).isZero();
    }

    @Test
    void aPlannedEntryFailureFailsThatEntryRetryablyAndLeavesTheMessage() throws Exception {
        queue.send("a");
        queue.send("b");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 2);
        queue.failEntries(Operation.DELETE, received.get(1).messageId(), 1);

        List<EntryFailure> failures = queue.delete(received);

        assertThat(failures).singleElement().satisfies(failure -> {
            assertThat(failure.index()).isEqualTo(1);
            assertThat(failure.code()).isEqualTo("InternalError");
            assertThat(failure.senderFault()).isFalse();
        });
        assertThat(queue.peekAll()).extracting(SqsLikeMessage::body).containsExactly("b");
        assertThat(queue.delete(received.subList(1, 2))).isEmpty();
    }

    @Test
    void entryFailuresOfChangeVisibilityLeaveTheVisibilityAsItWas() throws Exception {
        queue.send("a");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 1);
        queue.failEntries(Operation.CHANGE_VISIBILITY, received.getFirst().messageId(), 2);
        queue.failNext(Operation.CHANGE_VISIBILITY, 1, () -> new IOException("timeout"));

        assertThatThrownBy(() -> queue.changeVisibility(received, Duration.ZERO)).isInstanceOf(IOException.class);
        assertThat(queue.changeVisibility(received, Duration.ZERO)).hasSize(1);
        assertThat(queue.changeVisibility(received, Duration.ZERO)).hasSize(1);
        assertThat(poll(queue, 1)).isEmpty();

        assertThat(queue.changeVisibility(received, Duration.ZERO)).isEmpty();
        assertThat(bodies(poll(queue, 1))).containsExactly("a");
    }

    @Test
    void faultPlansAreChecked() {
        assertThatThrownBy(() -> queue.failNext(Operation.RECEIVE, 0, IOException::new))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("but was 0");
        assertThatThrownBy(() -> queue.failEntries(Operation.RECEIVE, "id", 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("RECEIVE");
    }
}
