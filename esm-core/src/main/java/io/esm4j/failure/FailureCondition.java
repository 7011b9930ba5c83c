package io.esm4j.failure;

/** Why records were given up, as written in {@code requestContext.condition}. */
public enum FailureCondition {
    /** MaximumRetryAttempts was reached. */
    RetryAttemptsExhausted,
    /** The records were older than MaximumRecordAgeInSeconds before an invocation (docs/lambda-semantics.md §9). */
    RecordAgeExceeded,
    /**
     * A record's event alone is over Lambda's 6 MB invocation payload, so it was never invoked: Lambda's condition
     * for Kafka records too large to invoke. Only sources that say so give records up for it
     * ({@link io.esm4j.stream.StreamSource#exceedsPayloadLimit}); the others invoke such a record alone.
     */
    MaximumPayloadSizeExceeded
}
