package io.esm4j.worker.http;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;

/**
 * The one limit on a mapping API request's body, with or without {@code --api-keys}: larger than any mapping request,
 * and small enough that a caller cannot make the worker hold an unbounded body in memory (a signature is checked over
 * the whole body, and the JSON is parsed from it, so the body is held).
 */
final class RequestBodies {

    static final int MAX_BYTES = 1024 * 1024;

    private RequestBodies() {}

    /** Thrown when a body passes {@link #MAX_BYTES}; answered with {@link #tooLarge}. */
    static final class TooLargeException extends IOException {
        TooLargeException() {
            super("the request body is larger than " + MAX_BYTES + " bytes");
        }
    }

    /** Refuses, before anything is read, a body whose Content-Length is over the limit. */
    static void checkDeclaredLength(HttpExchange exchange) throws TooLargeException {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        if (length == null) {
            return;
        }
        try {
            if (Long.parseLong(length.strip()) > MAX_BYTES) {
                throw new TooLargeException();
            }
        } catch (NumberFormatException e) {
            // Not a length the JDK's server would have taken; reading is cut at the limit anyway.
        }
    }

    /** The whole body, at most {@link #MAX_BYTES} (a chunked body is cut there and refused). */
    static byte[] read(HttpExchange exchange) throws IOException {
        checkDeclaredLength(exchange);
        // Not closed here: closing skips what is left of a body, which waits for a client that stopped sending;
        // the exchange's close does it once the answer is out.
        byte[] body = exchange.getRequestBody().readNBytes(MAX_BYTES + 1);
        if (body.length > MAX_BYTES) {
            throw new TooLargeException();
        }
        return body;
    }

    /** Lambda's answer to a request over its limit: 413 RequestTooLargeException. */
    static void tooLarge(HttpExchange exchange) throws IOException {
        Exchanges.error(exchange, 413, "RequestTooLargeException", "The request body is larger than " + MAX_BYTES
                + " bytes.");
    }
}
