package io.esm4j.idempotency;

/**
 * The idempotency store failed while a batch was being claimed (unreachable, throttled, refused the call); the cause
 * is the store's error. Nothing is claimed then, and nothing is wrong with the records: the same batch can be claimed
 * again later. An engine retries it without counting a retry attempt, since the handler never ran.
 */
public final class IdempotencyStoreException extends RuntimeException {

    public IdempotencyStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
