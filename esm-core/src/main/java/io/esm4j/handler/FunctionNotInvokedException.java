package io.esm4j.handler;

import org.jspecify.annotations.Nullable;

/**
 * Thrown by a handler to say that the function was never reached: it was throttled (Lambda's 429
 * {@code TooManyRequestsException}), the service in front of it failed (a 5xx without {@code X-Amz-Function-Error}),
 * or the call could not be made at all. No record of the batch was processed.
 *
 * <p>Lambda does not count such an error before the function runs as a retry attempt, and neither does esm4j: on a
 * stream (Kinesis, DynamoDB Streams, Kafka) the whole batch is retried after a backoff, as it is, without using up
 * {@code MaximumRetryAttempts}, without bisection and without counting in {@code approximateInvokeCount}, until it
 * succeeds or its records are older than {@code MaximumRecordAgeInSeconds} or the stream's retention (then they go
 * to the on-failure destination with condition {@code RecordAgeExceeded}). On a queue nothing is deleted: the
 * messages come back after their visibility timeout, as for any failed batch. Either way the batch counts in
 * {@code FailedInvokeEventCount}, as an invocation Lambda tried and could not make does, and
 * {@code lastProcessingResult} says {@code PROBLEM: Function not invoked}.
 *
 * <p>An exception rather than a {@link BatchResult}: a result is the function's answer, and here there is none. The
 * condition is usually found deep in a client (an HTTP status), where throwing is the natural way out, and it always
 * concerns the whole batch. Any other exception is a function error. Only this exception itself counts, thrown by
 * the handler, not one found among the causes of another: a function that failed because something it called was
 * throttled did run. Unchecked, so that a Lambda {@code RequestHandler} run through an adapter can throw it too.
 */
public final class FunctionNotInvokedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    /** @param message what kept the function from running; it is logged, so no payloads and no credentials */
    public FunctionNotInvokedException(String message) {
        super(message);
    }

    /** @param message what kept the function from running; it is logged, so no payloads and no credentials */
    public FunctionNotInvokedException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }
}
