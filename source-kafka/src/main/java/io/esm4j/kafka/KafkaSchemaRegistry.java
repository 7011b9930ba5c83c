package io.esm4j.kafka;

import static io.esm4j.kafka.internal.schema.SchemaRegistryClient.withoutUserInfo;

import java.net.URI;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A schema registry for a Kafka mapping, as Lambda's {@code SchemaRegistryConfig}: the registry's URL, which of each
 * record's key and value are validated with the schema their framing names, and what the handler then gets. Records
 * whose schema the registry does not have are given up with condition {@code SchemaNotFound}, records that do not
 * decode with their schema with {@code DeserializationError}: to the on-failure destination, or dropped without one.
 * Confluent-compatible registries (Confluent Platform and Cloud, Redpanda, Karapace, Apicurio's {@code ccompat} API);
 * not AWS Glue's. See the module README's "Schema registry".
 */
public final class KafkaSchemaRegistry {

    /** What the handler gets for a validated key or value (Lambda's {@code EventRecordFormat}). */
    public enum EventRecordFormat {
        /** The record as JSON text: an Avro record converted, a JSON Schema record as it is. Not for Protobuf. */
        JSON,
        /** The record's bytes without the registry's framing (magic byte and schema id). */
        SOURCE
    }

    /** A part of a record the registry validates (Lambda's {@code SchemaValidationConfigs[].Attribute}). */
    public enum Attribute { KEY, VALUE }

    private final URI uri;
    private final EventRecordFormat eventRecordFormat;
    private final Set<Attribute> attributes;
    private final @Nullable String username;
    private final @Nullable String password;

    private KafkaSchemaRegistry(Builder builder) {
        this.uri = Objects.requireNonNull(builder.uri, "uri");
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new IllegalArgumentException("Invalid value for SchemaRegistryURI: "
                    + withoutUserInfo(uri) + ". Expected the http or https URL of a Confluent-compatible registry.");
        }
        if (builder.eventRecordFormat == null) {
            throw new IllegalArgumentException("Invalid value for EventRecordFormat: none. Expected JSON or SOURCE.");
        }
        if (builder.attributes.isEmpty()) {
            throw new IllegalArgumentException("Invalid value for SchemaValidationConfigs: none. Expected KEY, VALUE "
                    + "or both.");
        }
        this.eventRecordFormat = builder.eventRecordFormat;
        this.attributes = Set.copyOf(builder.attributes);
        this.username = builder.username;
        this.password = builder.password;
    }

    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    public URI uri() {
        return uri;
    }

    public EventRecordFormat eventRecordFormat() {
        return eventRecordFormat;
    }

    /** Whether the registry validates this part of each record. */
    public boolean validates(Attribute attribute) {
        return attributes.contains(attribute);
    }

    /** The user of HTTP basic authentication (Confluent Cloud: the API key), or null for none. */
    public @Nullable String username() {
        return username;
    }

    public @Nullable String password() {
        return password;
    }

    /** Without the password. */
    @Override
    public String toString() {
        return "KafkaSchemaRegistry[uri=" + withoutUserInfo(uri) + ", eventRecordFormat=" + eventRecordFormat
                + ", attributes=" + attributes + ", username=" + username + "]";
    }

    public static final class Builder {
        private final URI uri;
        private @Nullable EventRecordFormat eventRecordFormat;
        private final Set<Attribute> attributes = EnumSet.noneOf(Attribute.class);
        private @Nullable String username;
        private @Nullable String password;

        private Builder(URI uri) {
            this.uri = Objects.requireNonNull(uri, "uri");
        }

        /** Required. */
        public Builder eventRecordFormat(EventRecordFormat format) {
            this.eventRecordFormat = Objects.requireNonNull(format, "format");
            return this;
        }

        /** Required: at least one of KEY and VALUE (naming one twice is the same as once). */
        public Builder validate(Attribute... attributes) {
            for (Attribute attribute : attributes) {
                this.attributes.add(Objects.requireNonNull(attribute, "attribute"));
            }
            return this;
        }

        /** HTTP basic authentication (Confluent Cloud: API key and secret). */
        public Builder basicAuth(String username, String password) {
            this.username = Objects.requireNonNull(username, "username");
            this.password = Objects.requireNonNull(password, "password");
            return this;
        }

        public KafkaSchemaRegistry build() {
            return new KafkaSchemaRegistry(this);
        }
    }
}
