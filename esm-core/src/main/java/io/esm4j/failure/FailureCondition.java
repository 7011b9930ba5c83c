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
    MaximumPayloadSizeExceeded,
    /**
     * The record names a schema its mapping's schema registry does not have, so it was never invoked
     * ({@link io.esm4j.stream.StreamRecord#rejected}): Lambda gives such Kafka records up as SCHEMA_NOT_FOUND. The
     * condition's text in Lambda's failure record is not documented; this is esm4j's.
     */
    SchemaNotFound,
    /**
     * The record does not decode with the schema it names, so it was never invoked
     * ({@link io.esm4j.stream.StreamRecord#rejected}): Lambda gives such Kafka records up as DESERIALIZATION_ERROR.
     * The condition's text in Lambda's failure record is not documented; this is esm4j's.
     */
    DeserializationError;

    /**
     * Whether a failure record of this condition has no responseContext: its records were not invoked in the attempt
     * that gave them up (too old for another one, or never invoked at all).
     */
    public boolean neverInvoked() {
        return this != RetryAttemptsExhausted;
    }
}
