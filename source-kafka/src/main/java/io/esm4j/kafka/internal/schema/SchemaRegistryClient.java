package io.esm4j.kafka.internal.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Asks a Confluent-compatible schema registry (Confluent Platform or Cloud, Redpanda, Apicurio's {@code ccompat} API,
 * Karapace) for a schema by id: {@code GET <registry>/schemas/ids/<id>}. Calls are asynchronous, on the HTTP client's
 * own threads, so that nothing on the record path waits on the network.
 */
public final class SchemaRegistryClient {

    /** What the registry answered about an id. */
    public sealed interface Lookup {}

    /** The registry has the schema. */
    public record Found(RegisteredSchema schema) implements Lookup {}

    /** The registry says it has no schema with this id (HTTP 404 with Confluent's error code 40403). */
    public record NotFound(int id) implements Lookup {}

    /** An answer that is neither: the call is worth trying again (the registry may be down or misconfigured). */
    public static final class RegistryFailure extends RuntimeException {
        RegistryFailure(String message) {
            super(message);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SCHEMA_NOT_FOUND = 40403;
    /** The most of an error body an error message quotes: enough for the registry's own message. */
    private static final int QUOTED_BODY = 300;

    private final URI base;
    private final @Nullable String authorization;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * @param registry the registry's URL, with a path prefix if it has one ({@code https://host/apis/ccompat/v7})
     * @param username the user of HTTP basic authentication (Confluent Cloud: the API key), or null for none
     * @param password its password (Confluent Cloud: the API secret)
     * @param timeout  how long one call may take
     */
    public SchemaRegistryClient(URI registry, @Nullable String username, @Nullable String password, HttpClient http,
                                Duration timeout) {
        String path = registry.getPath() == null ? "" : registry.getPath();
        this.base = path.endsWith("/") ? registry : URI.create(registry + "/");
        this.authorization = username == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (username + ":" + Objects.requireNonNull(password, "password")).getBytes(StandardCharsets.UTF_8));
        this.http = Objects.requireNonNull(http, "http");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** The schema with this id; fails with {@link RegistryFailure} (or an I/O error) if the registry did not say. */
    public CompletableFuture<Lookup> fetch(int id) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("schemas/ids/" + id)).timeout(timeout)
                .header("Accept", "application/vnd.schemaregistry.v1+json, application/json").GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(response -> lookup(id, response));
    }

    private Lookup lookup(int id, HttpResponse<String> response) {
        JsonNode body = parse(response.body());
        if (response.statusCode() == 200 && body != null && body.path("schema").isTextual()) {
            return new Found(new RegisteredSchema(id, SchemaFormat.ofSchemaType(body.path("schemaType").asText(null)),
                    body.path("schema").asText()));
        }
        if (response.statusCode() == 404 && body != null && body.path("error_code").asInt() == SCHEMA_NOT_FOUND) {
            return new NotFound(id);
        }
        // A 404 without the registry's error code is a wrong URL (a proxy's or another service's answer), not a
        // missing schema: records must not be given up for it.
        String quoted = response.body().length() > QUOTED_BODY
                ? response.body().substring(0, QUOTED_BODY) + "..." : response.body();
        throw new RegistryFailure("The schema registry answered HTTP " + response.statusCode() + " to GET "
                + withoutUserInfo(response.uri()) + ": " + quoted + ". Expected 200 with the schema, or 404 with "
                + "error_code " + SCHEMA_NOT_FOUND + " for an unknown id.");
    }

    /** The URL as errors and logs may show it: a password given in it stays out. */
    public static String withoutUserInfo(URI uri) {
        return uri.getRawUserInfo() == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo() + "@", "");
    }

    private static @Nullable JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }
}
