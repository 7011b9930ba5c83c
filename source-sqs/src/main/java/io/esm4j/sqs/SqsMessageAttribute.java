package io.esm4j.sqs;

import java.nio.ByteBuffer;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One message attribute as Lambda puts it into an SQS record: {@code stringValue} for String and Number types,
 * {@code binaryValue} for Binary, and the list values that SQS reserves for future use and Lambda always writes as
 * empty lists. Binary buffers are read-only.
 *
 * @param stringValue      the value of a String or Number attribute, else {@code null}
 * @param binaryValue      the value of a Binary attribute (base64 in the JSON), else {@code null}
 * @param stringListValues reserved by SQS; empty in practice
 * @param binaryListValues reserved by SQS; empty in practice
 * @param dataType         {@code String}, {@code Number} or {@code Binary}, with an optional custom suffix
 *                         ({@code Number.int})
 */
public record SqsMessageAttribute(
        @Nullable String stringValue,
        @Nullable ByteBuffer binaryValue,
        List<String> stringListValues,
        List<ByteBuffer> binaryListValues,
        String dataType) {

    public SqsMessageAttribute {
        binaryValue = binaryValue == null ? null : binaryValue.asReadOnlyBuffer();
        stringListValues = stringListValues == null ? List.of() : List.copyOf(stringListValues);
        binaryListValues = binaryListValues == null
                ? List.of()
                : binaryListValues.stream().map(ByteBuffer::asReadOnlyBuffer).toList();
    }

    public static SqsMessageAttribute ofString(String dataType, String value) {
        return new SqsMessageAttribute(value, null, List.of(), List.of(), dataType);
    }

    public static SqsMessageAttribute ofBinary(String dataType, byte[] value) {
        return new SqsMessageAttribute(null, ByteBuffer.wrap(value.clone()), List.of(), List.of(), dataType);
    }

    /** A fresh view of the binary value, so that reading it does not move a position others see. */
    @Override
    public @Nullable ByteBuffer binaryValue() {
        return binaryValue == null ? null : binaryValue.duplicate();
    }
}
