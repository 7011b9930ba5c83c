package io.esm4j.kafka.internal.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.esm4j.kafka.internal.schema.RegisteredSchema.Reference;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * Asks a Confluent-compatible schema registry (Confluent Platform or Cloud, Redpanda, Apicurio's {@code ccompat} API,
 * Karapace) for a schema by id: {@code GET <registry>/schemas/ids/<id>}, then for the subject versions it references.
 * Calls are asynchronous, on the HTTP client's own threads, so that nothing on the record path waits on the network.
 */
public final class ConfluentRegistryClient implements SchemaSource {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SCHEMA_NOT_FOUND = 40403;
    private static final int SUBJECT_NOT_FOUND = 40401;
    private static final int VERSION_NOT_FOUND = 40402;
    /** How deep references may nest: deeper is a cycle, or a registry that is not what it seems. */
    private static final int MAX_REFERENCE_DEPTH = 16;
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
    public ConfluentRegistryClient(URI registry, @Nullable String username, @Nullable String password, HttpClient http,
                                Duration timeout) {
        String path = registry.getPath() == null ? "" : registry.getPath();
        this.base = path.endsWith("/") ? registry : URI.create(registry + "/");
        this.authorization = username == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (username + ":" + Objects.requireNonNull(password, "password")).getBytes(StandardCharsets.UTF_8));
        this.http = Objects.requireNonNull(http, "http");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * The schema with this id and the schemas it references ({@code GET <registry>/subjects/<subject>/versions/<n>},
     * in turn for theirs); fails with {@link RegistryFailure} (or an I/O error) if the registry did not say.
     */
    @Override
    public CompletableFuture<Lookup> fetch(String id) {
        return get("schemas/ids/" + id).thenCompose(response -> {
            JsonNode body = parse(response.body());
            if (response.statusCode() == 404 && errorCode(body) == SCHEMA_NOT_FOUND) {
                return CompletableFuture.completedFuture(new NotFound(id, "The registry has no schema with the "
                        + "record's id."));
            }
            if (!hasSchema(response, body)) {
                throw failure(response);
            }
            return references(body, "schema " + id, 1).handle((references, error) -> {
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                if (cause instanceof MissingReference missing) {
                    return new NotFound(id, missing.getMessage());
                }
                if (cause instanceof UnknownSchemaType unknown) {
                    return new Unusable(id, unknown.getMessage());
                }
                if (error != null) {
                    throw error instanceof CompletionException completion ? completion
                            : new CompletionException(error);
                }
                try {
                    return new Found(schema(id, body, references));
                } catch (UnknownSchemaType unknown) {
                    return new Unusable(id, unknown.getMessage());
                }
            });
        });
    }

    private CompletableFuture<List<Reference>> references(JsonNode body, String referrer, int depth) {
        List<CompletableFuture<Reference>> references = new ArrayList<>();
        for (JsonNode reference : body.path("references")) {
            String name = reference.path("name").asText();
            String subject = reference.path("subject").asText();
            int version = reference.path("version").asInt();
            String what = "version " + version + " of subject " + subject + ", which " + referrer + " references as "
                    + name;
            if (depth > MAX_REFERENCE_DEPTH) {
                return CompletableFuture.failedFuture(new MissingReference("References nest deeper than "
                        + MAX_REFERENCE_DEPTH + " at " + what + "."));
            }
            String path = "subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8).replace("+", "%20")
                    + "/versions/" + version;
            references.add(get(path).thenCompose(response -> {
                JsonNode referenced = parse(response.body());
                int code = errorCode(referenced);
                if (response.statusCode() == 404 && (code == SUBJECT_NOT_FOUND || code == VERSION_NOT_FOUND)) {
                    throw new MissingReference("The registry has no " + what + ".");
                }
                if (!hasSchema(response, referenced)) {
                    throw failure(response);
                }
                return references(referenced, "subject " + subject, depth + 1).thenApply(nested -> new Reference(
                        name, schema(referenced.path("id").asText("?"), referenced, nested)));
            }));
        }
        return CompletableFuture.allOf(references.toArray(CompletableFuture[]::new))
                .thenApply(done -> references.stream().map(CompletableFuture::join).toList());
    }

    private CompletableFuture<HttpResponse<String>> get(String path) {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout)
                .header("Accept", "application/vnd.schemaregistry.v1+json, application/json").GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static boolean hasSchema(HttpResponse<String> response, JsonNode body) {
        return response.statusCode() == 200 && body.path("schema").isTextual();
    }

    private static RegisteredSchema schema(String id, JsonNode body, List<Reference> references) {
        String type = body.path("schemaType").asText(null);
        SchemaFormat format = SchemaFormat.ofSchemaType(type);
        if (format == null) {
            throw new UnknownSchemaType("Schema " + id + " is of schemaType " + type + ", which esm4j does not read. "
                    + "Expected AVRO, JSON or PROTOBUF.");
        }
        return new RegisteredSchema(id, format, body.path("schema").asText(), references);
    }

    private static int errorCode(JsonNode body) {
        return body.path("error_code").asInt();
    }

    /**
     * An answer that is not the registry's: a 404 without its error code is a wrong URL (a proxy's or another
     * service's answer), not a missing schema, so records must not be given up for it.
     */
    private static RegistryFailure failure(HttpResponse<String> response) {
        String quoted = response.body().length() > QUOTED_BODY
                ? response.body().substring(0, QUOTED_BODY) + "..." : response.body();
        return new RegistryFailure("The schema registry answered HTTP " + response.statusCode() + " to GET "
                + withoutUserInfo(response.uri()) + ": " + quoted + ". Expected 200 with the schema, or 404 with "
                + "error_code " + SCHEMA_NOT_FOUND + " for an unknown id.", response.statusCode());
    }

    /** A schema (or one it references) of a type esm4j does not read. */
    private static final class UnknownSchemaType extends RuntimeException {
        UnknownSchemaType(String message) {
            super(message, null, false, false);
        }

        @Override
        public String getMessage() {
            return Objects.requireNonNull(super.getMessage());
        }
    }

    /** A referenced subject version the registry does not have: the referencing schema cannot be used. */
    private static final class MissingReference extends RuntimeException {
        MissingReference(String message) {
            super(message, null, false, false);
        }

        @Override
        public String getMessage() {
            return Objects.requireNonNull(super.getMessage());
        }
    }

    /** The URL as errors and logs may show it: a password given in it stays out. */
    public static String withoutUserInfo(URI uri) {
        return uri.getRawUserInfo() == null ? uri.toString() : uri.toString().replace(uri.getRawUserInfo() + "@", "");
    }

    /** The body as JSON; a missing node (no schema, no error code) when it is not JSON. */
    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }
}
