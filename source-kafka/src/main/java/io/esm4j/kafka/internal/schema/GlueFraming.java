package io.esm4j.kafka.internal.schema;

import io.esm4j.kafka.internal.schema.proto.ProtoSchema;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.UUID;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/**
 * AWS Glue Schema Registry's framing, as its serializers write it: a header version byte (3), a compression byte (0
 * for none, 5 for zlib), the schema version id as a 16-byte UUID, then the payload, zlib-compressed if the second byte
 * says so. For Protobuf the payload starts with the message's index (see {@code ProtoSchema}).
 */
public final class GlueFraming implements Framing {

    public static final int HEADER_BYTES = 18;
    private static final byte HEADER_VERSION = 3;
    private static final byte NO_COMPRESSION = 0;
    private static final byte ZLIB = 5;
    /** The most a compressed payload may grow to: Kafka's own default limit on a message. */
    private static final int MAX_INFLATED = 64 * 1024 * 1024;

    @Override
    public @Nullable Framed unframe(byte[] part) throws UndecodableException {
        if (part.length < HEADER_BYTES || part[0] != HEADER_VERSION
                || (part[1] != NO_COMPRESSION && part[1] != ZLIB)) {
            return null;
        }
        ByteBuffer header = ByteBuffer.wrap(part, 2, 16);
        String id = new UUID(header.getLong(), header.getLong()).toString();
        return part[1] == NO_COMPRESSION ? new Framed(id, part, HEADER_BYTES) : new Framed(id, inflate(part), 0);
    }

    @Override
    public String expected() {
        return "AWS Glue's header: byte 3, a compression byte (0 or 5), then the 16-byte schema version id";
    }

    @Override
    public ProtoSchema.MessageIndexes protobufIndexes() {
        return ProtoSchema.MessageIndexes.GLUE;
    }

    private static byte[] inflate(byte[] part) throws UndecodableException {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(part, HEADER_BYTES, part.length - HEADER_BYTES);
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(64, part.length * 4));
            byte[] buffer = new byte[8192];
            while (!inflater.finished()) {
                int inflated = inflater.inflate(buffer);
                if (inflated == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new UndecodableException("The zlib-compressed payload after AWS Glue's header ends early.",
                            null);
                }
                out.write(buffer, 0, inflated);
                if (out.size() > MAX_INFLATED) {
                    throw new UndecodableException("The zlib-compressed payload after AWS Glue's header inflates past "
                            + MAX_INFLATED + " bytes.", null);
                }
            }
            return out.toByteArray();
        } catch (DataFormatException e) {
            throw new UndecodableException("The payload after AWS Glue's header says it is zlib-compressed but is not: "
                    + e.getMessage() + ".", e);
        } finally {
            inflater.end();
        }
    }
}
