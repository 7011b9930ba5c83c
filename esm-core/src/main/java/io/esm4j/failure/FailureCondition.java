package io.esm4j.failure;

/** Why records were given up, as written in {@code requestContext.condition}. */
public enum FailureCondition {
    /** MaximumRetryAttempts was reached. */
    RetryAttemptsExhausted,
    /** The records were older than MaximumRecordAgeInSeconds before an invocation (docs/lambda-semantics.md §9). */
    RecordAgeExceeded
}
