package io.esm4j.testing;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.SortedMap;
import org.jspecify.annotations.Nullable;

/** The hashes SQS puts on a message, computed the way SQS does so that SDK-style checks pass. */
final class Digests {

    private static final HexFormat HEX = HexFormat.of();

    private Digests() {}

    static String md5Hex(byte[] bytes) {
        return HEX.formatHex(digest("MD5").digest(bytes));
    }

    /** The deduplication id of FIFO content-based deduplication: SHA-256 of the body, attributes not included. */
    static String sha256Hex(String body) {
        return HEX.formatHex(digest("SHA-256").digest(body.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * SQS's MD5OfMessageAttributes: for each attribute in name order, the name, the data type, a transport type byte
     * and the value, each string or value preceded by its length as a 4-byte big-endian int. {@code null} without
     * attributes, as in Lambda's events.
     */
    static @Nullable String md5OfAttributes(SortedMap<String, MessageAttribute> attributes) {
        if (attributes.isEmpty()) {
            return null;
        }
        MessageDigest md5 = digest("MD5");
        attributes.forEach((name, attribute) -> {
            updateWithLength(md5, name.getBytes(StandardCharsets.UTF_8));
            updateWithLength(md5, attribute.dataType().getBytes(StandardCharsets.UTF_8));
            md5.update(attribute.transportType());
            updateWithLength(md5, attribute.valueBytes());
        });
        return HEX.formatHex(md5.digest());
    }

    private static void updateWithLength(MessageDigest digest, byte[] bytes) {
        digest.update(ByteBuffer.allocate(Integer.BYTES).putInt(bytes.length).array());
        digest.update(bytes);
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime must provide " + algorithm, e);
        }
    }
}
