package io.esm4j.sqs;

import static io.esm4j.handler.JsonSize.base64;
import static io.esm4j.handler.JsonSize.string;

import java.nio.ByteBuffer;
import java.util.Map;

/**
 * The size in UTF-8 bytes of an SQS record in Lambda's event as {@link SqsEventJson} writes it, counted without
 * writing it: what the 6 MB invocation cap and the memory bounds measure. A test compares every count with the
 * written JSON.
 */
final class SqsEventSize {

    private SqsEventSize() {}

    /**
     * The record's object and the comma before it; the source declares the envelope around the batch
     * ({@link SqsQueueSource#eventEnvelopeBytes}).
     */
    static int inBatch(SqsMessage record) {
        return (int) Math.min(Integer.MAX_VALUE, record(record) + ",".length());
    }

    /** The record's object in the {@code Records} list. */
    static long record(SqsMessage record) {
        long size = "{\"messageId\":".length() + string(record.messageId())
                + ",\"receiptHandle\":".length() + string(record.receiptHandle())
                + ",\"body\":".length() + string(record.body())
                + ",\"attributes\":{".length() + "}".length()
                + ",\"messageAttributes\":{".length() + "}".length()
                + ",\"md5OfMessageAttributes\":".length() + string(record.md5OfMessageAttributes())
                + ",\"md5OfBody\":".length() + string(record.md5OfBody())
                + ",\"eventSource\":".length() + string(record.eventSource())
                + ",\"eventSourceARN\":".length() + string(record.eventSourceArn())
                + ",\"awsRegion\":".length() + string(record.awsRegion())
                + "}".length();
        int fields = 0;
        for (Map.Entry<String, String> attribute : record.attributes().entrySet()) {
            size += (fields++ > 0 ? 1 : 0) + string(attribute.getKey()) + 1 + string(attribute.getValue());
        }
        fields = 0;
        for (Map.Entry<String, SqsMessageAttribute> attribute : record.messageAttributes().entrySet()) {
            size += (fields++ > 0 ? 1 : 0) + string(attribute.getKey()) + 1 + attribute(attribute.getValue());
        }
        return size;
    }

    private static long attribute(SqsMessageAttribute attribute) {
        long size = "{\"stringListValues\":[".length() + "],\"binaryListValues\":[".length()
                + "],\"dataType\":".length() + string(attribute.dataType()) + "}".length();
        if (attribute.stringValue() != null) {
            size += "\"stringValue\":".length() + string(attribute.stringValue()) + 1;
        }
        if (attribute.binaryValue() != null) {
            size += "\"binaryValue\":".length() + quotedBase64(attribute.binaryValue()) + 1;
        }
        int values = 0;
        for (String value : attribute.stringListValues()) {
            size += (values++ > 0 ? 1 : 0) + string(value);
        }
        values = 0;
        for (ByteBuffer value : attribute.binaryListValues()) {
            size += (values++ > 0 ? 1 : 0) + quotedBase64(value);
        }
        return size;
    }

    private static long quotedBase64(ByteBuffer value) {
        return 2 + base64(value.remaining());
    }
}
