package io.esm4j.filter;

import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * Parses IPv4 and IPv6 address literals without {@link java.net.InetAddress}, which would start a DNS lookup for
 * anything that looks like a host name, on the per-record hot path.
 */
final class IpAddress {

    /** The longest IPv6 text form, eight groups with an embedded IPv4 tail; longer text is no address. */
    private static final int MAX_TEXT_LENGTH = 45;

    private IpAddress() {
    }

    /** @return 4 or 16 bytes, or {@code null} if the text is not an address literal */
    static byte @Nullable [] parse(String text) {
        if (text.isEmpty() || text.length() > MAX_TEXT_LENGTH) {
            return null;
        }
        if (text.indexOf(':') < 0) {
            byte[] v4 = new byte[4];
            return parseV4(text, v4, 0) ? v4 : null;
        }
        byte[] v6 = parseV6(text);
        return v6 != null && isV4Mapped(v6) ? Arrays.copyOfRange(v6, 12, 16) : v6;
    }

    /** Strict dotted quad: four decimal parts of 1 to 3 digits, each at most 255. */
    private static boolean parseV4(String text, byte[] into, int offset) {
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == '.') {
                if (digits == 0 || part == 4) {
                    return false;
                }
                into[offset + part++] = (byte) value;
                value = 0;
                digits = 0;
                continue;
            }
            char c = text.charAt(i);
            if (c < '0' || c > '9' || ++digits > 3) {
                return false;
            }
            value = value * 10 + (c - '0');
            if (value > 255) {
                return false;
            }
        }
        return part == 4;
    }

    private static byte @Nullable [] parseV6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        byte[] head = new byte[16];
        if (gap < 0) {
            return parseGroups(text, head, true) == 16 ? head : null;
        }
        int headLength = parseGroups(text.substring(0, gap), head, false);
        byte[] tail = new byte[16];
        int tailLength = parseGroups(text.substring(gap + 2), tail, true);
        // "::" stands for at least one zero group.
        if (headLength < 0 || tailLength < 0 || headLength + tailLength > 14) {
            return null;
        }
        System.arraycopy(tail, 0, head, 16 - tailLength, tailLength);
        return head;
    }

    /**
     * Colon-separated groups of 1 to 4 hex digits.
     *
     * @param endsAddress whether this text ends the address, where a dotted IPv4 address may stand for two groups
     * @return the number of bytes written, or -1 if the text is malformed
     */
    private static int parseGroups(String text, byte[] into, boolean endsAddress) {
        if (text.isEmpty()) {
            return 0;
        }
        int length = 0;
        int start = 0;
        while (true) {
            int colon = text.indexOf(':', start);
            String group = text.substring(start, colon < 0 ? text.length() : colon);
            if (endsAddress && colon < 0 && group.indexOf('.') >= 0) {
                return length <= 12 && parseV4(group, into, length) ? length + 4 : -1;
            }
            if (group.isEmpty() || group.length() > 4 || length == 16) {
                return -1;
            }
            int value = 0;
            for (int i = 0; i < group.length(); i++) {
                int digit = hexDigit(group.charAt(i));
                if (digit < 0) {
                    return -1;
                }
                value = value << 4 | digit;
            }
            into[length++] = (byte) (value >> 8);
            into[length++] = (byte) value;
            if (colon < 0) {
                return length;
            }
            start = colon + 1;
        }
    }

    /**
     * The value of an ASCII hex digit, or -1. Not {@link Character#digit}, which also takes Arabic-Indic, fullwidth
     * and other Unicode digits and letters that no address literal contains.
     */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** ::ffff:a.b.c.d is an IPv4 address written the IPv6 way; Java, and so EventBridge, treat it as IPv4. */
    private static boolean isV4Mapped(byte[] address) {
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[10] == (byte) 0xff && address[11] == (byte) 0xff;
    }
}
