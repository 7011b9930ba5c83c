package io.esm4j.kafka;

import static io.esm4j.kafka.internal.schema.ConfluentRegistryClient.withoutUserInfo;

import io.esm4j.kafka.internal.schema.PemTls;
import java.net.URI;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import javax.net.ssl.SSLContext;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.glue.GlueClient;

/**
 * A schema registry for a Kafka mapping, as Lambda's {@code SchemaRegistryConfig}: the registry's URL, which of each
 * record's key and value are validated with the schema their framing names, and what the handler then gets. Records
 * whose schema the registry does not have are given up with condition {@code SchemaNotFound}, records that do not
 * decode with their schema with {@code DeserializationError}: to the on-failure destination, or dropped without one.
 * Confluent-compatible registries (Confluent Platform and Cloud, Redpanda, Karapace, Apicurio's {@code ccompat} API),
 * by URL ({@link #builder}), and AWS Glue's, by registry ARN ({@link #glue}). An https registry may take a root CA of
 * its own and a client certificate for mutual TLS, as Lambda's {@code SERVER_ROOT_CA_CERTIFICATE} and
 * {@code CLIENT_CERTIFICATE_TLS_AUTH}. See the module README's "Schema registry".
 */
// glue() names GlueClient; the module requires Glue static only (optional): its users require it too.
@SuppressWarnings("exports")
public final class KafkaSchemaRegistry {

    /** What the handler gets for a validated key or value (Lambda's {@code EventRecordFormat}). */
    public enum EventRecordFormat {
        /** The record as JSON text: an Avro or Protobuf record converted, a JSON Schema record as it is. */
        JSON,
        /** The record's bytes without the registry's framing (magic byte and schema id). */
        SOURCE
    }

    /** A part of a record the registry validates (Lambda's {@code SchemaValidationConfigs[].Attribute}). */
    public enum Attribute { KEY, VALUE }

    private static final String GLUE_REGISTRY_ARN =
            "arn:aws[a-z-]*:glue:[a-z0-9-]+:\\d{12}:registry/[A-Za-z0-9$#_.-]{1,255}";

    private final @Nullable URI uri;
    private final @Nullable String glueRegistryArn;
    private final @Nullable GlueClient glueClient;
    private final EventRecordFormat eventRecordFormat;
    private final Set<Attribute> attributes;
    private final @Nullable String username;
    private final @Nullable String password;
    private final @Nullable SSLContext sslContext;

    private KafkaSchemaRegistry(Builder builder) {
        this.uri = builder.uri;
        this.glueRegistryArn = builder.glueRegistryArn;
        this.glueClient = builder.glueClient;
        if (uri != null && (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                || uri.getHost() == null)) {
            throw new IllegalArgumentException("Invalid value for SchemaRegistryURI: "
                    + withoutUserInfo(uri) + ". Expected the http or https URL of a Confluent-compatible registry.");
        }
        if (glueRegistryArn != null && !isGlueRegistryArn(glueRegistryArn)) {
            throw new IllegalArgumentException("Invalid value for SchemaRegistryURI: " + glueRegistryArn + ". Expected "
                    + "an AWS Glue registry ARN, arn:aws:glue:<region>:<account>:registry/<name>.");
        }
        if (glueRegistryArn != null && (builder.username != null || builder.rootCaCertificate != null
                || builder.clientCertificate != null || builder.sslContext != null)) {
            throw new IllegalArgumentException("Invalid settings for AWS Glue registry " + glueRegistryArn + ": basic "
                    + "authentication or TLS settings. Expected none: calls to Glue are signed with the GlueClient's "
                    + "credentials.");
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
        this.sslContext = uri == null ? null : sslContext(builder, uri);
    }

    private static @Nullable SSLContext sslContext(Builder builder, URI uri) {
        boolean pem = builder.rootCaCertificate != null || builder.clientCertificate != null;
        if (!pem && builder.sslContext == null) {
            return null;
        }
        if (!"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("Invalid value for SchemaRegistryURI: " + withoutUserInfo(uri) + " with "
                    + "TLS settings (a root CA, a client certificate or an SSLContext). Expected an https URL.");
        }
        if (pem && builder.sslContext != null) {
            throw new IllegalArgumentException("Invalid TLS settings for the schema registry: an SSLContext and PEM "
                    + "certificates. Expected one of them: the SSLContext, or the root CA and client certificate.");
        }
        return pem ? PemTls.sslContext(builder.rootCaCertificate, builder.clientCertificate) : builder.sslContext;
    }

