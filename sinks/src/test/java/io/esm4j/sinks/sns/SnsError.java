package io.esm4j.sinks.sns;

/** An error SNS answers with: its code and HTTP status from the API reference, and a message. */
final class SnsError extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String code;
    private final int status;

    private SnsError(String code, int status, String message) {
        super(message, null, false, false);
        this.code = code;
        this.status = status;
    }

    static SnsError invalidParameter(String message) {
        return new SnsError("InvalidParameter", 400, message);
    }

    static SnsError notFound(String message) {
        return new SnsError("NotFound", 404, message);
    }

    static SnsError throttled() {
        return new SnsError("Throttled", 429, "Rate exceeded");
    }

    static SnsError invalidAction(String action) {
        return new SnsError("InvalidAction", 400, "The action " + action + " is not valid for this web service.");
    }

    static SnsError missingAction() {
        return new SnsError("MissingAction", 400, "The request must contain the parameter Action.");
    }

    String code() {
        return code;
    }

    int status() {
        return status;
    }
}
