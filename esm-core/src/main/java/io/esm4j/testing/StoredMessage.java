package io.esm4j.testing;

import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** A message in a queue with its delivery state. Mutable; guarded by the owning queue's lock. */
final class StoredMessage {

    /** In-flight messages in the order they become visible again; {@link #order} breaks ties. */
    static final Comparator<StoredMessage> BY_VISIBLE_AT =
            Comparator.<StoredMessage>comparingLong(m -> m.visibleAt).thenComparingLong(m -> m.order);

    /** SQS puts the sender's IAM id here; no IAM here, so a fixed id in the same style. */
    static final String SENDER_ID = "AIDAESM4JINMEMORYQUEUE";

    final MessageContent content;
    /** Position in the queue's send order. */
    final long order;
    final long sentTimestamp;
    final @Nullable String sequenceNumber;
    final @Nullable String deadLetterSourceArn;

    int receiveCount;
    long firstReceiveTimestamp;
    /** When the current receipt handle was issued: SQS caps the visibility timeout at 12 h from here. */
    long receivedAt;
    /** When an in-flight message becomes visible again; part of the in-flight set's key, so change it only outside. */
    long visibleAt;
    boolean inFlight;
    /** The latest receipt handle, the only one accepted; {@code null} before the first receive. */
    @Nullable String receiptHandle;

    StoredMessage(MessageContent content, long order, long sentTimestamp, @Nullable String sequenceNumber) {
        this(content, order, sentTimestamp, sequenceNumber, null);
    }

    private StoredMessage(
            MessageContent content, long order, long sentTimestamp, @Nullable String sequenceNumber,
            @Nullable String deadLetterSourceArn) {
        this.content = content;
        this.order = order;
        this.sentTimestamp = sentTimestamp;
        this.sequenceNumber = sequenceNumber;
        this.deadLetterSourceArn = deadLetterSourceArn;
    }

    /**
     * This message as it arrives in a dead-letter queue: same id, content and receive history (SQS and ElasticMQ
     * report ApproximateReceiveCount 3 on the first DLQ receive after maxReceiveCount 2), a new position, and the
     * source queue's ARN.
     */
    StoredMessage movedTo(long order, long sentTimestamp, @Nullable String sequenceNumber, String sourceArn) {
        StoredMessage moved = new StoredMessage(content, order, sentTimestamp, sequenceNumber, sourceArn);
        moved.receiveCount = receiveCount;
        moved.firstReceiveTimestamp = firstReceiveTimestamp;
        return moved;
    }

    /** The message as a receive returns it now; the attribute order is that of Lambda's sample events. */
    SqsLikeMessage snapshot(String queueArn) {
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("ApproximateReceiveCount", Integer.toString(receiveCount));
        attributes.put("SentTimestamp", Long.toString(sentTimestamp));
        if (sequenceNumber != null) {
            attributes.put("SequenceNumber", sequenceNumber);
            attributes.put("MessageGroupId", content.groupId());
        }
        attributes.put("SenderId", SENDER_ID);
        if (content.deduplicationId() != null) {
            attributes.put("MessageDeduplicationId", content.deduplicationId());
        }
        if (receiveCount > 0) {
            attributes.put("ApproximateFirstReceiveTimestamp", Long.toString(firstReceiveTimestamp));
        }
        if (deadLetterSourceArn != null) {
            attributes.put("DeadLetterQueueSourceArn", deadLetterSourceArn);
        }
        return new SqsLikeMessage(content.messageId(), receiptHandle, content.body(), attributes,
                content.attributes(), content.md5OfBody(), content.md5OfMessageAttributes(), queueArn);
    }
}
