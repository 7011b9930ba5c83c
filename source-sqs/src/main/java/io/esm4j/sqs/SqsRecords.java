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
                sizeBytes(message), record);
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

    /**
     * Body plus message attribute names, types and values (what SQS measures against its size limit), plus the
     * receipt handle and system attributes: Lambda counts that metadata against the 6 MB invocation cap too.
     */
    private static int sizeBytes(Message message) {
        long size = utf8Length(message.body()) + utf8Length(message.receiptHandle());
        for (Map.Entry<String, String> attribute : message.attributesAsStrings().entrySet()) {
            size += utf8Length(attribute.getKey()) + utf8Length(attribute.getValue());
        }
        for (Map.Entry<String, MessageAttributeValue> attribute : message.messageAttributes().entrySet()) {
            MessageAttributeValue value = attribute.getValue();
            size += utf8Length(attribute.getKey()) + utf8Length(value.dataType()) + utf8Length(value.stringValue());
            if (value.binaryValue() != null) {
                size += value.binaryValue().asByteArrayUnsafe().length;
            }
        }
        return (int) Math.min(Integer.MAX_VALUE, size);
    }

    /** UTF-8 length without encoding: this runs for every received message. */
    private static int utf8Length(String text) {
        if (text == null) {
            return 0;
        }
        int length = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x80) {
                length += 1;
            } else if (c < 0x800) {
                length += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                length += 4;
                i++;
            } else {
                length += 3;
            }
        }
        return length;
    }
}
