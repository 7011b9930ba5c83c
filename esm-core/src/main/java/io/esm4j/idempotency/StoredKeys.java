package io.esm4j.idempotency;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * For {@link IdempotencyStore} implementations: the form of an idempotency key that a store can hold exactly. A key
 * is any non-blank Java string, and some cannot be sent as they are: one with a lone surrogate (a payload's JSON can
 * spell one) has no UTF-8 form, so a client would send '?' or U+FFFD in its place and two keys would become one, the
 * second record skipped as a duplicate; and a store may limit a key's length. Such a key is stored as
 * {@value #DIGEST_MARK} followed by the SHA-256 (hex) of its UTF-16 code units, which hold any Java string exactly. So
 * is a key that starts with the mark, so that no key kept as it is can equal another key's digest.
 */
public final class StoredKeys {

    /** Starts a key stored as its digest. */
    public static final String DIGEST_MARK = "esm4j-sha256:";

    private StoredKeys() {}

    /**
     * The key itself if it is well-formed UTF-16, does not start with {@link #DIGEST_MARK} and has at most
     * {@code maxUtf8Bytes} bytes in UTF-8; otherwise its digest form.
     */
    public static String storable(String key, long maxUtf8Bytes) {
        if (key.startsWith(DIGEST_MARK) || !wellFormed(key) || utf8Length(key) > maxUtf8Bytes) {
            return DIGEST_MARK + sha256(key);
        }
        return key;
    }

    private static boolean wellFormed(String key) {
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < key.length() && Character.isLowSurrogate(key.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return false;
            }
        }
        return true;
    }

    /** The UTF-8 length of a well-formed string, without encoding it (a key can be many kilobytes). */
    private static long utf8Length(String key) {
        long bytes = 0;
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            bytes += c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isSurrogate(c) ? 2 : 3;
        }
        return bytes;
    }

    private static String sha256(String key) {
        // Not getBytes(UTF_16BE): its encoder replaces a lone surrogate too.
        ByteBuffer units = ByteBuffer.allocate(key.length() * 2);
        units.asCharBuffer().put(key);
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(units.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM; every Java platform has it", e);
        }
    }
}
