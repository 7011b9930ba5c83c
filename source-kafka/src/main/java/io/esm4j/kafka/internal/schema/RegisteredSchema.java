package io.esm4j.kafka.internal.schema;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A schema as the registry serves it by id, with the schemas it references (other subjects' versions), resolved.
 * Ids and subject versions never change what they name, so a schema once fetched is kept for as long as the mapping
 * runs.
 *
 * @param id         the id records carry in their framing (a Confluent registry's number, a Glue schema version's
 *                   UUID)
 * @param format     what the schema describes
 * @param text       the schema as the registry serves it (Avro's JSON, a JSON Schema, or a .proto file)
 * @param references the schemas it references, by the name it uses for each (for Avro the full name of a type, for
 *                   JSON Schema a {@code $ref}, for Protobuf an import), in the order the registry lists them
 */
public record RegisteredSchema(String id, SchemaFormat format, String text, List<Reference> references) {

    /** A referenced schema and the name the referencing one uses for it. */
    public record Reference(String name, RegisteredSchema schema) {
        public Reference {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(schema, "schema");
        }
    }

    public RegisteredSchema {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(text, "text");
        references = List.copyOf(references);
    }

    public RegisteredSchema(String id, SchemaFormat format, String text) {
        this(id, format, text, List.of());
    }

    /**
     * Every schema this one references, directly or through others, each once by name, those it references before
     * it: the order in which a parser that needs types defined first must read them.
     */
    public List<Reference> referencesInDependencyOrder() {
        Map<String, Reference> ordered = new LinkedHashMap<>();
        addDependencies(this, ordered);
        return new ArrayList<>(ordered.values());
    }

    private static void addDependencies(RegisteredSchema schema, Map<String, Reference> ordered) {
        for (Reference reference : schema.references()) {
            if (!ordered.containsKey(reference.name())) {
                addDependencies(reference.schema(), ordered);
                ordered.putIfAbsent(reference.name(), reference);
            }
        }
    }
}
