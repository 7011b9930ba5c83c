package io.esm4j.kafka.internal.schema;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A schema registry's {@code GET <prefix>/schemas/ids/<id>} on 127.0.0.1 and a free port, answering what a test
 * scripted for each id (in turn, the last answer repeating), and 404 with error code 40403 for an id without a script.
 * Over HTTP, or over HTTPS with the server's own TLS context, asking clients for a certificate or not.
 */
public final class FakeSchemaRegistry implements AutoCloseable {

    public record Answer(int status, String body) {}

    /** A request as it came: its path and Authorization header. */
    public record Request(String path, String authorization) {}

    private final HttpServer server;
    private final String prefix;
    private final Map<Integer, Deque<Answer>> answers = new ConcurrentHashMap<>();
    private final Map<String, Answer> subjects = new ConcurrentHashMap<>();
    public final List<Request> requests = new CopyOnWriteArrayList<>();

    public FakeSchemaRegistry(String prefix) throws IOException {
        this(prefix, HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    }

    /** Over HTTPS: {@code server} is {@link io.esm4j.testsupport.TestCertificates.Identity#httpsServer}'s. */
    public FakeSchemaRegistry(String prefix, HttpsServer server) {
        this(prefix, (HttpServer) server);
    }

    private FakeSchemaRegistry(String prefix, HttpServer server) {
        this.prefix = prefix;
        this.server = server;
        server.createContext("/", this::handle);
        server.start();
    }

    public URI uri() {
        String scheme = server instanceof HttpsServer ? "https" : "http";
        return URI.create(scheme + "://127.0.0.1:" + server.getAddress().getPort() + prefix);
    }

    /** Scripts the answers to an id: each request takes the next, the last repeats. */
    public void answer(int id, Answer... inTurn) {
        answers.put(id, new ArrayDeque<>(List.of(inTurn)));
    }

    /** A reference as a registry lists it: the name the schema uses, and the subject version it names. */
    public record Ref(String name, String subject, int version) {}

    public static Answer schema(String schemaType, String schema, Ref... references) {
        String type = schemaType == null ? "" : "\"schemaType\":\"" + schemaType + "\",";
        StringBuilder refs = new StringBuilder();
        for (Ref ref : references) {
            refs.append(refs.isEmpty() ? "" : ",").append("{\"name\":").append(quoted(ref.name()))
                    .append(",\"subject\":").append(quoted(ref.subject())).append(",\"version\":")
                    .append(ref.version()).append("}");
        }
        String listed = references.length == 0 ? "" : ",\"references\":[" + refs + "]";
        return new Answer(200, "{" + type + "\"schema\":" + quoted(schema) + listed + "}");
    }

    /** Scripts {@code GET <prefix>/subjects/<subject>/versions/<version>}; any other subject version is not found. */
    public void answerSubject(String subject, int version, Answer answer) {
        subjects.put(subject + "/" + version, answer);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        requests.add(new Request(path, String.valueOf(exchange.getRequestHeaders().getFirst("Authorization"))));
        Answer answer = new Answer(404, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}");
        String idsPath = prefix + "/schemas/ids/";
        if (path.startsWith(idsPath)) {
            int id = Integer.parseInt(path.substring(idsPath.length()));
            Deque<Answer> scripted = answers.get(id);
            if (scripted == null) {
                answer = new Answer(404, "{\"error_code\":40403,\"message\":\"Schema " + id + " not found\"}");
            } else {
                synchronized (scripted) {
                    answer = scripted.size() > 1 ? scripted.poll() : scripted.peek();
                }
            }
        }
        String subjectsPath = prefix + "/subjects/";
        if (path.startsWith(subjectsPath)) {
            String key = path.substring(subjectsPath.length()).replace("/versions/", "/");
            answer = subjects.getOrDefault(key, new Answer(404, "{\"error_code\":40401,\"message\":\"Subject not "
                    + "found.\"}"));
        }
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/vnd.schemaregistry.v1+json");
        exchange.sendResponseHeaders(answer.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static String quoted(String text) {
        return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
