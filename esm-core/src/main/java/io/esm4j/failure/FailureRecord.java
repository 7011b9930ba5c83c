package io.esm4j.failure;

import java.time.Instant;
import java.util.List;

/**
 * The on-failure invocation record AWS sends to a destination when a stream mapping gives up a range of records
 * (docs/lambda-semantics.md §3.5). {@link #toJson()} writes the exact JSON shape.
 *
 * @param requestContext  requestId, functionArn, condition and approximateInvokeCount
 * @param responseContext the last invocation's response; {@code null} for {@link FailureCondition#RecordAgeExceeded},
 *                        whose records were not invoked, and then absent from the JSON
 * @param timestamp       when the records were given up
 * @param batchInfo       which records were given up, in the source's shape ({@code KinesisBatchInfo}, ...)
 * @param records         the given-up records themselves (not part of the JSON; a destination such as S3 may add
 *                        them as {@code payload})
 */
public record FailureRecord(
        RequestContext requestContext,
        ResponseContext responseContext,
        Instant timestamp,
        BatchInfo batchInfo,
        List<?> records) {

    public static final String VERSION = "1.0";

    public FailureRecord {
        records = List.copyOf(records);
    }

    public record RequestContext(String requestId, String functionArn, FailureCondition condition,
                                 int approximateInvokeCount) {}

    /**
     * @param functionError {@code "Unhandled"} when the handler threw, {@code null} when it reported item failures
     */
    public record ResponseContext(int statusCode, String executedVersion, String functionError) {

        public static ResponseContext unhandled() {
            return new ResponseContext(200, "$LATEST", "Unhandled");
        }

        public static ResponseContext itemFailures() {
            return new ResponseContext(200, "$LATEST", null);
        }
    }

    public String toJson() {
        return FailureRecordJson.write(this);
    }
}
