package io.esm4j.kafka.internal.schema;

import java.util.Objects;

/**
 * A schema as the registry serves it by id. Ids never change what they name, so a schema once fetched is kept for
 * as long as the mapping runs.
 *
 * @param id     the id records carry in their framing
 * @param format what the schema describes
 * @param text   the schema as the registry serves it (Avro's JSON, a JSON Schema, or a .proto file)
 */
public record RegisteredSchema(int id, SchemaFormat format, String text) {

    public RegisteredSchema {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(text, "text");
    }
}
