package io.esm4j.worker.invoke;

/**
 * The function answered with an error (Lambda's {@code X-Amz-Function-Error}, or a non-retryable HTTP status): the
 * whole batch failed. The message names the error type, never the payload.
 */
public final class FunctionErrorException extends Exception {

    private static final long serialVersionUID = 1L;

    public FunctionErrorException(String message) {
        super(message);
    }
}
