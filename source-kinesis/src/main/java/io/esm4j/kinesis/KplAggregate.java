package io.esm4j.kinesis;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads a Kinesis Producer Library aggregated record: the magic bytes {@code F3 89 9A C2}, a protobuf
 * {@code AggregatedRecord}, and the MD5 of the protobuf bytes.
 *
 * <pre>
 * message AggregatedRecord { repeated string partition_key_table = 1; repeated string explicit_hash_key_table = 2;
 *                            repeated Record records = 3; }
 * message Record { required uint64 partition_key_index = 1; optional uint64 explicit_hash_key_index = 2;
 *                  required bytes data = 3; repeated Tag tags = 4; }
 * </pre>
 *
 * The message is small enough to decode by hand, which spares users a protobuf-java dependency and its version
 * conflicts. Data that does not carry the magic, whose MD5 does not match, or that does not parse is not an
 * aggregate: like the KCL, the caller then hands the Kinesis record over unchanged.
 */
final class KplAggregate {

    static final byte[] MAGIC = {(byte) 0xF3, (byte) 0x89, (byte) 0x9A, (byte) 0xC2};
    static final int DIGEST_LENGTH = 16;

    /** One user record of an aggregate. {@code explicitHashKey} is null when the producer did not set one. */
    record UserRecord(String partitionKey, @Nullable String explicitHashKey, byte[] data) {}

    private KplAggregate() {}

    /** The user records of an aggregated record, in order; empty if {@code data} is not a valid aggregate. */
    static Optional<List<UserRecord>> decode(byte[] data) {
        if (data.length < MAGIC.length + DIGEST_LENGTH
                || !Arrays.equals(data, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return Optional.empty();
        }
        int messageEnd = data.length - DIGEST_LENGTH;
        byte[] digest = md5(data, MAGIC.length, messageEnd - MAGIC.length);
        if (!Arrays.equals(digest, 0, DIGEST_LENGTH, data, messageEnd, data.length)) {
            return Optional.empty();
        }
        try {
            return Optional.of(parse(new ProtobufReader(data, MAGIC.length, messageEnd)));
        } catch (MalformedProtobufException e) {
            return Optional.empty();
        }
    }

    private static List<UserRecord> parse(ProtobufReader message) {
        List<String> partitionKeys = new ArrayList<>();
        List<String> explicitHashKeys = new ArrayList<>();
        List<RawRecord> raw = new ArrayList<>();
        while (message.hasMore()) {
            long tag = message.readVarint();
            switch ((int) tag) {
                case (1 << 3) | ProtobufReader.LENGTH_DELIMITED -> partitionKeys.add(message.readString());
                case (2 << 3) | ProtobufReader.LENGTH_DELIMITED -> explicitHashKeys.add(message.readString());
                case (3 << 3) | ProtobufReader.LENGTH_DELIMITED -> raw.add(parseRecord(message.readMessage()));
                default -> message.skip(tag);
            }
        }
        List<UserRecord> records = new ArrayList<>(raw.size());
        for (RawRecord r : raw) {
            if (r.partitionKeyIndex < 0 || r.partitionKeyIndex >= partitionKeys.size() || r.data == null) {
                throw new MalformedProtobufException("record without a valid partition key index or data");
            }
            String explicitHashKey = null;
            if (r.explicitHashKeyIndex >= 0) {
                if (r.explicitHashKeyIndex >= explicitHashKeys.size()) {
                    throw new MalformedProtobufException("explicit hash key index out of range");
                }
                explicitHashKey = explicitHashKeys.get((int) r.explicitHashKeyIndex);
            }
            records.add(new UserRecord(partitionKeys.get((int) r.partitionKeyIndex), explicitHashKey, r.data));
        }
        return records;
    }

    private static RawRecord parseRecord(ProtobufReader message) {
        RawRecord record = new RawRecord();
        while (message.hasMore()) {
            long tag = message.readVarint();
            switch ((int) tag) {
                case (1 << 3) | ProtobufReader.VARINT -> record.partitionKeyIndex = message.readVarint();
                case (2 << 3) | ProtobufReader.VARINT -> record.explicitHashKeyIndex = message.readVarint();
                case (3 << 3) | ProtobufReader.LENGTH_DELIMITED -> record.data = message.readBytes();
                default -> message.skip(tag); // tags (4) are not part of Lambda's event
            }
        }
        return record;
    }

    static byte[] md5(byte[] data, int offset, int length) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(data, offset, length);
            return md5.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is required of every JVM", e);
        }
    }

    private static final class RawRecord {
        long partitionKeyIndex = -1;
        long explicitHashKeyIndex = -1;
        byte @Nullable [] data;
    }

    static final class MalformedProtobufException extends RuntimeException {
        MalformedProtobufException(String message) {
            super(message);
        }
    }

    /** The few protobuf wire-format reads an AggregatedRecord needs. */
    private static final class ProtobufReader {
        static final int VARINT = 0;
        static final int FIXED64 = 1;
        static final int LENGTH_DELIMITED = 2;
        static final int FIXED32 = 5;

        private final byte[] buffer;
        private final int end;
        private int position;

        ProtobufReader(byte[] buffer, int start, int end) {
            this.buffer = buffer;
            this.position = start;
            this.end = end;
        }

        boolean hasMore() {
            return position < end;
        }

        long readVarint() {
            long value = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (position >= end) {
                    throw new MalformedProtobufException("truncated varint");
                }
                byte b = buffer[position++];
                value |= (long) (b & 0x7F) << shift;
                if ((b & 0x80) == 0) {
                    return value;
                }
            }
            throw new MalformedProtobufException("varint longer than 10 bytes");
        }

        byte[] readBytes() {
            int length = readLength();
            byte[] bytes = Arrays.copyOfRange(buffer, position, position + length);
            position += length;
            return bytes;
        }

        String readString() {
            int length = readLength();
            String text = new String(buffer, position, length, StandardCharsets.UTF_8);
            position += length;
            return text;
        }

        ProtobufReader readMessage() {
            int length = readLength();
            ProtobufReader nested = new ProtobufReader(buffer, position, position + length);
            position += length;
            return nested;
        }

        void skip(long tag) {
            switch ((int) (tag & 0x7)) {
                case VARINT -> readVarint();
                case FIXED64 -> advance(8);
                case LENGTH_DELIMITED -> advance(readLength());
                case FIXED32 -> advance(4);
                default -> throw new MalformedProtobufException("unsupported wire type in tag " + tag);
            }
        }

        private int readLength() {
            long length = readVarint();
            if (length < 0 || length > end - position) {
                throw new MalformedProtobufException("length " + length + " runs past the message");
            }
            return (int) length;
        }

        private void advance(int bytes) {
            if (bytes > end - position) {
                throw new MalformedProtobufException("field runs past the message");
            }
            position += bytes;
        }
    }
}
