package io.esm4j.worker.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Reading requests and writing responses on the JDK's HTTP server. */
final class Exchanges {

    static final ObjectMapper JSON = new ObjectMapper();
    /**
     * The codes whose error shape in Lambda's API model names its message {@code Message}; the others the worker
     * answers with (InvalidParameterValueException, ResourceConflictException, InvalidRequestContentException,
     * RequestTooLargeException, and the authentication errors) name it {@code message}.
     */
    private static final Set<String> CAPITAL_MESSAGE = Set.of("ResourceNotFoundException", "ResourceInUseException",
            "ServiceException");

    private Exchanges() {}

    static void send(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        // A HEAD request gets the headers only: the JDK's server gives it no body to write to.
        boolean withBody = bytes.length > 0 && !exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(status, withBody ? bytes.length : -1);
        if (withBody) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
        exchange.close();
    }

    static void json(HttpExchange exchange, int status, JsonNode body) throws IOException {
        send(exchange, status, "application/json", JSON.writeValueAsString(body));
    }

    /**
     * Lambda's error shape: the error code in {@code X-Amzn-ErrorType} (where the AWS SDKs and CLI read it) and
     * {@code {"Type": "User", "message": "..."}} as the body: the members of Lambda's error shape for that code,
     * whose message is {@code Message} for some codes and {@code message} for others (boto3 puts them into
     * {@code e.response} under those names; the SDKs read either as the error's message).
     */
    static void error(HttpExchange exchange, int status, String code, String message) throws IOException {
        exchange.getResponseHeaders().set("X-Amzn-ErrorType", code);
        Map<String, String> body = new LinkedHashMap<>();
        body.put("Type", status >= 500 ? "Service" : "User");
        body.put(CAPITAL_MESSAGE.contains(code) ? "Message" : "message", message);
        send(exchange, status, "application/json", JSON.writeValueAsString(body));
    }

    static Map<String, String> query(HttpExchange exchange) {
        Map<String, String> values = new LinkedHashMap<>();
        String raw = exchange.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return values;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            values.put(name, value);
        }
        return values;
    }
}
