package io.esm4j.handler;

import org.jspecify.annotations.Nullable;

/**
 * Sizes in UTF-8 bytes of values as Jackson writes them into an event's JSON, counted without writing: what sources
 * measure records with against Lambda's 6 MB invocation cap and the memory bounds, for every record they read.
 */
public final class JsonSize {

    private JsonSize() {}

    /**
     * A JSON string with its quotes, escaped as Jackson escapes it ({@code \"}, {@code \\}, the short escapes of
     * control characters and {@code \}{@code u00XX} for the others, everything else as UTF-8); {@code null} for a null
     * text. A surrogate counts two bytes, so a pair counts its four and a lone one at least what it becomes.
     */
    public static long string(@Nullable String text) {
        if (text == null) {
            return "null".length();
        }
        long size = 2;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                size += 2;
            } else if (c < 0x20) {
                size += c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r' ? 2 : 6;
            } else if (c < 0x80) {
                size += 1;
            } else if (c < 0x800 || Character.isSurrogate(c)) {
                size += 2;
            } else {
                size += 3;
            }
        }
        return size;
    }

    /** {@code length} bytes in base64, with padding, without quotes. */
    public static long base64(long length) {
        return 4L * ((length + 2L) / 3);
    }
}
