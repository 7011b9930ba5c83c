package io.esm4j.kafka.internal.schema;

import io.esm4j.kafka.internal.schema.proto.ProtoSchema;
import org.jspecify.annotations.Nullable;

/** How a registry's serializers frame a key or value: the schema id it names, then the payload. */
public sealed interface Framing permits ConfluentFraming, GlueFraming {

    /**
     * A framed part: the schema id, and where its payload is ({@code bytes} from {@code offset} on: the part itself,
     * or its payload decompressed).
     */
    record Framed(String schemaId, byte[] bytes, int offset) {}

    /**
     * The part's schema id and payload, or null if the part is not framed so.
     *
     * @throws UndecodableException if it is framed so but its payload cannot be read (a compressed one that does not
     *                              decompress)
     */
    @Nullable Framed unframe(byte[] part) throws UndecodableException;

    /** What a framed part starts with, for the error a part that is not framed gets. */
    String expected();

    /** How a Protobuf payload names its message: this registry's serializer's message index. */
    ProtoSchema.MessageIndexes protobufIndexes();
}
