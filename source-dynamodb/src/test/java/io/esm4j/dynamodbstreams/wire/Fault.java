package io.esm4j.dynamodbstreams.wire;

/** A failure a test can make the endpoint answer on demand (see {@link DynamoDbStreamsWireServer#failNext}). */
public enum Fault {
    /** {@code LimitExceededException}, HTTP 400: DynamoDB Streams' answer to too many reads of a shard. */
    LIMIT_EXCEEDED,
    /** {@code ThrottlingException}, HTTP 400: the request-rate throttle every AWS JSON service may answer with. */
    THROTTLING,
    /** {@code InternalServerError}, HTTP 500. */
    INTERNAL_SERVER_ERROR;

    WireError error() {
        return switch (this) {
            case LIMIT_EXCEEDED -> WireError.limitExceeded();
            case THROTTLING -> WireError.throttling();
            case INTERNAL_SERVER_ERROR -> WireError.internalServerError();
        };
    }
}
