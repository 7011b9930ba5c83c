package io.esm4j.failure;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The on-failure invocation record AWS sends to a destination when a stream mapping gives up a range of records
 * (docs/lambda-semantics.md §3.5). {@link #toJson()} writes the exact JSON shape.
 *
 * @param requestContext  requestId, functionArn, condition and approximateInvokeCount
 * @param responseContext the last invocation's response, absent from the JSON when {@code null}: always for
 *                        conditions whose records were not invoked ({@link FailureCondition#neverInvoked}), and
 *                        for records given up because the filter criteria kept failing on them (never invoked
 *                        either); but {@code "responseContext": null} in a {@code KafkaBatchInfo} record of
 *                        {@link FailureCondition#MaximumPayloadSizeExceeded}, as Lambda writes it
 * @param timestamp       when the records were given up
 * @param batchInfo       which records were given up, in the source's shape ({@code KinesisBatchInfo}, ...)
 * @param records         the given-up records themselves (not part of the JSON; a destination such as S3 may add
 *                        them as {@code payload})
 */
public record FailureRecord(
        RequestContext requestContext,
        @Nullable ResponseContext responseContext,
        Instant timestamp,
        BatchInfo batchInfo,
        List<?> records) {

    public static final String VERSION = "1.0";

    public FailureRecord {
        Objects.requireNonNull(requestContext, "requestContext");
        Objects.requireNonNull(timestamp, "timestamp");
        Objects.requireNonNull(batchInfo, "batchInfo");
        records = List.copyOf(records);
        if (requestContext.condition().neverInvoked() && responseContext != null) {
            // AWS writes no responseContext for records it never invoked; one here would be a false JSON record.
            throw new IllegalArgumentException("responseContext must be null for condition "
                    + requestContext.condition() + " but was " + responseContext);
        }
    }

    /**
     * @param approximateInvokeCount how often the records were sent to the function; 0 for records given up
     *                               before any invocation
     */
    public record RequestContext(String requestId, String functionArn, FailureCondition condition,
                                 int approximateInvokeCount) {

        public RequestContext {
            Objects.requireNonNull(requestId, "requestId");
            Objects.requireNonNull(functionArn, "functionArn");
            Objects.requireNonNull(condition, "condition");
            if (approximateInvokeCount < 0) {
                throw new IllegalArgumentException("approximateInvokeCount must be >= 0 but was "
                        + approximateInvokeCount);
            }
        }
    }

    /**
     * The response of the last invocation, as Lambda's Invoke API gave it. A handler that calls a real function passes
     * its own ({@link io.esm4j.handler.FunctionErrorException}, {@link io.esm4j.handler.BatchResult#withResponse});
     * otherwise the engine writes {@link #unhandled()} after a thrown error and {@link #itemFailures()} after
     * reported item failures, as for a function run in-process.
     *
     * @param statusCode      the Invoke call's HTTP status: 200 for a function that ran, whether it failed or not
     * @param executedVersion the version that ran, Lambda's {@code X-Amz-Executed-Version}: {@code $LATEST}, or
     *                        the number an alias or a version qualifier resolved to
     * @param functionError   Lambda's {@code X-Amz-Function-Error} ({@code "Unhandled"}; {@code "Handled"} from
     *                        older runtimes) when the function failed, {@code null} when it reported item failures
     */
    public record ResponseContext(int statusCode, String executedVersion, @Nullable String functionError) {

        public ResponseContext {
            Objects.requireNonNull(executedVersion, "executedVersion");
            if (executedVersion.isBlank()) {
                throw new IllegalArgumentException("executedVersion must be a version such as $LATEST or 3 but was '"
                        + executedVersion + "'");
            }
        }

        /** A function error of an in-process handler: 200, {@code $LATEST}, {@code Unhandled}. */
        public static ResponseContext unhandled() {
            return new ResponseContext(200, "$LATEST", "Unhandled");
        }

        /** Item failures reported by an in-process handler: 200, {@code $LATEST}, no function error. */
        public static ResponseContext itemFailures() {
            return new ResponseContext(200, "$LATEST", null);
        }
    }

    public String toJson() {
        return FailureRecordJson.write(this);
    }
}
