package io.esm4j.kafka.internal.schema.proto;

import io.esm4j.kafka.internal.schema.proto.ProtoTypes.Field;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.MessageType;
import io.esm4j.kafka.internal.schema.proto.ProtoTypes.Scalar;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Decodes Protobuf's wire format as protobuf-java parses it: a field whose wire type does not fit its declared type
 * is an unknown field, unknown fields are skipped, a singular field given twice keeps its last value (a message
 * merges), a oneof keeps the member set last, repeated numbers are read packed or not. Strings must be UTF-8.
 */
final class ProtoReader {

    /** A decoded message: values by field number (boxed scalars, lists, maps and nested {@code Decoded}s). */
    record Decoded(MessageType type, TreeMap<Integer, Object> values) {
        Decoded(MessageType type) {
            this(type, new TreeMap<>());
        }
    }

    private static final int MAX_DEPTH = 100;
    private static final int VARINT = 0;
    private static final int FIXED64 = 1;
    private static final int LENGTH_DELIMITED = 2;
    private static final int START_GROUP = 3;
    private static final int END_GROUP = 4;
    private static final int FIXED32 = 5;

    private final byte[] bytes;
    private int position;
    private final int end;

    ProtoReader(byte[] bytes, int position, int end) {
        this.bytes = bytes;
        this.position = position;
        this.end = end;
    }

    /** AWS Glue's message index (a varint of 32 bits, read as protobuf-java reads a uint32). */
    int readUnsignedIndex() {
        return (int) varint();
    }

    /** One of Confluent's message indexes (a zigzag varint). */
    int readZigZagIndex() {
        long value = varint();
        long decoded = (value >>> 1) ^ -(value & 1);
        if (decoded < Integer.MIN_VALUE || decoded > Integer.MAX_VALUE) {
            throw new ProtoDecodeException("a message index of " + decoded + ": expected a small number");
        }
        return (int) decoded;
    }

    /** The rest of the bytes as one message of {@code type}. */
    Decoded readMessage(MessageType type) {
        Decoded message = new Decoded(type);
        readInto(message, end, 0);
        return message;
    }

    private void readInto(Decoded message, int limit, int depth) {
        if (depth > MAX_DEPTH) {
            throw new ProtoDecodeException("messages nested deeper than " + MAX_DEPTH);
        }
        while (position < limit) {
            // A tag is 32 bits: protobuf-java reads its varint so, dropping higher bits, and so does this.
            int tag = (int) varint();
            int number = tag >>> 3;
            int wireType = tag & 7;
            if (number == 0) {
                throw new ProtoDecodeException(message.type().fullName + ": a field number of 0 at byte " + position
                        + "; expected 1 to 536870911");
            }
            Field field = message.type().field(number);
            if (field == null || !fits(field, wireType)) {
                skip(wireType, number, depth);
            } else if (field.repeated() && wireType == LENGTH_DELIMITED && field.message == null
                    && (field.scalar == null || field.scalar.wireType != LENGTH_DELIMITED)) {
                int packedEnd = lengthEnd();
                while (position < packedEnd) {
                    store(message, field, scalarOrEnum(field));
                }
                if (position != packedEnd) {
                    throw truncated(message.type(), field);
                }
            } else if (field.map) {
                int entryEnd = lengthEnd();
                Decoded entry = new Decoded(field.message);
                readInto(entry, entryEnd, depth + 1);
                @SuppressWarnings("unchecked")
                Map<Object, Object> map = (Map<Object, Object>) message.values()
                        .computeIfAbsent(number, n -> new LinkedHashMap<>());
                map.put(entry.values().getOrDefault(1, defaultValue(field.message.field(1))),
                        entry.values().getOrDefault(2, defaultValue(field.message.field(2))));
            } else if (field.message != null) {
                int messageEnd = lengthEnd();
                Object existing = field.repeated() ? null : message.values().get(number);
                Decoded nested = existing instanceof Decoded merged ? merged : new Decoded(field.message);
                readInto(nested, messageEnd, depth + 1);
                store(message, field, nested);
            } else {
                store(message, field, scalarOrEnum(field));
            }
        }
        if (position != limit) {
            throw new ProtoDecodeException(message.type().fullName + ": a field runs past the end of its message");
        }
    }

    private static boolean fits(Field field, int wireType) {
        if (field.message != null) {
            return wireType == LENGTH_DELIMITED;
        }
        int declared = field.scalar == null ? VARINT : field.scalar.wireType;
        return wireType == declared || (field.repeated() && wireType == LENGTH_DELIMITED);
    }

