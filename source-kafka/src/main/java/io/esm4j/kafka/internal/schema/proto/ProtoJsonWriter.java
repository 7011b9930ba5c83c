package io.esm4j.kafka.internal.schema.proto;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import io.esm4j.kafka.internal.schema.proto.ProtoReader.Decoded;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.Field;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.Label;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.MessageType;
import java.io.IOException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Writes a decoded message as Protobuf's JSON mapping, as protobuf-java's {@code JsonFormat.printer()} does by
 * default: fields by their JSON name (lowerCamelCase unless {@code json_name} says otherwise) in field-number order, a
 * proto3 field without presence left out at its default value, 64-bit integers as strings, bytes as base64, enums by
 * name (an unknown number as the number), NaN and infinities as strings, and the well-known types in their own forms
 * (a Timestamp as RFC 3339 text, a Duration as {@code "1.5s"}, wrappers as their value, Struct, Value and ListValue
 * as the JSON they hold, a FieldMask as text, an Any with its {@code @type}).
 */
final class ProtoJsonWriter {

    /**
     * Strings escaped as protobuf-java's printer (Gson's) escapes them: besides JSON's own, {@code < > & = '} and
     * the line and paragraph separators as {@code \\uXXXX} in lower-case hex, so that a handler sees the same text.
     */
    static final CharacterEscapes ESCAPES = new CharacterEscapes() {
        private static final String HTML = "<>&='";
        private final int[] ascii = asciiEscapes();

        private static int[] asciiEscapes() {
            int[] escapes = standardAsciiEscapesForJSON();
            for (char c : HTML.toCharArray()) {
                escapes[c] = ESCAPE_CUSTOM;
            }
            return escapes;
        }

        @Override
        public int[] getEscapeCodesForAscii() {
            return ascii;
        }

        @Override
        public SerializableString getEscapeSequence(int ch) {
            return HTML.indexOf(ch) >= 0 || ch == 0x2028 || ch == 0x2029
                    ? new SerializedString(String.format("\\u%04x", ch)) : null;
        }
    };

    private static final DateTimeFormatter SECONDS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss");
    /** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, the range a Timestamp may hold. */
    private static final long MIN_SECONDS = -62_135_596_800L;
    private static final long MAX_SECONDS = 253_402_300_799L;

    private final JsonGenerator json;
    private final Map<String, Object> types;

    ProtoJsonWriter(JsonGenerator json, Map<String, Object> types) {
        this.json = json;
        this.types = types;
    }

    void write(Decoded message) throws IOException {
        if (!writeWellKnown(message)) {
            json.writeStartObject();
            writeFields(message);
            json.writeEndObject();
        }
    }

    private void writeFields(Decoded message) throws IOException {
        for (Map.Entry<Integer, Object> entry : message.values().entrySet()) {
            Field field = message.type().field(entry.getKey());
            if (printed(message.type(), field, entry.getValue())) {
                json.writeFieldName(field.jsonName);
                writeValue(field, entry.getValue());
            }
        }
    }

    /** Proto3 fields without presence are printed only when they differ from their default. */
    private static boolean printed(MessageType type, Field field, Object value) {
        if (field.repeated() || field.message != null || field.oneof >= 0 || field.label == Label.OPTIONAL
                || type.explicitPresence) {
            return true;
        }
        return value instanceof byte[] bytes ? bytes.length > 0 : !value.equals(ProtoReader.defaultValue(field));
    }

