package io.esm4j.sqs;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One SQS record exactly as Lambda hands it to a function (docs/lambda-semantics.md §3.3); {@link SqsEventJson} writes
 * the event JSON. Maps keep their order (system attributes in Lambda's order, message attributes as SQS returned them)
 * and cannot be changed.
 *
 * @param messageId              the SQS message id; also its id in ReportBatchItemFailures
 * @param receiptHandle          the handle of this receive
 * @param body                   the message body
 * @param attributes             system attributes as strings (ApproximateReceiveCount, SentTimestamp, SenderId,
 *                               ApproximateFirstReceiveTimestamp; FIFO adds SequenceNumber, MessageGroupId,
 *                               MessageDeduplicationId)
 * @param messageAttributes      the sender's message attributes, under the names they were sent with
 * @param md5OfMessageAttributes MD5 of the message attributes, {@code null} when there are none
 * @param md5OfBody              MD5 of the body
 * @param eventSource            always {@code aws:sqs}
 * @param eventSourceArn         the queue's ARN ({@code eventSourceARN} in the JSON)
 * @param awsRegion              the region in the queue's ARN
 */
public record SqsMessage(
        String messageId,
        String receiptHandle,
        String body,
        Map<String, String> attributes,
        Map<String, SqsMessageAttribute> messageAttributes,
        @Nullable String md5OfMessageAttributes,
        String md5OfBody,
        String eventSource,
        String eventSourceArn,
        String awsRegion) {

    public static final String EVENT_SOURCE = "aws:sqs";

    public SqsMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(receiptHandle, "receiptHandle");
        attributes = frozen(attributes);
        messageAttributes = frozen(messageAttributes);
    }

    /** How many times SQS has handed this message out, this receive included; 0 if SQS did not say. */
    public int approximateReceiveCount() {
        String count = attributes.get("ApproximateReceiveCount");
        return count == null ? 0 : Integer.parseInt(count);
    }

    /** The FIFO message group, or {@code null} on a standard queue. */
    public @Nullable String messageGroupId() {
        return attributes.get("MessageGroupId");
    }

    private static <V> Map<String, V> frozen(Map<String, V> map) {
        return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
