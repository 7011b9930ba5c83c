package io.esm4j.idempotency;

/**
 * No usable idempotency key could be taken from a record. Its message names the record by its natural id, never by
 * its payload.
 */
public final class IdempotencyKeyException extends RuntimeException {

    public IdempotencyKeyException(String message) {
        super(message);
    }

    /** @param cause what a key function threw on the record */
    public IdempotencyKeyException(String message, Throwable cause) {
        super(message, cause);
    }
}
