package io.esm4j.kafka;

import java.util.Objects;

/**
 * Which schema a record's key or value was validated with, as Lambda's event gives it ({@code keySchemaMetadata},
 * {@code valueSchemaMetadata}) when the mapping has a schema registry.
 *
 * @param dataFormat {@code AVRO}, {@code JSON} (JSON Schema) or {@code PROTOBUF}: what the schema describes
 * @param schemaId   the schema's id in its registry, as text
 */
public record KafkaSchemaMetadata(String dataFormat, String schemaId) {

    public KafkaSchemaMetadata {
        Objects.requireNonNull(dataFormat, "dataFormat");
        Objects.requireNonNull(schemaId, "schemaId");
    }
}
