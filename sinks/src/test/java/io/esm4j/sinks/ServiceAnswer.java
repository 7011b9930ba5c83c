package io.esm4j.sinks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;

/**
 * An answer of a loopback stand-in for SQS, SNS or S3: a status, a content type, a body and further headers, and the
 * services' error shapes as they word them (SQS's JSON protocol, SNS's and S3's XML), which the SDK maps to its
 * exceptions.
 */
record ServiceAnswer(int status, String contentType, String body, Map<String, String> headers) {

    ServiceAnswer(int status, String contentType, String body) {
        this(status, contentType, body, Map.of());
    }

    /** This answer with one more header. */
    ServiceAnswer withHeader(String name, String value) {
        Map<String, String> more = new HashMap<>(headers);
        more.put(name, value);
        return new ServiceAnswer(status, contentType, body, Map.copyOf(more));
    }

    /** A stand-in on a free loopback port that answers every request with {@code handler}, started. */
    static HttpServer startStandIn(HttpHandler handler) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", handler);
        server.start();
        return server;
    }

    static URI endpoint(HttpServer standIn) {
        return URI.create("http://127.0.0.1:" + standIn.getAddress().getPort());
    }

    static ServiceAnswer sqsError(int status, String type, String message) {
        return new ServiceAnswer(status, "application/x-amz-json-1.0",
                "{\"__type\":\"com.amazonaws.sqs#" + type + "\",\"message\":\"" + message + "\"}");
    }

    static ServiceAnswer snsError(int status, String code, String message) {
        return new ServiceAnswer(status, "text/xml", "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">"
                + "<Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + message + "</Message></Error>"
                + "<RequestId>42</RequestId></ErrorResponse>");
    }

    static ServiceAnswer s3Error(int status, String code, String message) {
        return new ServiceAnswer(status, "application/xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                + code + "</Code><Message>" + message + "</Message><RequestId>42</RequestId><HostId>h</HostId></Error>");
    }

    /** Sends this answer on {@code exchange} (no body for an empty one). */
    void writeTo(HttpExchange exchange) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }
}
