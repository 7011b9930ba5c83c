package io.esm4j.kafka.internal.schema.proto;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.EnumType;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.Field;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.MessageType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Protobuf schema as a schema registry holds it ({@code .proto} text), linked, and what it makes of a record: the
 * message the record's message indexes name (Confluent's or AWS Glue's), decoded from the wire format and written as
 * Protobuf's JSON mapping. Google's well-known types ({@code google/protobuf/timestamp.proto} and the others a
 * message may import) are known, and so are the types of the files the schema imports when they come with it (a
 * registry's references).
 */
public final class ProtoSchema {

    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE).build();
    private static final Map<String, Object> WELL_KNOWN = wellKnownTypes();

    /** How a record names the message of the schema it is. */
    public enum MessageIndexes {
        /**
         * Confluent's: a zigzag varint count, then that many zigzag varints (a count of 0 stands for {@code [0]}),
         * walked from the file's top-level messages down through nested ones (enums and map entries not counted).
         */
        CONFLUENT,
        /**
         * AWS Glue's: one varint, the position of the message among all the file's messages, nested ones and map
         * entries included, sorted by full name.
         */
        GLUE
    }

    private final List<MessageType> topLevel;
    private final Map<String, Object> types;

    private ProtoSchema(List<MessageType> topLevel, Map<String, Object> types) {
        this.topLevel = topLevel;
        this.types = types;
    }

    /** A schema that imports nothing but Google's well-known types. */
    public static ProtoSchema parse(String text) {
        return parse(text, List.of());
    }

    /**
     * @param imported the files the schema imports (the registry's references), each after those it imports in turn
     * @throws ProtoSyntaxException naming the line and what was expected, or the type that is not defined
     */
    public static ProtoSchema parse(String text, List<String> imported) {
        Map<String, Object> types = new HashMap<>(WELL_KNOWN);
        for (String file : imported) {
            ProtoParser.parse(file, types);
        }
        List<MessageType> topLevel = ProtoParser.parse(text, types);
        for (Object type : types.values()) {
            if (type instanceof MessageType message && !WELL_KNOWN.containsKey(message.fullName)) {
                link(message, types);
            }
        }
        if (topLevel.isEmpty()) {
            throw new ProtoSyntaxException("no message type: expected at least one");
        }
        return new ProtoSchema(topLevel, types);
    }

    /**
     * The JSON text (UTF-8) of the record in {@code bytes} from {@code offset} on: its message indexes, then the
     * message they name in the wire format.
     *
     * @throws ProtoDecodeException if the indexes name no message or the bytes are not that message
     */
    public byte[] toJson(byte[] bytes, int offset, MessageIndexes indexes) {
        ProtoReader reader = new ProtoReader(bytes, offset, bytes.length);
        MessageType type = indexes == MessageIndexes.CONFLUENT ? messageAt(reader) : glueMessageAt(reader);
        ProtoReader.Decoded message = reader.readMessage(type);
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(32, (bytes.length - offset) * 2));
        // A character generator: Jackson's byte one escapes characters beyond the BMP once escapes are customised.
        try (JsonGenerator generator = JSON.createGenerator(new OutputStreamWriter(out, StandardCharsets.UTF_8))) {
            generator.setCharacterEscapes(ProtoJsonWriter.ESCAPES);
            new ProtoJsonWriter(generator, types).write(message);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    /**
     * Reads the message indexes (a zigzag varint count, then that many zigzag varints; a count of 0 stands for
     * {@code [0]}, the first message) and walks them: the first among the file's top-level messages, each next among
     * the nested messages of the one before (enums and map entries are not counted, as Confluent's serializer counts).
     */
    private MessageType messageAt(ProtoReader reader) {
        int count = reader.readZigZagIndex();
        List<MessageType> candidates = topLevel;
        MessageType type = null;
        for (int i = 0; i < Math.max(1, count); i++) {
            int index = count == 0 ? 0 : reader.readZigZagIndex();
            if (index < 0 || index >= candidates.size()) {
                throw new ProtoDecodeException("the record's message index " + index + " (at depth " + i + ") names "
                        + "no message; expected 0 to " + (candidates.size() - 1));
            }
            type = candidates.get(index);
            candidates = type.nested;
        }
        return type;
    }

    private MessageType glueMessageAt(ProtoReader reader) {
        int index = reader.readUnsignedIndex();
        List<MessageType> all = new ArrayList<>();
        Deque<MessageType> level = new ArrayDeque<>(topLevel);
        while (!level.isEmpty()) {
            MessageType message = level.removeFirst();
            all.add(message);
            level.addAll(message.nested);
            level.addAll(message.mapEntries);
        }
        all.sort(Comparator.comparing(message -> message.fullName));
        if (index < 0 || index >= all.size()) {
            throw new ProtoDecodeException("the record's message index " + Integer.toUnsignedString(index)
                    + " names no message; expected 0 to " + (all.size() - 1));
        }
        return all.get(index);
    }

    private static void link(MessageType message, Map<String, Object> types) {
        for (Field field : message.fields) {
            if (field.scalar != null) {
                continue;
            }
            Object type = resolve(field.typeName, message.fullName, types);
            switch (type) {
                case MessageType resolved -> field.message = resolved;
                case EnumType resolved -> field.enumType = resolved;
                case null -> throw new ProtoSyntaxException(message.fullName + "." + field.name + ": type "
                        + field.typeName + " is not defined in the schema, in the schemas it references or among "
                        + "Google's well-known types");
                default -> throw new IllegalStateException("not a type: " + type);
            }
        }
    }

    /** Protobuf's scoping: the innermost scope first, then each enclosing one, then the root. */
    private static Object resolve(String name, String scope, Map<String, Object> types) {
        if (name.startsWith(".")) {
            return types.get(name.substring(1));
        }
        String current = scope;
        while (true) {
            Object type = types.get(current.isEmpty() ? name : current + "." + name);
            if (type != null || current.isEmpty()) {
                return type;
            }
            int dot = current.lastIndexOf('.');
            current = dot < 0 ? "" : current.substring(0, dot);
        }
    }

    private static Map<String, Object> wellKnownTypes() {
        Map<String, Object> types = new HashMap<>();
        ProtoParser.parse("""
                syntax = "proto3";
                package google.protobuf;
                message Timestamp { int64 seconds = 1; int32 nanos = 2; }
                message Duration { int64 seconds = 1; int32 nanos = 2; }
                message Any { string type_url = 1; bytes value = 2; }
                message Empty {}
                message FieldMask { repeated string paths = 1; }
                message Struct { map<string, Value> fields = 1; }
                message Value {
                  oneof kind {
                    NullValue null_value = 1; double number_value = 2; string string_value = 3; bool bool_value = 4;
                    Struct struct_value = 5; ListValue list_value = 6;
                  }
                }
                enum NullValue { NULL_VALUE = 0; }
                message ListValue { repeated Value values = 1; }
                message DoubleValue { double value = 1; }
                message FloatValue { float value = 1; }
                message Int64Value { int64 value = 1; }
                message UInt64Value { uint64 value = 1; }
                message Int32Value { int32 value = 1; }
                message UInt32Value { uint32 value = 1; }
                message BoolValue { bool value = 1; }
                message StringValue { string value = 1; }
                message BytesValue { bytes value = 1; }
                """, types);
        for (Object type : types.values()) {
            if (type instanceof MessageType message) {
                link(message, types);
            }
        }
        return Map.copyOf(types);
    }
}
