package io.esm4j.testing;

import io.esm4j.queue.QueueMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/** Shorthands shared by the in-memory queue tests. */
final class QueueTestSupport {

    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private QueueTestSupport() {}

    /** A short poll: whatever is visible now, up to {@code max}. */
    static List<QueueMessage<SqsLikeMessage>> poll(InMemoryQueue queue, int max) throws Exception {
        return queue.receive(max, Duration.ZERO);
    }

    static List<String> bodies(List<QueueMessage<SqsLikeMessage>> messages) {
        return messages.stream().map(m -> m.payload().body()).toList();
    }

    static String receiveCount(QueueMessage<SqsLikeMessage> message) {
        return message.payload().attribute("ApproximateReceiveCount");
    }
}
