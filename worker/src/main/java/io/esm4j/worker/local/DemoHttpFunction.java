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
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The local mode's HTTP function: takes the event JSON the worker POSTs, as a function behind a URL would, and
 * answers Lambda's batch response.
 */
final class DemoHttpFunction implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    final AtomicInteger handled = new AtomicInteger();

    DemoHttpFunction() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/function", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                JsonNode event = JSON.readTree(in);
                List<String> bodies = new ArrayList<>();
                event.path("Records").forEach(record -> bodies.add(record.path("body").asText()));
                System.out.println("[http function] batch of " + bodies.size() + ": " + bodies);
                handled.addAndGet(bodies.size());
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

    @Override
    public void close() {
        server.stop(0);
    }
}
