package io.esm4j.worker.source;

import com.fasterxml.jackson.databind.JsonNode;
import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSchemaRegistry.Attribute;
import io.esm4j.kafka.KafkaSchemaRegistry.EventRecordFormat;
import io.esm4j.worker.config.InvalidMappingException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.glue.GlueClient;

/**
 * A Kafka mapping's {@code SchemaRegistryConfig}, as Lambda's request has it: read and checked without calling any
 * service, then made into the library's {@link KafkaSchemaRegistry} at each start (for an AWS Glue registry with a
 * Glue client of the registry's region, and no AccessConfigs), with the AccessConfigs' secrets read
 * then (a rotated secret is picked up by restarting the mapping): {@code BASIC_AUTH} ({@code {"username",
 * "password"}}), {@code CLIENT_CERTIFICATE_TLS_AUTH} ({@code {"certificate", "privateKey", "privateKeyPassword"}},
 * PEM, the password only for an encrypted key) and {@code SERVER_ROOT_CA_CERTIFICATE} ({@code {"certificate"}}), at
 * most one of each, the last two for an https registry only.
 *
 * @param where      the field's path, for errors
 * @param uri        SchemaRegistryURI, a Confluent-compatible registry's URL; null for AWS Glue's
 * @param glueArn    SchemaRegistryURI, an AWS Glue registry's ARN; null for a Confluent-compatible registry
 * @param format     EventRecordFormat
 * @param attributes SchemaValidationConfigs' attributes
 * @param access     AccessConfigs, as given
 */
