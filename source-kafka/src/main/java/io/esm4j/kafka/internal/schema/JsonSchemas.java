package io.esm4j.kafka.internal.schema;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON Schema records checked against their registered schema. A schema without {@code $schema} is read as draft 7,
 * the draft Confluent's JSON Schema serializer writes. References are never fetched from the network: a schema that
 * needs a remote one fails to load, and its records do not validate. For one thread (the mapping's intake): it keeps
 * each schema once loaded.
 */
public final class JsonSchemas {

    private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7,
            builder -> builder.schemaLoader(loader -> loader.fetchRemoteResources(false)));
    private final Map<Integer, Schema> schemas = new HashMap<>();

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
                loaded = registry.getSchema(schema.text(), InputFormat.JSON);
                loaded.initializeValidators();
            } catch (RuntimeException e) {
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
}
