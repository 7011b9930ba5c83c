package io.esm4j.testing;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One received message as SQS returns it with all system and message attributes: the payload of
 * {@link InMemoryQueue}'s {@link io.esm4j.queue.QueueMessage}s. Each receive yields a new instance, because the
 * receive count and the receipt handle change.
 *
 * @param messageId              the message id, kept when the message moves to a dead-letter queue
 * @param receiptHandle          the handle of this receive; {@code null} in {@link InMemoryQueue#peekAll()} for a
 *                               message never received
 * @param body                   the body as sent
 * @param attributes             the system attributes, all values strings, timestamps epoch millis:
 *                               ApproximateReceiveCount, SentTimestamp, SenderId, ApproximateFirstReceiveTimestamp;
 *                               on FIFO queues also SequenceNumber, MessageGroupId, MessageDeduplicationId; after a
 *                               redrive DeadLetterQueueSourceArn. In the order of Lambda's sample events.
 * @param messageAttributes      the message attributes by name, sorted by name
 * @param md5OfBody              the hex MD5 of the UTF-8 body
 * @param md5OfMessageAttributes the hex MD5 of the message attributes as SQS computes it, {@code null} without any
 * @param queueArn               the ARN of the queue the message was received from
 */
public record SqsLikeMessage(
        String messageId,
        @Nullable String receiptHandle,
        String body,
        Map<String, String> attributes,
        Map<String, MessageAttribute> messageAttributes,
        String md5OfBody,
        @Nullable String md5OfMessageAttributes,
        String queueArn) {

    public SqsLikeMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(body, "body");
        Objects.requireNonNull(md5OfBody, "md5OfBody");
        Objects.requireNonNull(queueArn, "queueArn");
        attributes = orderedCopy(attributes);
        messageAttributes = orderedCopy(messageAttributes);
    }

    /** A system attribute's value, or {@code null} when the message doesn't have it. */
    public @Nullable String attribute(String name) {
        return attributes.get(name);
    }

    // Map.copyOf would lose the order, and the order is what a Lambda-shaped event serializes.
    private static <V> Map<String, V> orderedCopy(Map<String, V> map) {
        return map.isEmpty() ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