record SchemaRegistryConfigs(String where, @Nullable URI uri, @Nullable String glueArn, EventRecordFormat format,
                             List<Attribute> attributes, List<KafkaSourceAccess.Entry> access) {

    private static final Set<String> FIELDS = Set.of("SchemaRegistryURI", "EventRecordFormat",
            "SchemaValidationConfigs", "AccessConfigs");
    private static final List<String> ACCESS_TYPES = List.of(KafkaSourceAccess.BASIC_AUTH,
            KafkaSourceAccess.CLIENT_CERTIFICATE_TLS_AUTH, KafkaSourceAccess.SERVER_ROOT_CA_CERTIFICATE);
    private static final String ACCESS_SHAPE = "{\"Type\": \"" + String.join("\" | \"", ACCESS_TYPES)
            + "\", \"URI\": \"<Secrets Manager secret ARN>\"}";

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
        JsonNode location = node.get("SchemaRegistryURI");
        boolean glue = location != null && location.isTextual()
                && KafkaSchemaRegistry.isGlueRegistryArn(location.asText());
        URI uri = glue ? null : uri(location, where + ".SchemaRegistryURI");
        return new SchemaRegistryConfigs(where, uri, glue ? location.asText() : null,
                format(node.get("EventRecordFormat"), where + ".EventRecordFormat"),
                attributes(node.get("SchemaValidationConfigs"), where + ".SchemaValidationConfigs"),
                access(node.get("AccessConfigs"), where + ".AccessConfigs", uri));
    }

    /** Whether {@link #registry} calls AWS: to read a secret, or because the registry is AWS Glue's. */
    boolean needsAws() {
        return !access.isEmpty() || glueArn != null;
    }

    /**
     * The library's registry without its credentials and certificates, for validation and for a start that needs no
     * AWS call ({@link #needsAws}); null for AWS Glue's, whose client validation does not make.
     */
    @Nullable KafkaSchemaRegistry withoutAws() {
        return glueArn != null ? null : builder(null).build();
    }

    /**
     * The library's registry, the AccessConfigs' secrets read through {@code secrets}.
     *
     * @throws IllegalStateException naming the secret that is not what its type expects, or (from the library) what
     *                               is wrong with its certificate or key, never quoting them
     */
    KafkaSchemaRegistry registry(KafkaSourceAccess.SecretReader secrets, Function<Region, GlueClient> glue)
            throws Exception {
        KafkaSchemaRegistry.Builder builder = builder(glue);
        for (KafkaSourceAccess.Entry entry : access) {
            switch (entry.type()) {
                case KafkaSourceAccess.BASIC_AUTH -> {
                    JsonNode secret = KafkaSourceAccess.secret(secrets, entry, "username", "password");
                    builder.basicAuth(secret.get("username").asText(), secret.get("password").asText());
                }
                case KafkaSourceAccess.CLIENT_CERTIFICATE_TLS_AUTH -> {
                    JsonNode secret = KafkaSourceAccess.secret(secrets, entry, "certificate", "privateKey");
                    builder.clientCertificate(secret.get("certificate").asText(), secret.get("privateKey").asText(),
                            secret.path("privateKeyPassword").isTextual()
                                    ? secret.get("privateKeyPassword").asText() : null);
                }
                default -> builder.rootCaCertificate(KafkaSourceAccess.secret(secrets, entry, "certificate")
                        .get("certificate").asText());
            }
        }
        try {
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(where + ": " + e.getMessage() + " (from the secrets of "
                    + where + ".AccessConfigs)", e);
        }
    }

    private KafkaSchemaRegistry.Builder builder(@Nullable Function<Region, GlueClient> glue) {
        KafkaSchemaRegistry.Builder builder;
        if (glueArn != null) {
            // Only a start gets here with a Glue registry: withoutAws() makes none.
            Objects.requireNonNull(glue, "glue");
            Arns arn = Objects.requireNonNull(Arns.parse(glueArn), "of() takes only a Glue registry's ARN");
            builder = KafkaSchemaRegistry.glue(glueArn, glue.apply(Region.of(arn.region())));
        } else {
            builder = KafkaSchemaRegistry.builder(Objects.requireNonNull(uri, "of() gives a URL or a Glue ARN"));
        }
        return builder.eventRecordFormat(format)
                .validate(attributes.toArray(Attribute[]::new));
    }

    private static URI uri(@Nullable JsonNode node, String where) {
        String text = node != null && node.isTextual() ? node.asText() : null;
        if (text != null && text.startsWith("arn:")) {
            throw new InvalidMappingException(where, text, "Expected an AWS Glue registry's ARN, "
                    + "arn:aws:glue:<region>:<account>:registry/<name>, or the http or https URL of a "
                    + "Confluent-compatible registry.");
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

    private static List<KafkaSourceAccess.Entry> access(@Nullable JsonNode node, String where, @Nullable URI uri) {
        List<KafkaSourceAccess.Entry> access = new ArrayList<>();
        if (node == null || (uri == null && node.isArray() && node.isEmpty())) {
            return access;
        }
        if (uri == null) {
            throw new InvalidMappingException(where, node, "Expected none for an AWS Glue registry: the worker reads "
                    + "it with its own AWS identity (glue:GetSchemaVersion), as Lambda uses the function's role.");
        }
        if (!node.isArray()) {
            throw new InvalidMappingException(where, node, "Expected a list of " + ACCESS_SHAPE + ".");
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode entry = node.get(i);
            String at = where + "[" + i + "]";
            if (!entry.isObject() || !entry.path("Type").isTextual() || !entry.path("URI").isTextual()
                    || entry.size() != 2) {
                throw new InvalidMappingException(at, entry, "Expected " + ACCESS_SHAPE + ".");
            }
            String type = entry.get("Type").asText();
            if (!ACCESS_TYPES.contains(type)) {
                throw new InvalidMappingException(at + ".Type", type, "Expected one of " + String.join(", ",
                        ACCESS_TYPES) + ".");
            }
            if (access.stream().anyMatch(other -> other.type().equals(type))) {
                throw new InvalidMappingException(at + ".Type", type, "Expected each type once; " + type
                        + " is given twice.");
            }
            if (!type.equals(KafkaSourceAccess.BASIC_AUTH) && !"https".equals(uri.getScheme())) {
                throw new InvalidMappingException(at + ".Type", type, "Expected an https SchemaRegistryURI for a "
                        + "certificate; it is " + uri + ".");
            }
            if (!entry.get("URI").asText().matches(KafkaSourceAccess.SECRET_ARN)) {
                throw new InvalidMappingException(at + ".URI", entry.get("URI").asText(), "Expected a Secrets "
                        + "Manager secret ARN, arn:aws:secretsmanager:<region>:<account>:secret:<name>.");
            }
            access.add(new KafkaSourceAccess.Entry(type, entry.get("URI").asText()));
        }
        return access;
    }
}
