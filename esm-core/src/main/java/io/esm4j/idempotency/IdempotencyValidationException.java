package io.esm4j.idempotency;

/**
 * Payload validation found a record whose key was already used for a different payload. The record is not skipped
 * silently: either the key does not identify one event, or the event changed, and both need a person to look.
 */
public final class IdempotencyValidationException extends RuntimeException {

    private final String key;
    private final String expectedHash;
    private final String actualHash;

    public IdempotencyValidationException(String key, String expectedHash, String actualHash) {
        super("Payload validation failed for idempotency key '" + key + "': its payload differs from the payload "
                + "already seen under that key (SHA-256 " + expectedHash + " expected, " + actualHash + " received). "
                + "Expected the same payload for the same key; check that the key identifies one event.");
        this.key = key;
        this.expectedHash = expectedHash;
        this.actualHash = actualHash;
    }

    /** The key as the store holds it, in its namespace ({@code namespace:key}): what a person looks up. */
    public String key() {
        return key;
    }

    /** SHA-256 hex of the payload seen first under the key. */
    public String expectedHash() {
        return expectedHash;
    }

    /** SHA-256 hex of the payload that differs from it. */
    public String actualHash() {
        return actualHash;
    }
}