    /** A Confluent-compatible registry at this URL (with its path prefix, if it has one). */
    public static Builder builder(URI uri) {
        return new Builder(Objects.requireNonNull(uri, "uri"), null, null);
    }

    /**
     * A registry of AWS Glue's Schema Registry ({@code arn:aws:glue:<region>:<account>:registry/<name>}, Lambda's
     * SchemaRegistryURI for Glue), read with this client (its credentials need {@code glue:GetSchemaVersion}). Records
     * must be framed by Glue's serializers; a schema version of another registry is not found. The client is the
     * caller's: the mapping never closes it. Needs {@code software.amazon.awssdk:glue} on the class path.
     */
    public static Builder glue(String registryArn, GlueClient client) {
        return new Builder(null, Objects.requireNonNull(registryArn, "registryArn"),
                Objects.requireNonNull(client, "client"));
    }

    /**
     * Whether {@code text} is an AWS Glue registry's ARN, {@code arn:aws:glue:<region>:<account>:registry/<name>}: what
     * {@link #glue} takes (for code that reads Lambda's SchemaRegistryURI, which is that or a URL).
     */
    public static boolean isGlueRegistryArn(String text) {
        return text.matches(GLUE_REGISTRY_ARN);
    }

    /** The Confluent-compatible registry's URL, or null for AWS Glue's. */
    public @Nullable URI uri() {
        return uri;
    }

    /** The AWS Glue registry's ARN, or null for a Confluent-compatible one. */
    public @Nullable String glueRegistryArn() {
        return glueRegistryArn;
    }

    /** The client that reads the AWS Glue registry, or null for a Confluent-compatible one. */
    public @Nullable GlueClient glueClient() {
        return glueClient;
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

    /** The TLS context calls to the registry use, or null for the JVM's default (its trusted CAs, no client key). */
    public @Nullable SSLContext sslContext() {
        return sslContext;
    }

    /** Without the password. */
    @Override
    public String toString() {
        return "KafkaSchemaRegistry[" + (uri == null ? "glue=" + glueRegistryArn : "uri=" + withoutUserInfo(uri))
                + ", eventRecordFormat=" + eventRecordFormat
                + ", attributes=" + attributes + ", username=" + username + ", tls="
                + (sslContext == null ? "default" : "own") + "]";
    }

    public static final class Builder {
        private final @Nullable URI uri;
        private final @Nullable String glueRegistryArn;
        private final @Nullable GlueClient glueClient;
        private @Nullable EventRecordFormat eventRecordFormat;
        private final Set<Attribute> attributes = EnumSet.noneOf(Attribute.class);
        private @Nullable String username;
        private @Nullable String password;
        private @Nullable String rootCaCertificate;
        private PemTls.@Nullable ClientCertificate clientCertificate;
        private @Nullable SSLContext sslContext;

        private Builder(@Nullable URI uri, @Nullable String glueRegistryArn, @Nullable GlueClient glueClient) {
            this.uri = uri;
            this.glueRegistryArn = glueRegistryArn;
            this.glueClient = glueClient;
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

        /**
         * The certificates (PEM, one or more) the registry's certificate must chain to, instead of the JVM's trusted
         * CAs (Lambda's {@code SERVER_ROOT_CA_CERTIFICATE}). An https URL only.
         */
        public Builder rootCaCertificate(String pem) {
            this.rootCaCertificate = Objects.requireNonNull(pem, "pem");
            return this;
        }

        /**
         * A client certificate for mutual TLS (Lambda's {@code CLIENT_CERTIFICATE_TLS_AUTH}): the X.509 chain in PEM,
         * leaf first, and its PKCS#8 private key in PEM, encrypted ({@code -----BEGIN ENCRYPTED PRIVATE KEY-----},
         * then {@code privateKeyPassword} is its password) or not (the password is null). An https URL only.
         */
        public Builder clientCertificate(String certificateChain, String privateKey,
                                         @Nullable String privateKeyPassword) {
            this.clientCertificate = new PemTls.ClientCertificate(Objects.requireNonNull(certificateChain,
                    "certificateChain"), Objects.requireNonNull(privateKey, "privateKey"), privateKeyPassword);
            return this;
        }

        /**
         * The TLS context for the registry, for trust and key stores of your own; instead of
         * {@link #rootCaCertificate} and {@link #clientCertificate}, not beside them. An https URL only.
         */
        public Builder sslContext(SSLContext sslContext) {
            this.sslContext = Objects.requireNonNull(sslContext, "sslContext");
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that is wrong (a certificate that is not PEM, ...) */
        public KafkaSchemaRegistry build() {
            return new KafkaSchemaRegistry(this);
        }
    }
}
