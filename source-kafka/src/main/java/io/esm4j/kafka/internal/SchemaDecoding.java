package io.esm4j.kafka.internal;

import io.esm4j.failure.FailureCondition;
import io.esm4j.kafka.KafkaSchemaMetadata;
import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSchemaRegistry.EventRecordFormat;
import io.esm4j.kafka.internal.schema.AvroJson;
import io.esm4j.kafka.internal.schema.ConfluentFraming;
import io.esm4j.kafka.internal.schema.ConfluentRegistryClient;
import io.esm4j.kafka.internal.schema.Framing;
import io.esm4j.kafka.internal.schema.GlueFraming;
import io.esm4j.kafka.internal.schema.GlueSchemaClient;
import io.esm4j.kafka.internal.schema.JsonSchemas;
import io.esm4j.kafka.internal.schema.ProtobufJson;
import io.esm4j.kafka.internal.schema.RegisteredSchema;
import io.esm4j.kafka.internal.schema.SchemaFormat;
import io.esm4j.kafka.internal.schema.SchemaSource;
import io.esm4j.kafka.internal.schema.Schemas;
import io.esm4j.kafka.internal.schema.UndecodableException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mapping's schema registry at work on its records' keys and values: the schema each names, fetched through the
 * mapping's {@link Schemas} (never waited for here: a part whose schema is on its way is {@link Waiting}), then the
 * part as the handler gets it. Only the {@link Intake} thread uses it, but for {@link #close()}.
 */
final class SchemaDecoding implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaDecoding.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    private static final Duration MAX_RETRY = Duration.ofMinutes(1);

    /** What became of one part of a record. */
    sealed interface Part {}

    /**
     * The part as the handler gets it, which schema validated it (null if it was not validated), and, when the handler
     * gets Avro or Protobuf bytes ({@code SOURCE} format), the part decoded to JSON: what filters match.
     */
    record Decoded(byte @Nullable [] bytes, @Nullable KafkaSchemaMetadata metadata, byte @Nullable [] json)
            implements Part {

        Decoded(byte @Nullable [] bytes, @Nullable KafkaSchemaMetadata metadata) {
            this(bytes, metadata, null);
        }
    }

    /** The part's schema is being fetched: try the part again once {@code until} completes. */
    record Waiting(CompletableFuture<?> until) implements Part {}

    /** The part cannot be delivered: the record is given up with this condition. */
    record Rejected(FailureCondition condition) implements Part {}

    private final KafkaSchemaRegistry registry;
    private final String mappingName;
    /**
     * Stops the registry calls in flight (the Confluent registry's HTTP client, or the executor of Glue's calls) when
     * the mapping closes: at once, rather than wait for them as a graceful close would.
     */
    private final Runnable stopCalls;
    private final Framing framing;
    private final Schemas schemas;
    private final AvroJson avroJson = new AvroJson();
    private final JsonSchemas jsonSchemas = new JsonSchemas();
    private final ProtobufJson protobufJson = new ProtobufJson();

    /** @param onRegistryFailure told of each failed registry call (a metric) */
    SchemaDecoding(KafkaSchemaRegistry registry, String mappingName, Runnable onRegistryFailure) {
        this(registry, mappingName, onRegistryFailure, Schemas.AuthListener.NONE);
    }

    /** @param auth told when the registry refuses the mapping's credentials, and when it answers again */
    SchemaDecoding(KafkaSchemaRegistry registry, String mappingName, Runnable onRegistryFailure,
                   Schemas.AuthListener auth) {
        this.registry = registry;
        this.mappingName = mappingName;
        SchemaSource source;
        if (registry.glueRegistryArn() != null) {
            ExecutorService executor = Executors.newThreadPerTaskExecutor(Thread.ofVirtual()
                    .name("esm4j-" + mappingName + "-glue-", 0).factory());
            this.stopCalls = executor::shutdownNow;
            this.framing = new GlueFraming();
            source = new GlueSchemaClient(Objects.requireNonNull(registry.glueClient(), "glueClient"),
                    registry.glueRegistryArn(), executor);
        } else {
            HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT);
            if (registry.sslContext() != null) {
                client.sslContext(registry.sslContext());
            }
            HttpClient http = client.build();
            this.stopCalls = http::shutdownNow;
            this.framing = new ConfluentFraming();
            source = new ConfluentRegistryClient(Objects.requireNonNull(registry.uri(), "uri"), registry.username(),
                    registry.password(), http, CALL_TIMEOUT);
        }
        this.schemas = new Schemas(source, FIRST_RETRY, MAX_RETRY, onRegistryFailure, auth, mappingName);
    }

    Schemas schemas() {
        return schemas;
    }

    /**
     * The key or value ({@code attribute}) as the handler gets it.
     *
     * @throws IllegalStateException once {@link #close closed}, for a part whose schema is not known yet
     */
    Part decode(KafkaSchemaRegistry.Attribute attribute, byte @Nullable [] bytes) {
        // A tombstone's value and a record without a key have nothing to validate.
        if (bytes == null || !registry.validates(attribute)) {
            return new Decoded(bytes, null);
        }
        Framing.Framed framed;
        try {
            framed = framing.unframe(bytes);
        } catch (UndecodableException e) {
            return rejected(FailureCondition.DeserializationError, attribute, null, e.getMessage());
        }
        if (framed == null) {
            return rejected(FailureCondition.DeserializationError, attribute, null, "Not framed by the schema "
                    + "registry's serializer (" + framing.expected() + ").");
        }
        String id = framed.schemaId();
        CompletableFuture<SchemaSource.Lookup> lookup = schemas.lookup(id);
        if (!lookup.isDone()) {
            return new Waiting(lookup);
        }
        if (lookup.isCompletedExceptionally()) {
            // Only once closed. Waiting for it would hold the partition for good (and re-check it without end): the
            // poll fails instead, and its records stay unread, after the partition's done prefix.
            throw new IllegalStateException("the schema registry of mapping " + mappingName + " is closed; schema "
                    + id + " cannot be looked up");
        }
        return switch (lookup.join()) {
            case SchemaSource.NotFound notFound -> rejected(FailureCondition.SchemaNotFound, attribute, id,
                    notFound.reason());
            case SchemaSource.Unusable unusable -> rejected(FailureCondition.DeserializationError, attribute, id,
                    unusable.reason());
            case SchemaSource.Found found -> decode(attribute, framed, found.schema());
        };
    }

    /**
     * Validates the part with its schema, whatever the format the handler gets: an Avro datum must decode exactly, a
     * JSON Schema value must match its schema, a Protobuf value must be the message its indexes name.
     */
    private Part decode(KafkaSchemaRegistry.Attribute attribute, Framing.Framed framed, RegisteredSchema schema) {
        KafkaSchemaMetadata metadata = new KafkaSchemaMetadata(schema.format().name(), framed.schemaId());
        byte[] bytes = framed.bytes();
        byte[] asJson = null;
        try {
            switch (schema.format()) {
                case AVRO -> asJson = avroJson.toJson(schema, bytes, framed.offset());
                case JSON -> jsonSchemas.validate(schema, bytes, framed.offset());
                case PROTOBUF -> asJson = protobufJson.toJson(schema, bytes, framed.offset(),
                        framing.protobufIndexes());
            }
        } catch (UndecodableException e) {
            return rejected(FailureCondition.DeserializationError, attribute, schema.id(), e.getMessage());
        }
        byte[] unframed = Arrays.copyOfRange(bytes, framed.offset(), bytes.length);
        if (registry.eventRecordFormat() == EventRecordFormat.SOURCE) {
            // Lambda filters on the decoded value in either format; a JSON Schema value is JSON already.
            return new Decoded(unframed, metadata, asJson);
        }
        return new Decoded(schema.format() == SchemaFormat.JSON ? unframed : asJson, metadata);
    }

    private Rejected rejected(FailureCondition condition, KafkaSchemaRegistry.Attribute attribute,
                              @Nullable String schemaId, String reason) {
        // The reason only, never the bytes: logs carry no payloads.
        LOG.atWarn().addKeyValue("mapping", mappingName).addKeyValue("attribute", attribute)
                .addKeyValue("schemaId", schemaId).addKeyValue("condition", condition).addKeyValue("reason", reason)
                .log("a record's key or value cannot be delivered; the record is given up");
        return new Rejected(condition);
    }

    @Override
    public void close() {
        schemas.close();
        stopCalls.run();
    }
}
