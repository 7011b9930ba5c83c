package io.esm4j.kafka.internal.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.Deflater;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;

/**
 * AWS Glue's {@code GetSchemaVersion} (the JSON 1.1 protocol the SDK speaks) on 127.0.0.1 and a free port, answering
 * the schema versions a test registered, and EntityNotFoundException for any other id; with the framing Glue's
 * serializers write.
 */
public final class FakeGlueRegistry implements AutoCloseable {

    public static final String ACCOUNT = "123456789012";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final Map<String, Map<String, Object>> versions = new ConcurrentHashMap<>();
    /** The SchemaVersionId of each call, in order. */
    public final List<String> requests = new CopyOnWriteArrayList<>();

    public FakeGlueRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A client of this endpoint, as a user would build one (fake credentials: nothing checks them). */
    public GlueClient client() {
        return GlueClient.builder().region(Region.US_EAST_1).endpointOverride(URI.create("http://127.0.0.1:"
                        + server.getAddress().getPort()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "y"))).build();
    }

    public static String registryArn(String registry) {
        return "arn:aws:glue:us-east-1:" + ACCOUNT + ":registry/" + registry;
    }

    /** Registers a schema version of schema {@code schema} in {@code registry}; returns its id. */
    public UUID register(String registry, String schema, String dataFormat, String definition, String status) {
        UUID id = UUID.randomUUID();
        versions.put(id.toString(), Map.of("SchemaVersionId", id.toString(), "SchemaDefinition", definition,
                "DataFormat", dataFormat, "SchemaArn", "arn:aws:glue:us-east-1:" + ACCOUNT + ":schema/" + registry + "/"
                        + schema, "VersionNumber", 1, "Status", status));
        return id;
    }

    /** As Glue's serializers frame a payload: version byte 3, compression (0, or 5 for zlib), the id, the payload. */
    public static byte[] framed(UUID id, byte[] payload, boolean zlib) {
        byte[] body = payload;
        if (zlib) {
            Deflater deflater = new Deflater();
            deflater.setInput(payload);
            deflater.finish();
            byte[] buffer = new byte[payload.length + 64];
            body = java.util.Arrays.copyOf(buffer, deflater.deflate(buffer));
            deflater.end();
        }
        return ByteBuffer.allocate(18 + body.length).put((byte) 3).put((byte) (zlib ? 5 : 0))
                .putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).put(body).array();
    }

    private void handle(HttpExchange exchange) throws IOException {
        JsonNode request;
        try (InputStream in = exchange.getRequestBody()) {
            request = JSON.readTree(in);
        }
        String id = request.path("SchemaVersionId").asText();
        requests.add(id);
        Map<String, Object> version = versions.get(id);
        boolean found = "AWSGlue.GetSchemaVersion".equals(exchange.getRequestHeaders().getFirst("X-Amz-Target"))
                && version != null;
        byte[] body = JSON.writeValueAsBytes(found ? version : Map.of("__type", "EntityNotFoundException",
                "Message", "Schema version is not found."));
        exchange.getResponseHeaders().add("Content-Type", "application/x-amz-json-1.1");
        if (!found) {
            exchange.getResponseHeaders().add("x-amzn-ErrorType", "EntityNotFoundException");
        }
        exchange.sendResponseHeaders(found ? 200 : 400, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
