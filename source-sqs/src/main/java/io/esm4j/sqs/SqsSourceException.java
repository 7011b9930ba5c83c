package io.esm4j.sqs;

import org.jspecify.annotations.Nullable;

/**
 * An SQS call that failed, with a message that names the error code, the queue and the call, e.g.
 * {@code SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. Queue http://.../orders does not exist
 * (ReceiveMessage)}. The mapping shows this message in its state transition reason while it retries.
 */
public final class SqsSourceException extends RuntimeException {

    private final @Nullable String errorCode;
    private final boolean retryable;

    SqsSourceException(@Nullable String errorCode, String message, boolean retryable, Throwable cause) {
        super(message, cause);
        this.errorCode = errorCode;
        this.retryable = retryable;
    }

    /** SQS's error code, e.g. {@code AWS.SimpleQueueService.NonExistentQueue}; {@code null} if SQS was not reached. */
    public @Nullable String errorCode() {
        return errorCode;
    }

    /** True when the same call may succeed later without anyone changing anything (throttling, 5xx, network). */
    public boolean retryable() {
        return retryable;
    }
}
