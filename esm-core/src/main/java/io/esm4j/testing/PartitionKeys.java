package io.esm4j.testing;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * How Kinesis places a record by its partition key, for the {@link InMemoryStream}: the key must have 1 to 256
 * Unicode characters, and its 128-bit MD5 hash picks the open shard whose hash range holds it.
 */
final class PartitionKeys {

    /** The largest hash key: shards' hash ranges together cover 0 to this. */
    static final BigInteger MAX_HASH = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);
    static final int MAX_CHARACTERS = 256;

    private PartitionKeys() {}

    /**
     * The key's place in the shards' hash ranges.
     *
     * @throws IllegalArgumentException if the key is null or not 1 to 256 Unicode characters
     */
    static BigInteger hash(String partitionKey) {
        check(partitionKey);
        try {
            byte[] digest = MessageDigest.getInstance("MD5").digest(partitionKey.getBytes(StandardCharsets.UTF_8));
            return new BigInteger(1, digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JVM", e);
        }
    }

    /** Kinesis counts a key's Unicode characters, so one outside the BMP counts once, not as two UTF-16 chars. */
    private static void check(String partitionKey) {
        if (partitionKey == null) {
            throw new IllegalArgumentException("partitionKey must have 1 to " + MAX_CHARACTERS
                    + " Unicode characters but was null");
        }
        int characters = partitionKey.codePointCount(0, partitionKey.length());
        if (characters < 1 || characters > MAX_CHARACTERS) {
            String shown = characters <= 40 ? partitionKey
                    : partitionKey.substring(0, partitionKey.offsetByCodePoints(0, 40)) + "…";
            throw new IllegalArgumentException("partitionKey must have 1 to " + MAX_CHARACTERS
                    + " Unicode characters but had " + characters + " characters: '" + shown + "'");
        }
    }
}
