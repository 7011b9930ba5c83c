package io.esm4j.handler;

import io.esm4j.failure.FailureRecord.ResponseContext;

/**
 * Thrown by a handler to say that the function ran and failed, with the Invoke response that said so: a handler that
 * calls a real Lambda function passes the call's status code, {@code X-Amz-Executed-Version} and
 * {@code X-Amz-Function-Error}, which the on-failure destination's record then shows as its {@code responseContext}
 * (when retries run out after this error), as Lambda's own records do. A function behind an alias then shows the
 * version that failed rather than {@code $LATEST}.
 *
 * <p>Otherwise it is a function error like any other exception a handler throws (which gives
 * {@link ResponseContext#unhandled()}): the whole batch failed, and is retried, bisected and given up as the
 * mapping's settings say. As for {@link FunctionNotInvokedException}, only this exception thrown by the handler itself
 * counts, not one found among the causes of another. Unchecked, so that a Lambda {@code RequestHandler} run through
 * an adapter can throw it too.
 */
public final class FunctionErrorException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    // The response's fields rather than the record: an exception is Serializable, the record is not.
    private final int statusCode;
    private final String executedVersion;
    private final String functionError;

    /**
     * A function error without an Invoke response to report: the failure record shows
     * {@link ResponseContext#unhandled()}.
     *
     * @param message what failed; it is logged, so no payloads and no credentials
     */
    public FunctionErrorException(String message) {
        this(message, ResponseContext.unhandled());
    }

    /**
     * @param message  what failed; it is logged, so no payloads and no credentials
     * @param response the Invoke response; its {@code functionError} must be set, as a function error's always is
     */
    public FunctionErrorException(String message, ResponseContext response) {
        super(message);
        String error = response.functionError();
        if (error == null || error.isBlank()) {
            throw new IllegalArgumentException("a function error's response must have a functionError such as "
                    + "Unhandled but was " + response);
        }
        this.statusCode = response.statusCode();
        this.executedVersion = response.executedVersion();
        this.functionError = error;
    }

    /** The Invoke response, the {@code responseContext} of the failure record if the batch is given up after it. */
    public ResponseContext response() {
        return new ResponseContext(statusCode, executedVersion, functionError);
    }
}
