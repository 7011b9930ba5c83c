package io.esm4j.dynamodbstreams.wire;

/**
 * An error as DynamoDB Streams answers it: an HTTP status and a JSON body {@code {"__type": ..., "message": ...}}.
 * The SDK maps the part of {@code __type} after '#' to its exception classes (TrimmedDataAccessException,
 * ResourceNotFoundException, ExpiredIteratorException, LimitExceededException, InternalServerError); others arrive as
 * a plain DynamoDbException with that error code.
 */
final class WireError extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private static final String DYNAMODB = "com.amazonaws.dynamodb.v20120810#";

    private final String type;
    private final int status;

    private WireError(String type, int status, String message) {
        super(message, null, false, false);
        this.type = type;
        this.status = status;
    }

    static WireError resourceNotFound(String what) {
        return new WireError(DYNAMODB + "ResourceNotFoundException", 400, "Requested resource not found: " + what);
    }

    static WireError expiredIterator(String message) {
        return new WireError(DYNAMODB + "ExpiredIteratorException", 400, message);
    }

    static WireError trimmedDataAccess() {
        return new WireError(DYNAMODB + "TrimmedDataAccessException", 400,
                "The operation attempted to read past the oldest stream record in a shard.");
    }

    static WireError limitExceeded() {
        return new WireError(DYNAMODB + "LimitExceededException", 400,
                "Too many concurrent requests on the shard; the request rate is limited. Retry later.");
    }

    static WireError internalServerError() {
        return new WireError(DYNAMODB + "InternalServerError", 500, "Internal server error");
    }

    static WireError throttling() {
        return new WireError("com.amazon.coral.availability#ThrottlingException", 400, "Rate exceeded");
    }

    static WireError validation(String message) {
        return new WireError("com.amazon.coral.validate#ValidationException", 400, message);
    }

    static WireError unknownOperation(String target) {
        return new WireError("com.amazon.coral.service#UnknownOperationException", 400,
                "The operation " + target + " is not known to this endpoint.");
    }

    static WireError serialization(String message) {
        return new WireError("com.amazon.coral.service#SerializationException", 400, message);
    }

    static WireError missingAuthentication() {
        return new WireError("com.amazon.coral.service#MissingAuthenticationTokenException", 400,
                "Request is missing Authentication Token");
    }

    String type() {
        return type;
    }

    int status() {
        return status;
    }
}
