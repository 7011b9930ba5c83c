package io.esm4j.dynamodb;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Set;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The attributes of an idempotency item. {@code expiry} is the instant the entry stops counting, as a decimal
 * number of epoch seconds with every nanosecond kept ({@code 1767225900.5}), so that conditions compare it exactly as
 * the in-memory store compares instants; the TTL attribute is the same instant in whole seconds rounded up, the form
 * DynamoDB's TTL wants, so that TTL never deletes an entry that still counts.
 *
 * <p>{@code id} is the idempotency key itself where DynamoDB can hold it exactly; otherwise {@value #DIGEST_MARK}
 * followed by the SHA-256 (hex) of the key's UTF-16 code units. See {@link #id(String)}.
 */
final class IdempotencyItems {

    static final String ID = "id";
    static final String STATUS = "status";
    static final String OWNER = "owner";
    static final String EXPIRY = "expiry";
    static final String PAYLOAD_HASH = "payloadHash";
    static final Set<String> ATTRIBUTES = Set.of(ID, STATUS, OWNER, EXPIRY, PAYLOAD_HASH);

    /** Starts the {@code id} of a key stored as its digest; a key that starts with it is stored as its digest too. */
    static final String DIGEST_MARK = "esm4j-sha256:";
    /** DynamoDB's limit on a partition key's value, in UTF-8 bytes. */
    static final int MAX_ID_BYTES = 2048;

    static final String IN_PROGRESS = "INPROGRESS";
    static final String COMPLETED = "COMPLETED";

    private IdempotencyItems() {}

    /**
     * The {@code id} of a key: the key itself, unless DynamoDB cannot hold it exactly, then its digest. A key longer
     * than {@value #MAX_ID_BYTES} UTF-8 bytes would be refused on every call, and the engine retries a batch whose
     * claim failed without counting an attempt, so the shard would stall on the record. A key with a lone surrogate
     * (a payload's JSON can spell one) has no UTF-8 form: sent as it is, it arrives as '?' or U+FFFD, and two keys
     * would become one, the second record skipped as a duplicate. The digest is over the UTF-16 code units, which
     * hold any Java string exactly. Keys that start with {@value #DIGEST_MARK} are digested too, so that no key kept
     * as it is can equal another key's digest.
     */
    static String id(String key) {
        if (key.startsWith(DIGEST_MARK) || !wellFormed(key) || utf8Length(key) > MAX_ID_BYTES) {
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
        try {
            // Not getBytes(UTF_16BE): its encoder replaces a lone surrogate too.
            ByteBuffer units = ByteBuffer.allocate(key.length() * 2);
            units.asCharBuffer().put(key);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(units.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM; every Java platform has it", e);
        }
    }

    static AttributeValue instant(Instant instant) {
        return AttributeValue.fromN(BigDecimal.valueOf(instant.getEpochSecond())
                .add(BigDecimal.valueOf(instant.getNano(), 9)).stripTrailingZeros().toPlainString());
    }

    static Instant instant(AttributeValue value) {
        BigDecimal number = new BigDecimal(value.n());
        long seconds = number.setScale(0, java.math.RoundingMode.FLOOR).longValueExact();
        int nanos = number.subtract(BigDecimal.valueOf(seconds)).movePointRight(9).intValueExact();
        return Instant.ofEpochSecond(seconds, nanos);
    }

    static AttributeValue ttlSeconds(Instant instant) {
        return AttributeValue.fromN(Long.toString(instant.getEpochSecond() + (instant.getNano() > 0 ? 1 : 0)));
    }
}
