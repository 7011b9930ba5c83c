package io.esm4j.sqs;

import io.esm4j.queue.QueueMessage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageAttributeValue;

/** Turns a received SDK message into the Lambda-shaped record and the engine's view of it. */
final class SqsRecords {

    /**
     * The order in which Lambda writes the system attributes it knows (as seen in events recorded on AWS); any
     * other attribute SQS returns follows in name order.
     */
    private static final List<String> ATTRIBUTE_ORDER = List.of("DeadLetterQueueSourceArn",
            "ApproximateReceiveCount", "AWSTraceHeader", "SentTimestamp", "SequenceNumber", "MessageGroupId",
            "SenderId", "MessageDeduplicationId", "ApproximateFirstReceiveTimestamp");

    private SqsRecords() {}

    static QueueMessage<SqsMessage> toQueueMessage(Message message, String queueArn, String region) {
        SqsMessage record = toRecord(message, queueArn, region);
        return new QueueMessage<>(record.messageId(), record.receiptHandle(), record.messageGroupId(),
                SqsEventSize.inBatch(record), record);
    }

    static SqsMessage toRecord(Message message, String queueArn, String region) {
        Map<String, SqsMessageAttribute> messageAttributes = new LinkedHashMap<>();
        message.messageAttributes().forEach((name, value) -> messageAttributes.put(name, toAttribute(value)));
        return new SqsMessage(message.messageId(), message.receiptHandle(), message.body(),
                ordered(message.attributesAsStrings()), messageAttributes,
                messageAttributes.isEmpty() ? null : message.md5OfMessageAttributes(), message.md5OfBody(),
                SqsMessage.EVENT_SOURCE, queueArn, region);
    }

    private static Map<String, String> ordered(Map<String, String> attributes) {
        Map<String, String> rest = new TreeMap<>(attributes);
        Map<String, String> ordered = new LinkedHashMap<>();
        for (String name : ATTRIBUTE_ORDER) {
            String value = rest.remove(name);
            if (value != null) {
                ordered.put(name, value);
            }
        }
        ordered.putAll(rest);
        return ordered;
    }

    private static SqsMessageAttribute toAttribute(MessageAttributeValue value) {
        return new SqsMessageAttribute(value.stringValue(),
                value.binaryValue() == null ? null : value.binaryValue().asByteBuffer(),
                value.stringListValues(),
                value.binaryListValues().stream().map(SdkBytes::asByteBuffer).toList(),
                value.dataType());
    }
}
