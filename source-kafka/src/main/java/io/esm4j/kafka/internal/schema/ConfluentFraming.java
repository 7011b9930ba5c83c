package io.esm4j.kafka.internal.schema;

import io.esm4j.kafka.internal.schema.proto.ProtoSchema;
import org.jspecify.annotations.Nullable;

/**
 * Confluent's framing of a key or value written with a schema registry: a zero "magic" byte, the schema's id as a
 * four-byte big-endian integer, then the payload (for Protobuf, the payload starts with the message indexes).
 */
public final class ConfluentFraming implements Framing {

    /** The magic byte and the schema id. */
    public static final int HEADER_BYTES = 5;
    private static final byte MAGIC = 0;

    @Override
    public @Nullable Framed unframe(byte[] part) {
        Integer id = schemaId(part);
        return id == null ? null : new Framed(Integer.toString(id), part, HEADER_BYTES);
    }

    @Override
    public String expected() {
        return "a zero byte, then the four-byte schema id";
    }

    @Override
    public ProtoSchema.MessageIndexes protobufIndexes() {
        return ProtoSchema.MessageIndexes.CONFLUENT;
    }

    /** The id of the schema the bytes were written with, or null if they are not framed (too short, or no magic). */
    public static @Nullable Integer schemaId(byte @Nullable [] bytes) {
        if (bytes == null || bytes.length < HEADER_BYTES || bytes[0] != MAGIC) {
            return null;
        }
        return ((bytes[1] & 0xff) << 24) | ((bytes[2] & 0xff) << 16) | ((bytes[3] & 0xff) << 8) | (bytes[4] & 0xff);
    }
}
