package io.esm4j.kafka.internal.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON Schema records checked against their registered schema. A schema without {@code $schema} is read as draft 7,
 * the draft Confluent's JSON Schema serializer writes. The schemas a registered one references (other subjects'
 * versions, named as its {@code $ref}s name them) come with it from the registry; nothing is fetched from the network
 * here: a schema that needs any other remote one fails to load, and its records do not validate. For one thread (the
 * mapping's intake): it keeps each schema once loaded.
 */
public final class JsonSchemas {

    /** Where a schema without an {@code $id} is taken to be, so that relative references resolve against it. */
    private static final URI BASE = URI.create("https://schema-registry.esm4j.invalid/schemas/");

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, Schema> schemas = new HashMap<>();

    /**
     * Checks the JSON text in {@code bytes} from {@code offset} on against {@code schema}.
     *
     * @throws UndecodableException naming what failed: the schema, the text's syntax, or the first place
     *                                       where the value breaks the schema (its path and keyword, never the value)
     */
    public void validate(RegisteredSchema schema, byte[] bytes, int offset) throws UndecodableException {
        Schema loaded = schemas.get(schema.id());
        if (loaded == null) {
            try {
                loaded = load(schema);
            } catch (RuntimeException | java.io.IOException e) {
                throw new UndecodableException("Schema " + schema.id() + " from the registry is not a JSON "
                        + "Schema this validator can load: " + e.getMessage(), e);
            }
            schemas.put(schema.id(), loaded);
        }
        List<Error> errors;
        try {
            errors = loaded.validate(new String(bytes, offset, bytes.length - offset, StandardCharsets.UTF_8),
                    InputFormat.JSON);
        } catch (RuntimeException e) {
            // The parser's message quotes the text, which is the record: name the kind of failure only.
            throw new UndecodableException("The record is not JSON text after its framing ("
                    + e.getClass().getSimpleName() + ").", null);
        }
        if (!errors.isEmpty()) {
            Error first = errors.getFirst();
            throw new UndecodableException("The record does not match JSON Schema " + schema.id() + ": "
                    + errors.size() + " error(s), the first at " + first.getInstanceLocation() + " (keyword "
                    + first.getKeyword() + ").", null);
        }
    }

    /**
     * The schema with its references: each is served, to this schema's loader only, at the name it is referenced by,
     * resolved against the schema's {@code $id} (or a base of esm4j's own when it has none) as a {@code $ref} is.
     */
    private static Schema load(RegisteredSchema schema) throws java.io.IOException {
        JsonNode root = JSON.readTree(schema.text());
        URI base = BASE.resolve("id-" + schema.id() + ".json");
        if (root.path("$id").isTextual()) {
            base = BASE.resolve(URI.create(root.path("$id").asText())); // an absolute $id stays as it is
        }
        Map<String, String> references = new HashMap<>();
        for (RegisteredSchema.Reference reference : schema.referencesInDependencyOrder()) {
            references.put(base.resolve(reference.name()).toString(), reference.schema().text());
        }
        SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
                builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)
                        .resourceLoaders(loaders -> loaders.resources(references))));
        Schema loaded = registry.getSchema(SchemaLocation.of(base.toString()), root);
        loaded.initializeValidators();
        return loaded;
    }
}
