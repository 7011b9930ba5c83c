package io.esm4j.dynamodbstreams;

import static io.esm4j.handler.JsonSize.string;

import io.esm4j.handler.JsonSize;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The length in UTF-8 bytes of what {@link DynamoDbEventJson} writes for a record, counted without writing it: the
 * engine needs every record's size (6 MB invocation cap, memory bounds), and writing the JSON just to count it would
 * cost more than reading the record. Strings and base64 are counted by esm-core's {@link JsonSize}, as Jackson
 * writes them.
 */
final class JsonLength {

    private JsonLength() {}

    static long record(DynamoDbRecord record) {
        DynamoDbRecord.Dynamodb dynamodb = record.dynamodb();
        long length = 2 // { }
                + field("eventID") + string(record.eventID())
                + 1 + field("eventName") + string(record.eventName())
                + 1 + field("eventVersion") + string(record.eventVersion())
                + 1 + field("eventSource") + string(record.eventSource())
                + 1 + field("awsRegion") + string(record.awsRegion())
                + 1 + field("dynamodb") + 2
                + field("ApproximateCreationDateTime") + digits(dynamodb.approximateCreationDateTime().getEpochSecond())
                + 1 + field("Keys") + item(dynamodb.keys())
                + 1 + field("SequenceNumber") + string(dynamodb.sequenceNumber())
                + 1 + field("SizeBytes") + digits(dynamodb.sizeBytes())
                + 1 + field("StreamViewType") + string(dynamodb.streamViewType())
                + 1 + field("eventSourceARN") + string(record.eventSourceARN());
        if (dynamodb.newImage() != null) {
            length += 1 + field("NewImage") + item(dynamodb.newImage());
        }
        if (dynamodb.oldImage() != null) {
            length += 1 + field("OldImage") + item(dynamodb.oldImage());
        }
        if (record.userIdentity() != null) {
            length += 1 + field("userIdentity") + 2 + field("type") + string(record.userIdentity().type())
                    + 1 + field("principalId") + string(record.userIdentity().principalId());
        }
        return length;
    }

    static long item(Map<String, AttributeValue> item) {
        long length = 2 + Math.max(0, item.size() - 1);
        for (Map.Entry<String, AttributeValue> attribute : item.entrySet()) {
            length += string(attribute.getKey()) + 1 + value(attribute.getValue());
        }
        return length;
    }

    /** {@code {"T":<value>}}: braces, the quoted type name, the colon and the value. */
    private static long value(AttributeValue value) {
        return switch (value.type()) {
            case S -> 6 + string(value.s());
            case N -> 6 + string(value.n());
            case B -> 6 + base64(value.b());
            case BOOL -> 9 + (value.bool() ? 4 : 5);
            case NUL -> 9 + 4;
            case SS -> 7 + array(value.ss().size()) + value.ss().stream().mapToLong(JsonSize::string).sum();
            case NS -> 7 + array(value.ns().size()) + value.ns().stream().mapToLong(JsonSize::string).sum();
            case BS -> 7 + array(value.bs().size()) + value.bs().stream().mapToLong(JsonLength::base64).sum();
            case M -> 6 + item(value.m());
            case L -> 6 + array(value.l().size()) + value.l().stream().mapToLong(JsonLength::value).sum();
            default -> throw new IllegalArgumentException("an attribute value of a type this SDK version does not "
                    + "know: " + value.type());
        };
    }

    /** The brackets and commas of an array of {@code elements}. */
    private static long array(int elements) {
        return 2 + Math.max(0, elements - 1);
    }

    /** A field name, quoted, and its colon. */
    private static long field(String name) {
        return name.length() + 3;
    }

    private static long base64(SdkBytes bytes) {
        return 2 + JsonSize.base64(bytes.asByteBuffer().remaining());
    }

    private static long digits(long number) {
        long length = number < 0 ? 2 : 1;
        for (long n = Math.abs(number); n >= 10; n /= 10) {
            length++;
        }
        return length;
    }
}
