package io.esm4j.redis;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * What an idempotency key becomes in a Redis key: itself, unless it has a lone surrogate (a payload's JSON can spell
 * one, and Jackson reads it into the key as it is). UTF-8, the form Lettuce sends, has none: such a key would arrive
 * with '?' in its place, two keys would become one, and the second record would be skipped as a duplicate. Such a
 * key is stored as {@value #DIGEST_MARK} and the SHA-256 (hex) of its UTF-16 code units, which hold any Java string
 * exactly; so is a key that starts with the mark, so that no key kept as it is can equal another key's digest.
 */
final class StoredKey {

    static final String DIGEST_MARK = "esm4j-sha256:";

    private StoredKey() {}

    static String of(String key) {
        return key.startsWith(DIGEST_MARK) || !wellFormed(key) ? DIGEST_MARK + sha256(key) : key;
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