    private static void store(Decoded message, Field field, Object value) {
        if (field.repeated()) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) message.values().computeIfAbsent(field.number, n -> new ArrayList<>());
            list.add(value);
            return;
        }
        if (field.oneof >= 0) {
            message.values().keySet().removeIf(number -> number != field.number
                    && message.type().field(number).oneof == field.oneof);
        }
        message.values().put(field.number, value);
    }

    private Object scalarOrEnum(Field field) {
        if (field.scalar == null) {
            return (int) varint(); // an enum's number
        }
        return switch (field.scalar) {
            case INT32 -> (int) varint();
            case INT64, UINT64 -> varint();
            case UINT32 -> varint() & 0xffff_ffffL;
            case SINT32 -> {
                int value = (int) varint();
                yield (value >>> 1) ^ -(value & 1);
            }
            case SINT64 -> {
                long value = varint();
                yield (value >>> 1) ^ -(value & 1);
            }
            case BOOL -> varint() != 0;
            case FIXED32 -> fixed32() & 0xffff_ffffL;
            case SFIXED32 -> fixed32();
            case FLOAT -> Float.intBitsToFloat(fixed32());
            case FIXED64, SFIXED64 -> fixed64();
            case DOUBLE -> Double.longBitsToDouble(fixed64());
            case STRING -> string(field);
            case BYTES -> {
                int bytesEnd = lengthEnd();
                byte[] value = Arrays.copyOfRange(bytes, position, bytesEnd);
                position = bytesEnd;
                yield value;
            }
        };
    }

    private String string(Field field) {
        int stringEnd = lengthEnd();
        try {
            String value = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, position, stringEnd - position)).toString();
            position = stringEnd;
            return value;
        } catch (CharacterCodingException e) {
            throw new ProtoDecodeException("field " + field.name + " (" + field.number + "): a string that is not "
                    + "UTF-8");
        }
    }

    static Object defaultValue(Field field) {
        if (field.message != null) {
            return new Decoded(field.message);
        }
        if (field.scalar == null) {
            return 0;
        }
        return switch (field.scalar) {
            case INT32, SINT32, SFIXED32 -> 0;
            case INT64, UINT64, SINT64, FIXED64, SFIXED64, UINT32, FIXED32 -> 0L;
            case FLOAT -> 0.0f;
            case DOUBLE -> 0.0;
            case BOOL -> false;
            case STRING -> "";
            case BYTES -> new byte[0];
        };
    }

    private void skip(int wireType, int number, int depth) {
        switch (wireType) {
            case VARINT -> varint();
            case FIXED64 -> need(8);
            case LENGTH_DELIMITED -> position = lengthEnd();
            case FIXED32 -> need(4);
            case START_GROUP -> {
                if (depth > MAX_DEPTH) {
                    throw new ProtoDecodeException("groups nested deeper than " + MAX_DEPTH);
                }
                while (true) {
                    int tag = (int) varint();
                    if ((tag & 7) == END_GROUP) {
                        if (tag >>> 3 != number) {
                            throw new ProtoDecodeException("a group of field " + number + " ended as field "
                                    + (tag >>> 3));
                        }
                        return;
                    }
                    skip(tag & 7, tag >>> 3, depth + 1);
                }
            }
            default -> throw new ProtoDecodeException("wire type " + wireType + " of field " + number + " at byte "
                    + position + "; expected 0 to 5");
        }
    }

    private long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (position >= end) {
                throw new ProtoDecodeException("the record ends inside a varint");
            }
            byte b = bytes[position++];
            value |= (long) (b & 0x7f) << shift;
            if (b >= 0) {
                return value;
            }
        }
        throw new ProtoDecodeException("a varint longer than 10 bytes at byte " + position);
    }

    private int fixed32() {
        int start = position;
        need(4);
        return (bytes[start] & 0xff) | (bytes[start + 1] & 0xff) << 8 | (bytes[start + 2] & 0xff) << 16
                | (bytes[start + 3] & 0xff) << 24;
    }

    private long fixed64() {
        long low = fixed32() & 0xffff_ffffL;
        return low | ((long) fixed32()) << 32;
    }

    /** Reads a length; returns where the value ends, checked against the record's end. */
    private int lengthEnd() {
        long length = varint();
        if (length < 0 || length > end - position) {
            throw new ProtoDecodeException("a length of " + length + " at byte " + position + " runs past the "
                    + "record's end");
        }
        return position + (int) length;
    }

    private void need(int count) {
        if (end - position < count) {
            throw new ProtoDecodeException("the record ends inside a fixed-size value");
        }
        position += count;
    }

    private static ProtoDecodeException truncated(MessageType type, Field field) {
        return new ProtoDecodeException(type.fullName + "." + field.name + ": a packed value runs past its end");
    }
}
