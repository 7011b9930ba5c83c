package io.esm4j.kafka.internal.schema;

import org.jspecify.annotations.Nullable;

/**
 * What a registered schema describes, by the names a Confluent registry gives in {@code schemaType} (absent for Avro)
 * and Lambda's event gives in a record's {@code dataFormat}.
 */
public enum SchemaFormat {
    AVRO,
    JSON,
    PROTOBUF;

    /**
     * The format of a registry's {@code schemaType} (or Glue's {@code DataFormat}); Avro when the registry leaves it
     * out, as Confluent's does; null for a type esm4j does not read.
     */
    static @Nullable SchemaFormat ofSchemaType(@Nullable String schemaType) {
        if (schemaType == null || schemaType.isEmpty()) {
            return AVRO;
        }
        return switch (schemaType) {
            case "AVRO" -> AVRO;
            case "JSON" -> JSON;
            case "PROTOBUF" -> PROTOBUF;
            default -> null;
        };
    }
}