    private void writeValue(Field field, Object value) throws IOException {
        if (field.map) {
            Field key = field.message.field(1);
            Field mapValue = field.message.field(2);
            json.writeStartObject();
            for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                json.writeFieldName(key.scalar == ProtoTypes.Scalar.UINT64 || key.scalar == ProtoTypes.Scalar.FIXED64
                        ? Long.toUnsignedString((Long) entry.getKey()) : String.valueOf(entry.getKey()));
                writeSingle(mapValue, entry.getValue());
            }
            json.writeEndObject();
        } else if (field.repeated()) {
            json.writeStartArray();
            for (Object element : (List<?>) value) {
                writeSingle(field, element);
            }
            json.writeEndArray();
        } else {
            writeSingle(field, value);
        }
    }

    private void writeSingle(Field field, Object value) throws IOException {
        if (field.message != null) {
            write((Decoded) value);
        } else if (field.enumType != null) {
            String name = field.enumType.names.get((Integer) value);
            if (field.enumType.fullName.equals("google.protobuf.NullValue")) {
                json.writeNull();
            } else if (name != null) {
                json.writeString(name);
            } else {
                json.writeNumber((Integer) value);
            }
        } else {
            switch (field.scalar) {
                case INT32, SINT32, SFIXED32 -> json.writeNumber((Integer) value);
                case UINT32, FIXED32 -> json.writeNumber((Long) value);
                case INT64, SINT64, SFIXED64 -> json.writeString(Long.toString((Long) value));
                case UINT64, FIXED64 -> json.writeString(Long.toUnsignedString((Long) value));
                case FLOAT -> writeFloating(((Float) value).doubleValue(), Float.toString((Float) value));
                case DOUBLE -> writeFloating((Double) value, Double.toString((Double) value));
                case BOOL -> json.writeBoolean((Boolean) value);
                case STRING -> json.writeString((String) value);
                case BYTES -> json.writeString(Base64.getEncoder().encodeToString((byte[]) value));
                case null -> throw new IllegalStateException("an unlinked field: " + field.name);
            }
        }
    }

    private void writeFloating(double value, String text) throws IOException {
        if (Double.isNaN(value)) {
            json.writeString("NaN");
        } else if (Double.isInfinite(value)) {
            json.writeString(value > 0 ? "Infinity" : "-Infinity");
        } else {
            json.writeNumber(text);
        }
    }

    /** Writes a well-known type in its own JSON form; false for any other message. */
    private boolean writeWellKnown(Decoded message) throws IOException {
        String name = message.type().fullName;
        if (!name.startsWith("google.protobuf.")) {
            return false;
        }
        switch (name.substring("google.protobuf.".length())) {
            case "Timestamp" -> json.writeString(timestamp(number(message, 1), (int) number(message, 2)));
            case "Duration" -> json.writeString(duration(number(message, 1), (int) number(message, 2)));
            case "DoubleValue", "FloatValue", "Int64Value", "UInt64Value", "Int32Value", "UInt32Value", "BoolValue",
                 "StringValue", "BytesValue" -> {
                Field value = message.type().field(1);
                writeSingle(value, message.values().getOrDefault(1, ProtoReader.defaultValue(value)));
            }
            case "Struct" -> writeValue(message.type().field(1), message.values().getOrDefault(1, Map.of()));
            case "ListValue" -> writeValue(message.type().field(1), message.values().getOrDefault(1, List.of()));
            case "Value" -> {
                // protobuf-java writes a Value with no kind set as null, as it does a null_value
                Map.Entry<Integer, Object> kind = message.values().firstEntry();
                if (kind == null) {
                    json.writeNull();
                } else {
                    writeSingle(message.type().field(kind.getKey()), kind.getValue());
                }
            }
            case "FieldMask" -> {
                List<?> paths = (List<?>) message.values().getOrDefault(1, List.of());
                json.writeString(String.join(",", paths.stream().map(path -> (String) path)
                        .filter(path -> !path.isEmpty()).map(ProtoJsonWriter::camelPath).toList()));
            }
            case "Any" -> writeAny(message);
            default -> {
                return false;
            }
        }
        return true;
    }

    /** {@code {"@type": url, ...the message's fields}}, or {@code "value"} holding a well-known type's form. */
    private void writeAny(Decoded any) throws IOException {
        String url = (String) any.values().getOrDefault(1, "");
        byte[] value = (byte[]) any.values().getOrDefault(2, new byte[0]);
        if (url.isEmpty() && value.length == 0) {
            json.writeStartObject();
            json.writeEndObject();
            return;
        }
        Object type = types.get(url.substring(url.lastIndexOf('/') + 1));
        if (!(type instanceof MessageType messageType)) {
            throw new ProtoDecodeException("a google.protobuf.Any of type " + url + ", which the schema does not "
                    + "define");
        }
        Decoded packed = new ProtoReader(value, 0, value.length).readMessage(messageType);
        json.writeStartObject();
        json.writeStringField("@type", url);
        if (messageType.fullName.startsWith("google.protobuf.") && !messageType.fullName.endsWith(".Empty")) {
            json.writeFieldName("value");
            write(packed);
        } else {
            writeFields(packed);
        }
        json.writeEndObject();
    }

    /**
     * A FieldMask path as protobuf-java writes it (Guava's lower_underscore to lowerCamel): the words between
     * underscores, the first in lower case, each next capitalised and the rest of it in lower case (ASCII only).
     */
    private static String camelPath(String path) {
        StringBuilder camel = new StringBuilder(path.length());
        String[] words = path.split("_", -1);
        for (int i = 0; i < words.length; i++) {
            String word = asciiLower(words[i]);
            camel.append(i == 0 || word.isEmpty() ? word : asciiUpper(word.charAt(0)) + word.substring(1));
        }
        return camel.toString();
    }

    private static String asciiLower(String text) {
        StringBuilder lower = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            lower.append(c >= 'A' && c <= 'Z' ? (char) (c + 32) : c);
        }
        return lower.toString();
    }

    private static char asciiUpper(char c) {
        return c >= 'a' && c <= 'z' ? (char) (c - 32) : c;
    }

    private static long number(Decoded message, int field) {
        return ((Number) message.values().getOrDefault(field, 0)).longValue();
    }

    private static String timestamp(long seconds, int nanos) {
        if (seconds < MIN_SECONDS || seconds > MAX_SECONDS || nanos < 0 || nanos > 999_999_999) {
            throw new ProtoDecodeException("a google.protobuf.Timestamp of " + seconds + " s and " + nanos
                    + " ns; expected 0001-01-01 to 9999-12-31 and 0 to 999999999 ns");
        }
        return SECONDS.format(LocalDateTime.ofEpochSecond(seconds, 0, ZoneOffset.UTC)) + fraction(nanos) + "Z";
    }

    private static String duration(long seconds, int nanos) {
        if (Math.abs(seconds) > 315_576_000_000L || Math.abs(nanos) > 999_999_999
                || (seconds < 0 && nanos > 0) || (seconds > 0 && nanos < 0)) {
            throw new ProtoDecodeException("a google.protobuf.Duration of " + seconds + " s and " + nanos + " ns; "
                    + "expected at most 10,000 years, with seconds and nanos of one sign");
        }
        String sign = seconds < 0 || nanos < 0 ? "-" : "";
        return sign + Math.abs(seconds) + fraction(Math.abs(nanos)) + "s";
    }

    /** No digits for whole seconds, else 3, 6 or 9, as few as hold the nanos. */
    private static String fraction(int nanos) {
        if (nanos == 0) {
            return "";
        }
        if (nanos % 1_000_000 == 0) {
            return String.format(".%03d", nanos / 1_000_000);
        }
        return nanos % 1_000 == 0 ? String.format(".%06d", nanos / 1_000) : String.format(".%09d", nanos);
    }
}
