package io.esm4j.kafka.internal.schema;

import io.esm4j.kafka.internal.schema.proto.ProtoDecodeException;
import io.esm4j.kafka.internal.schema.proto.ProtoSchema;
import io.esm4j.kafka.internal.schema.proto.ProtoSyntaxException;
import java.util.HashMap;
import java.util.Map;

/**
 * A Protobuf key or value as JSON text: the message its Confluent message indexes name in its registered
 * {@code .proto} schema, decoded and written as Protobuf's JSON mapping (see {@link ProtoSchema}). For one thread
 * (the mapping's intake): it keeps each schema once parsed, or why it did not parse.
 */
public final class ProtobufJson {

    private final Map<String, Object> schemas = new HashMap<>();

    /**
     * The JSON text (UTF-8) of the record in {@code bytes} from {@code offset} on (its message indexes, then the
     * message), written with {@code schema}.
     *
     * @throws UndecodableException if the schema does not parse or the bytes are not the message it names
     */
    public byte[] toJson(RegisteredSchema schema, byte[] bytes, int offset, ProtoSchema.MessageIndexes indexes)
            throws UndecodableException {
        Object parsed = schemas.computeIfAbsent(schema.id(), id -> parse(schema));
        if (parsed instanceof String reason) {
            throw new UndecodableException(reason, null);
        }
        try {
            return ((ProtoSchema) parsed).toJson(bytes, offset, indexes);
        } catch (ProtoDecodeException e) {
            throw new UndecodableException("The Protobuf record does not decode with schema " + schema.id() + ": "
                    + e.getMessage() + ". Expected the message's index and a message of that schema after the "
                    + "registry's header.", e);
        }
    }

    /** The schema, or why it cannot be used (kept, so that each record's log line says it without parsing again). */
    private static Object parse(RegisteredSchema schema) {
        try {
            return ProtoSchema.parse(schema.text(), schema.referencesInDependencyOrder().stream()
                    .map(reference -> reference.schema().text()).toList());
        } catch (ProtoSyntaxException e) {
            return "Schema " + schema.id() + " from the registry is not a .proto file esm4j can read: "
                    + e.getMessage() + ".";
        }
    }
}
