package io.esm4j.testing;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A message attribute as SQS stores it: a data type ({@code String}, {@code Number} or {@code Binary}, optionally
 * followed by {@code .label}) and a non-empty string value, or for {@code Binary} a non-empty binary value.
 *
 * <p>The binary value is copied in and out, and compared by content, so that the record stays immutable.
 */
public record MessageAttribute(String dataType, @Nullable String stringValue, byte @Nullable [] binaryValue) {

    public MessageAttribute {
        Objects.requireNonNull(dataType, "dataType");
        if (isBinary(dataType)) {
            if (binaryValue == null || binaryValue.length == 0 || stringValue != null) {
                throw new IllegalArgumentException("InvalidParameterValue: a " + dataType
                        + " attribute needs a non-empty binaryValue and no stringValue");
            }
            binaryValue = binaryValue.clone();
        } else if (isTextual(dataType)) {
            if (stringValue == null || stringValue.isEmpty() || binaryValue != null) {
                throw new IllegalArgumentException("InvalidParameterValue: a " + dataType
                        + " attribute needs a non-empty stringValue and no binaryValue");
            }
            if (dataType.startsWith("Number")) {
                requireNumber(stringValue);
            }
        } else {
            throw new IllegalArgumentException("InvalidParameterValue: attribute data type '" + dataType
                    + "' must be String, Number or Binary, optionally followed by .label");
        }
    }

    public static MessageAttribute string(String value) {
        return new MessageAttribute("String", value, null);
    }

    public static MessageAttribute number(String value) {
        return new MessageAttribute("Number", value, null);
    }

    public static MessageAttribute binary(byte[] value) {
        return new MessageAttribute("Binary", null, value);
    }

    @Override
    public byte @Nullable [] binaryValue() {
        return binaryValue == null ? null : binaryValue.clone();
    }

    /** The value as SQS counts and hashes it: UTF-8 of the string, or the binary as is. Not a copy. */
    byte[] valueBytes() {
        // The constructor requires exactly one of the two values.
        return binaryValue != null ? binaryValue
                : Objects.requireNonNull(stringValue, "stringValue").getBytes(StandardCharsets.UTF_8);
    }

    /** The transport type byte of SQS's attribute MD5: 1 for String and Number, 2 for Binary. */
    byte transportType() {
        return binaryValue != null ? (byte) 2 : (byte) 1;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof MessageAttribute that
                && dataType.equals(that.dataType)
                && Objects.equals(stringValue, that.stringValue)
                && Arrays.equals(binaryValue, that.binaryValue);
    }

    @Override
    public int hashCode() {
        return Objects.hash(dataType, stringValue, Arrays.hashCode(binaryValue));
    }

    @Override
    public String toString() {
        String value = binaryValue != null
                ? "binaryValue=" + Base64.getEncoder().encodeToString(binaryValue)
                : "stringValue=" + stringValue;
        return "MessageAttribute[dataType=" + dataType + ", " + value + "]";
    }

    private static boolean isBinary(String dataType) {
        return hasBaseType(dataType, "Binary");
    }

    private static boolean isTextual(String dataType) {
        return hasBaseType(dataType, "String") || hasBaseType(dataType, "Number");
    }

    private static boolean hasBaseType(String dataType, String base) {
        return dataType.equals(base) || (dataType.startsWith(base + ".") && dataType.length() > base.length() + 1);
    }

    private static void requireNumber(String value) {
        try {
            new BigDecimal(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("InvalidParameterValue: Number attribute value '" + value
                    + "' is not a number", e);
        }
    }
}
