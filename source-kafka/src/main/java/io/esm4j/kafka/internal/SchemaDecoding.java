package io.esm4j.kafka.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.esm4j.failure.FailureCondition;
import io.esm4j.kafka.KafkaSchemaMetadata;
import io.esm4j.kafka.KafkaSchemaRegistry;
import io.esm4j.kafka.KafkaSchemaRegistry.EventRecordFormat;
import io.esm4j.kafka.internal.schema.AvroJson;
import io.esm4j.kafka.internal.schema.RegisteredSchema;
import io.esm4j.kafka.internal.schema.SchemaFormat;
import io.esm4j.kafka.internal.schema.SchemaRegistryClient;
import io.esm4j.kafka.internal.schema.Schemas;
import io.esm4j.kafka.internal.schema.WireFormat;
import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
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
    private static final JsonFactory JSON = new JsonFactory();

    /** What became of one part of a record. */
    sealed interface Part {}

    /** The part as the handler gets it, and which schema validated it (null if it was not validated). */
    record Decoded(byte @Nullable [] bytes, @Nullable KafkaSchemaMetadata metadata) implements Part {}

    /** The part's schema is being fetched: try the part again once {@code until} completes. */
    record Waiting(CompletableFuture<?> until) implements Part {}

    /** The part cannot be delivered: the record is given up with this condition. */
    record Rejected(FailureCondition condition) implements Part {}

    private final KafkaSchemaRegistry registry;
    private final String mappingName;
    private final HttpClient http;
    private final Schemas schemas;
    private final AvroJson avroJson = new AvroJson();

    /** @param onRegistryFailure told of each failed registry call (a metric) */
    SchemaDecoding(KafkaSchemaRegistry registry, String mappingName, Runnable onRegistryFailure) {
        this.registry = registry;
        this.mappingName = mappingName;
        this.http = HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT).build();
        this.schemas = new Schemas(new SchemaRegistryClient(registry.uri(), registry.username(), registry.password(),
                http, CALL_TIMEOUT), FIRST_RETRY, MAX_RETRY, onRegistryFailure);
    }

    Schemas schemas() {
        return schemas;
    }

    /** The key or value ({@code attribute}) as the handler gets it. */
    Part decode(KafkaSchemaRegistry.Attribute attribute, byte @Nullable [] bytes) {
        // A tombstone's value and a record without a key have nothing to validate.
        if (bytes == null || !registry.validates(attribute)) {
            return new Decoded(bytes, null);
        }
        Integer id = WireFormat.schemaId(bytes);
        if (id == null) {
            return rejected(FailureCondition.DeserializationError, attribute, null, "is not framed by a schema "
                    + "registry (a zero byte, then the schema id)");
        }
        CompletableFuture<SchemaRegistryClient.Lookup> lookup = schemas.lookup(id);
        if (!lookup.isDone() || lookup.isCompletedExceptionally()) {
            // Completed exceptionally only once closed: the mapping is stopping and this record stays unread.
            return new Waiting(lookup);
        }
        return switch (lookup.join()) {
            case SchemaRegistryClient.NotFound notFound -> rejected(FailureCondition.SchemaNotFound, attribute, id,
                    "names a schema the registry does not have");
            case SchemaRegistryClient.Found found -> decode(attribute, bytes, found.schema());
        };
    }

    private Part decode(KafkaSchemaRegistry.Attribute attribute, byte[] bytes, RegisteredSchema schema) {
        KafkaSchemaMetadata metadata = new KafkaSchemaMetadata(schema.format().name(), Integer.toString(schema.id()));
        if (registry.eventRecordFormat() == EventRecordFormat.SOURCE) {
            return new Decoded(Arrays.copyOfRange(bytes, WireFormat.HEADER_BYTES, bytes.length), metadata);
        }
        return switch (schema.format()) {
            case AVRO -> {
                try {
                    yield new Decoded(avroJson.toJson(schema, bytes, WireFormat.HEADER_BYTES), metadata);
                } catch (AvroJson.UndecodableException e) {
                    yield rejected(FailureCondition.DeserializationError, attribute, schema.id(), e.getMessage());
                }
            }
            case JSON -> {
                byte[] json = Arrays.copyOfRange(bytes, WireFormat.HEADER_BYTES, bytes.length);
                yield isJson(json) ? new Decoded(json, metadata) : rejected(FailureCondition.DeserializationError,
                        attribute, schema.id(), "is not JSON text after its framing");
            }
            case PROTOBUF -> rejected(FailureCondition.DeserializationError, attribute, schema.id(),
                    "is Protobuf, which esm4j does not convert to JSON: use EventRecordFormat SOURCE");
        };
    }

    private Rejected rejected(FailureCondition condition, KafkaSchemaRegistry.Attribute attribute,
                              @Nullable Integer schemaId, String why) {
        // The reason only, never the bytes: logs carry no payloads.
        LOG.atWarn().addKeyValue("mapping", mappingName).addKeyValue("attribute", attribute)
                .addKeyValue("schemaId", schemaId).addKeyValue("condition", condition)
                .log("record " + attribute.name().toLowerCase(Locale.ROOT) + " " + why
                        + "; the record is given up");
        return new Rejected(condition);
    }

    private static boolean isJson(byte[] text) {
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() == null) {
                return false;
            }
            parser.skipChildren();
            return parser.nextToken() == null;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    public void close() {
        schemas.close();
        http.close();
    }
}
