package io.esm4j.testing;

import static io.esm4j.testing.QueueTestSupport.T0;
import static io.esm4j.testing.QueueTestSupport.bodies;
import static io.esm4j.testing.QueueTestSupport.poll;
import static io.esm4j.testing.QueueTestSupport.receiveCount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InMemoryQueueLongPollTest {

    private static final Duration LONG_POLL = Duration.ofSeconds(20);

    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryQueue queue = InMemoryQueue.standard("work").clock(clock).build();
    private final ExecutorService receivers = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stopReceivers() {
        receivers.shutdownNow();
    }

    @Test
    void aWaitingReceiveReturnsTheMessageSentFromAnotherThread() throws Exception {
        Future<List<QueueMessage<SqsLikeMessage>>> receive = longPoll();
        await().until(() -> queue.waitingReceivers() == 1);

        queue.send("hello");

        assertThat(bodies(receive.get())).containsExactly("hello");
    }

    @Test
    void aWaitingReceiveWakesWhenTheClockEndsAVisibilityTimeout() throws Exception {
        queue.send("hello");
        poll(queue, 1);
        Future<List<QueueMessage<SqsLikeMessage>>> receive = longPoll();
        await().until(() -> queue.waitingReceivers() == 1);

        clock.advance(Duration.ofSeconds(30));

        assertThat(receive.get()).singleElement().satisfies(m -> assertThat(receiveCount(m)).isEqualTo("2"));
    }

    @Test
    void aWaitingReceiveWakesWhenAMessageIsMadeVisible() throws Exception {
        queue.send("hello");
        List<QueueMessage<SqsLikeMessage>> received = poll(queue, 1);
        Future<List<QueueMessage<SqsLikeMessage>>> receive = longPoll();
        await().until(() -> queue.waitingReceivers() == 1);

        queue.changeVisibility(received, Duration.ZERO);

        assertThat(bodies(receive.get())).containsExactly("hello");
    }

    @Test
    void severalWaitingReceivesAllGetMessagesFromOneBurst() throws Exception {
        List<Future<List<QueueMessage<SqsLikeMessage>>>> receives = List.of(longPoll(1), longPoll(1), longPoll(1));
        await().until(() -> queue.waitingReceivers() == 3);

        for (int i = 0; i < 3; i++) {
            queue.send("m" + i);
        }

        for (Future<List<QueueMessage<SqsLikeMessage>>> receive : receives) {
            assertThat(receive.get()).hasSize(1);
        }
    }

    @Test
    void aLongPollOnAnEmptyQueueEndsEmptyAfterItsWaitTime() throws Exception {
        assertThat(queue.receive(10, Duration.ofMillis(30))).isEmpty();
        assertThat(poll(queue, 10)).isEmpty();
    }

    @Test
    void anInterruptedLongPollStaysOpenAndHidesWhatItTakesAsSqsDoes() {
        Future<List<QueueMessage<SqsLikeMessage>>> receive = longPoll();
        await().until(() -> queue.waitingReceivers() == 1);

        receive.cancel(true);
        queue.send("hello");

        await().until(() -> queue.approximateNumberOfMessagesNotVisible() == 1);
        assertThat(queue.peekAll()).singleElement()
                .satisfies(m -> assertThat(m.attribute("ApproximateReceiveCount")).isEqualTo("1"));
    }

    private Future<List<QueueMessage<SqsLikeMessage>>> longPoll() {
        return longPoll(10);
    }

    private Future<List<QueueMessage<SqsLikeMessage>>> longPoll(int max) {
        Callable<List<QueueMessage<SqsLikeMessage>>> call = () -> queue.receive(max, LONG_POLL);
        return receivers.submit(call);
    }
}
