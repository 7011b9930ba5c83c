package io.esm4j.kafka.internal.schema.proto;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** The types of a {@code .proto} schema, as the decoder and the JSON writer need them. */
final class ProtoTypes {

    private ProtoTypes() {}

    /** Protobuf's scalar types, with the wire type each is written with. */
    enum Scalar {
        DOUBLE(1), FLOAT(5), INT64(0), UINT64(0), INT32(0), FIXED64(1), FIXED32(5), BOOL(0), STRING(2), BYTES(2),
        UINT32(0), SFIXED32(5), SFIXED64(1), SINT32(0), SINT64(0);

        final int wireType;

        Scalar(int wireType) {
            this.wireType = wireType;
        }

        static @Nullable Scalar of(String name) {
            for (Scalar scalar : values()) {
                if (scalar.name().toLowerCase(java.util.Locale.ROOT).equals(name)) {
                    return scalar;
                }
            }
            return null;
        }
    }

    enum Label { NONE, OPTIONAL, REQUIRED, REPEATED }

    /** A message type; its fields' types are resolved when the schema is linked. */
    static final class MessageType {
        final String fullName;
        /** Whether a singular scalar field without a label tracks presence (proto2 and editions) or not (proto3). */
        final boolean explicitPresence;
        final List<Field> fields = new ArrayList<>();
        final List<MessageType> nested = new ArrayList<>();
        /** The entry types protoc makes for map fields: not counted by Confluent's message indexes, by Glue's. */
        final List<MessageType> mapEntries = new ArrayList<>();
        final Map<Integer, Field> byNumber = new HashMap<>();

        MessageType(String fullName, boolean explicitPresence) {
            this.fullName = fullName;
            this.explicitPresence = explicitPresence;
        }

        @Nullable Field field(int number) {
            return byNumber.get(number);
        }
    }

    /** A field; exactly one of scalar, message and enumType is set once linked. */
    static final class Field {
        final String name;
        final String jsonName;
        final int number;
        final Label label;
        /** The type as written in the schema, resolved by the linker. */
        final String typeName;
        /** The oneof the field belongs to (index within its message), or -1. */
        final int oneof;
        /** A map field: a repeated message of key (1) and value (2). */
        final boolean map;
        @Nullable Scalar scalar;
        @Nullable MessageType message;
        @Nullable EnumType enumType;

        Field(String name, @Nullable String jsonName, int number, Label label, String typeName, int oneof,
              boolean map) {
            this.name = name;
            this.jsonName = jsonName != null ? jsonName : jsonName(name);
            this.number = number;
            this.label = label;
            this.typeName = typeName;
            this.oneof = oneof;
            this.map = map;
            this.scalar = Scalar.of(typeName);
        }

        boolean repeated() {
            return label == Label.REPEATED;
        }

        /** protoc's default JSON name: underscores dropped, the letter after each upper-cased. */
        static String jsonName(String name) {
            StringBuilder json = new StringBuilder(name.length());
            boolean upper = false;
            for (char c : name.toCharArray()) {
                if (c == '_') {
                    upper = true;
                } else {
                    json.append(upper ? Character.toUpperCase(c) : c);
                    upper = false;
                }
            }
            return json.toString();
        }
    }

    /** An enum: its value names by number (the first name of a number, if aliases share it). */
    static final class EnumType {
        final String fullName;
        final Map<Integer, String> names = new LinkedHashMap<>();

        EnumType(String fullName) {
            this.fullName = fullName;
        }
    }
}
