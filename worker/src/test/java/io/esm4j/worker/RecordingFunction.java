package io.esm4j.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * A plain HTTP function on loopback that records the SQS message bodies or Kinesis data it receives; it can be
 * held, so that batches stay in flight until a test releases them.
 */
final class RecordingFunction implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    final List<String> received = new CopyOnWriteArrayList<>();
    final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    final java.util.Set<String> distinct = ConcurrentHashMap.newKeySet();
    /** The Authorization headers of the invocations (a URL's user info is sent as Basic authentication). */
    final java.util.Set<String> authorizations = ConcurrentHashMap.newKeySet();
    private volatile Semaphore gate = null;
    final Semaphore entered = new Semaphore(0);
    final java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();

    RecordingFunction() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/fn", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                JsonNode event = JSON.readTree(in);
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                if (authorization != null) {
                    authorizations.add(authorization);
                }
                entered.release();
                Semaphore held = gate;
                if (held != null) {
                    try {
                        held.acquire();
                        held.release();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                int size = 0;
                for (JsonNode record : event.path("Records")) {
                    String body = record.has("body") ? record.path("body").asText()
                            : new String(java.util.Base64.getDecoder().decode(record.path("kinesis").path("data")
                                    .asText()), StandardCharsets.UTF_8);
                    received.add(body);
                    distinct.add(body);
                    size++;
                }
                batchSizes.add(size);
                byte[] response = "{\"batchItemFailures\":[]}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(200, response.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(response);
                }
            }
        });
        server.createContext("/fail", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
                failed.incrementAndGet();
                exchange.sendResponseHeaders(400, -1);
            }
        });
        server.start();
    }

    /** A function that always fails (HTTP 400, a function error). */
    URI failingUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/fail");
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/fn");
    }

    /** Holds every invocation until {@link #release()}. */
    void hold() {
        gate = new Semaphore(0);
    }

    void release() {
        Semaphore held = gate;
        gate = null;
        if (held != null) {
            held.release();
        }
    }

    @Override
    public void close() {
        release();
        server.stop(0);
    }
}
