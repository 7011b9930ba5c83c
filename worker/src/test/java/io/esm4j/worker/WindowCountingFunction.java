package io.esm4j.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * An HTTP function for tumbling windows, on 127.0.0.1 and a free port: it counts the records of each window in its
 * state ({@code {"state": {"count": n}}}, a JSON number) as a Lambda function would, and keeps every event it got.
 */
final class WindowCountingFunction implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    WindowCountingFunction() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/fn", exchange -> {
            try (exchange; InputStream in = exchange.getRequestBody()) {
                JsonNode event = JSON.readTree(in);
                events.add(event);
                ObjectNode response = JSON.createObjectNode();
                response.putObject("state").put("count", event.path("state").path("count").asInt(0)
                        + event.path("Records").size());
                byte[] body = JSON.writeValueAsBytes(response);
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/fn";
    }

    /** The counts the final invocations of all windows carried: the records of every closed window. */
    int finalCount() {
        return events.stream().filter(event -> event.path("isFinalInvokeForWindow").asBoolean())
                .mapToInt(event -> event.path("state").path("count").asInt()).sum();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
