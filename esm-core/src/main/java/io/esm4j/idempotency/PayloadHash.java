package io.esm4j.idempotency;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.jspecify.annotations.Nullable;

/** SHA-256 of a payload, as lower-case hex. */
final class PayloadHash {

    // Cloning a prototype skips the provider lookup that MessageDigest.getInstance does on every call.
    private static final MessageDigest PROTOTYPE;

    static {
        try {
            PROTOTYPE = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private PayloadHash() {}

    /** A {@code null} payload hashes like an empty one: both mean "no body". */
    static String sha256Hex(byte @Nullable [] payload) {
        MessageDigest digest;
        try {
            digest = (MessageDigest) PROTOTYPE.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 MessageDigest of this JDK can't be cloned", e);
        }
        return HexFormat.of().formatHex(digest.digest(payload == null ? new byte[0] : payload));
    }
}
