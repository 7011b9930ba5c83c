package io.esm4j.worker.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local mode's HTTP function: takes the event JSON the worker POSTs, as a function behind a URL would, and
 * answers Lambda's batch response. It takes SQS events (the message bodies) and Kinesis events (the records' data)
 * and counts records by the event's {@code eventSource}.
 */
final class DemoHttpFunction implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, AtomicInteger> handled = new ConcurrentHashMap<>();

    DemoHttpFunction() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/function", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                JsonNode event = JSON.readTree(in);
                List<String> payloads = new ArrayList<>();
                String source = event.path("Records").path(0).path("eventSource").asText("");
                event.path("Records").forEach(record -> payloads.add(record.has("kinesis")
                        ? new String(Base64.getDecoder().decode(record.path("kinesis").path("data").asText()),
                        StandardCharsets.UTF_8) : record.path("body").asText()));
                System.out.println("[http function] " + source + " batch of " + payloads.size() + ": " + payloads);
                handled(source).addAndGet(payloads.size());
                byte[] response = "{\"batchItemFailures\":[]}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, response.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response);
                }
            }
        });
        server.start();
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/function");
    }

    /** The records received from one event source, e.g. {@code aws:sqs}. */
    AtomicInteger handled(String eventSource) {
        return handled.computeIfAbsent(eventSource, source -> new AtomicInteger());
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
