package io.esm4j.testing;

import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * SQS's checks on SendMessage, so that a test can't send what SQS would refuse. The exception messages start with
 * the error code SQS would return.
 */
final class SendChecks {

    /** SQS's default and largest maximum message size: body plus message attributes. */
    static final int MAX_MESSAGE_BYTES = 1_048_576;
    static final int MAX_ATTRIBUTES = 10;

    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final int MAX_ATTRIBUTE_NAME = 256;
    private static final int MAX_FIFO_ID = 128;

    private SendChecks() {}

    /** A body must be non-empty and only hold characters SQS accepts (those of XML 1.0). */
    static void checkBody(String body) {
        if (body == null || body.isEmpty()) {
            throw new IllegalArgumentException("MissingParameter: the message body must be a non-empty string but was "
                    + (body == null ? "null" : "empty"));
        }
        for (int i = 0; i < body.length(); ) {
            int c = body.codePointAt(i);
            if (!isAllowed(c)) {
                throw new IllegalArgumentException(String.format(
                        "InvalidMessageContents: the body has character U+%04X at index %d; SQS accepts #x9, #xA, "
                                + "#xD, #x20-#xD7FF, #xE000-#xFFFD and #x10000-#x10FFFF", c, i));
            }
            i += Character.charCount(c);
        }
    }

    /** Checks the attributes and returns them as an unmodifiable map sorted by name, the order SQS hashes them in. */
    static SortedMap<String, MessageAttribute> checkAttributes(Map<String, MessageAttribute> attributes) {
        if (attributes.isEmpty()) {
            return Collections.emptySortedMap();
        }
        if (attributes.size() > MAX_ATTRIBUTES) {
            throw new IllegalArgumentException("InvalidParameterValue: " + attributes.size()
                    + " message attributes, at most " + MAX_ATTRIBUTES + " are allowed");
        }
        TreeMap<String, MessageAttribute> sorted = new TreeMap<>();
        attributes.forEach((name, value) -> {
            checkAttributeName(name);
            if (value == null) {
                throw new IllegalArgumentException("InvalidParameterValue: message attribute '" + name
                        + "' has no value");
            }
            sorted.put(name, value);
        });
        return Collections.unmodifiableSortedMap(sorted);
    }

    /** Body plus attribute bytes (names, data types and values), checked against the maximum message size. */
    static int checkSize(int bodyBytes, Map<String, MessageAttribute> attributes) {
        long size = bodyBytes;
        for (Map.Entry<String, MessageAttribute> e : attributes.entrySet()) {
            size += utf8Length(e.getKey()) + utf8Length(e.getValue().dataType()) + e.getValue().valueBytes().length;
        }
        if (size > MAX_MESSAGE_BYTES) {
            throw new IllegalArgumentException("InvalidParameterValue: the message has " + size
                    + " bytes (body plus attributes), at most " + MAX_MESSAGE_BYTES + " are allowed");
        }
        return (int) size;
    }

    /** MessageGroupId and MessageDeduplicationId: 1 to 128 characters, ASCII letters, digits and punctuation. */
    static void checkFifoId(String parameter, String value) {
        if (value.isEmpty() || value.length() > MAX_FIFO_ID) {
            String shown = value.length() <= 40 ? value : value.substring(0, 40) + "…";
            throw new IllegalArgumentException("InvalidParameterValue: " + parameter + " must have 1 to "
                    + MAX_FIFO_ID + " characters but had " + value.length() + " characters: '" + shown + "'");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '!' || c > '~') {
                throw new IllegalArgumentException(String.format("InvalidParameterValue: %s '%s' has character "
                        + "U+%04X at index %d; only ASCII letters, digits and punctuation (U+0021 to U+007E) are "
                        + "allowed", parameter, value, (int) c, i));
            }
        }
    }

    private static void checkAttributeName(String name) {
        String lower = name == null ? "" : name.toLowerCase(Locale.ROOT);
        boolean valid = name != null && name.length() <= MAX_ATTRIBUTE_NAME
                && ATTRIBUTE_NAME.matcher(name).matches()
                && !lower.startsWith("aws.") && !lower.startsWith("amazon.");
        if (!valid) {
            throw new IllegalArgumentException("InvalidParameterValue: message attribute name '" + name
                    + "' must have 1 to " + MAX_ATTRIBUTE_NAME + " letters, digits, '-', '_' or single inner '.', "
                    + "and must not start with AWS. or Amazon.");
        }
    }

    private static boolean isAllowed(int c) {
        return c == 0x9 || c == 0xA || c == 0xD
                || (c >= 0x20 && c <= 0xD7FF)
                || (c >= 0xE000 && c <= 0xFFFD)
                || (c >= 0x10000 && c <= 0x10FFFF);
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
