package io.esm4j.worker.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSchemaRegistry.Attribute;
import io.esm4j.kafka.KafkaSchemaRegistry.EventRecordFormat;
import io.esm4j.worker.config.InvalidMappingException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A Kafka mapping's {@code SchemaRegistryConfig}, as Lambda's request has it: read and checked without calling any
 * service, then made into the library's {@link KafkaSchemaRegistry} at each start, with the BASIC_AUTH secret read
 * then (a rotated secret is picked up by restarting the mapping).
 *
 * @param where      the field's path, for errors
 * @param uri        SchemaRegistryURI
 * @param format     EventRecordFormat
 * @param attributes SchemaValidationConfigs' attributes
 * @param basicAuth  AccessConfigs' BASIC_AUTH secret, or null without one
 */
record SchemaRegistryConfigs(String where, URI uri, EventRecordFormat format, List<Attribute> attributes,
                             KafkaSourceAccess.@Nullable Entry basicAuth) {

    private static final Set<String> FIELDS = Set.of("SchemaRegistryURI", "EventRecordFormat",
            "SchemaValidationConfigs", "AccessConfigs");

    /** The mapping's registry, or null if {@code node} (the SchemaRegistryConfig field) is absent. */
    static @Nullable SchemaRegistryConfigs of(@Nullable JsonNode node, String where) {
        if (node == null) {
            return null;
        }
        if (!node.isObject()) {
            throw new InvalidMappingException(where, node, "Expected an object with SchemaRegistryURI, "
                    + "EventRecordFormat, SchemaValidationConfigs and, optionally, AccessConfigs.");
        }
        for (var field : node.properties()) {
            if (!FIELDS.contains(field.getKey())) {
                throw new InvalidMappingException(where + "." + field.getKey(), field.getValue(), "Unknown field; "
                        + "allowed: " + String.join(", ", FIELDS.stream().sorted().toList()) + ".");
            }
        }
        return new SchemaRegistryConfigs(where, uri(node.get("SchemaRegistryURI"), where + ".SchemaRegistryURI"),
                format(node.get("EventRecordFormat"), where + ".EventRecordFormat"),
                attributes(node.get("SchemaValidationConfigs"), where + ".SchemaValidationConfigs"),
                basicAuth(node.get("AccessConfigs"), where + ".AccessConfigs"));
    }

    /** Whether {@link #registry} reads a secret. */
    boolean needsSecret() {
        return basicAuth != null;
    }

    /** The library's registry without its BASIC_AUTH credentials: for validation, which reads no secret. */
    KafkaSchemaRegistry withoutSecret() {
        return builder().build();
    }

    /** The library's registry, its BASIC_AUTH secret (if any) read through {@code secrets}. */
    KafkaSchemaRegistry registry(KafkaSourceAccess.SecretReader secrets) throws Exception {
        KafkaSchemaRegistry.Builder builder = builder();
        if (basicAuth != null) {
            JsonNode secret = KafkaSourceAccess.secret(secrets, basicAuth, "username", "password");
            builder.basicAuth(secret.get("username").asText(), secret.get("password").asText());
        }
        return builder.build();
    }

    private KafkaSchemaRegistry.Builder builder() {
        return KafkaSchemaRegistry.builder(uri).eventRecordFormat(format)
                .validate(attributes.toArray(Attribute[]::new));
    }

    private static URI uri(@Nullable JsonNode node, String where) {
        String text = node != null && node.isTextual() ? node.asText() : null;
        if (text != null && text.startsWith("arn:")) {
            throw new InvalidMappingException(where, text, "AWS Glue schema registries are not supported; expected "
                    + "the http or https URL of a Confluent-compatible registry.");
        }
        URI uri = null;
        try {
            uri = text == null ? null : URI.create(text);
        } catch (IllegalArgumentException e) {
            // reported below
        }
        if (uri == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                || uri.getHost() == null) {
            throw new InvalidMappingException(where, text == null ? node : "<not an http or https URL>",
                    "Expected the http or https URL of a Confluent-compatible schema registry.");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidMappingException(where, "<a URL with credentials>", "Expected a URL without user "
                    + "and password: give them as a BASIC_AUTH secret in AccessConfigs.");
        }
        return uri;
    }

    private static EventRecordFormat format(@Nullable JsonNode node, String where) {
        if (node != null && node.isTextual()) {
            for (EventRecordFormat format : EventRecordFormat.values()) {
                if (format.name().equals(node.asText())) {
                    return format;
                }
            }
        }
        throw new InvalidMappingException(where, node, "Expected JSON or SOURCE.");
    }

    private static List<Attribute> attributes(@Nullable JsonNode node, String where) {
        List<Attribute> attributes = new ArrayList<>();
        if (node != null && node.isArray()) {
            for (JsonNode config : node) {
                JsonNode attribute = config.get("Attribute");
                if (!config.isObject() || config.size() != 1 || attribute == null
                        || !("KEY".equals(attribute.asText()) || "VALUE".equals(attribute.asText()))) {
                    throw new InvalidMappingException(where, node, "Expected a list of {\"Attribute\": \"KEY\"} "
                            + "and {\"Attribute\": \"VALUE\"}.");
                }
                attributes.add(Attribute.valueOf(attribute.asText()));
            }
        }
        if (attributes.isEmpty()) {
            throw new InvalidMappingException(where, node, "Expected one or both of {\"Attribute\": \"KEY\"} and "
                    + "{\"Attribute\": \"VALUE\"}: what the registry validates.");
        }
        return attributes;
    }

    private static KafkaSourceAccess.@Nullable Entry basicAuth(@Nullable JsonNode node, String where) {
        if (node == null) {
            return null;
        }
        KafkaSourceAccess.Entry basicAuth = null;
        for (int i = 0; node.isArray() && i < node.size(); i++) {
            JsonNode entry = node.get(i);
            String at = where + "[" + i + "]";
            if (!entry.isObject() || !entry.path("Type").isTextual() || !entry.path("URI").isTextual()
                    || entry.size() != 2) {
                throw new InvalidMappingException(at, entry, "Expected {\"Type\": \"BASIC_AUTH\", \"URI\": "
                        + "\"<Secrets Manager secret ARN>\"}.");
            }
            if (!entry.get("Type").asText().equals("BASIC_AUTH")) {
                throw new InvalidMappingException(at + ".Type", entry.get("Type").asText(), "Expected BASIC_AUTH: "
                        + "TLS client certificates and a custom root CA for the registry are not supported yet.");
            }
            if (!entry.get("URI").asText().matches(KafkaSourceAccess.SECRET_ARN) || basicAuth != null) {
                throw new InvalidMappingException(at + ".URI", entry.get("URI").asText(), "Expected one Secrets "
                        + "Manager secret ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>.");
            }
            basicAuth = new KafkaSourceAccess.Entry("BASIC_AUTH", entry.get("URI").asText());
        }
        if (!node.isArray()) {
            throw new InvalidMappingException(where, node, "Expected a list of {\"Type\": \"BASIC_AUTH\", \"URI\": "
                    + "\"<Secrets Manager secret ARN>\"}.");
        }
        return basicAuth;
    }
}
