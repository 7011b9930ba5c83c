package io.esm4j.kinesis;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Writes KPL aggregated records as the Kinesis Producer Library does, for tests. */
final class KplEncoder {

    /** A user record to aggregate; {@code explicitHashKey} may be null. */
    record UserRecord(String partitionKey, String explicitHashKey, String data) {
        UserRecord(String partitionKey, String data) {
            this(partitionKey, null, data);
        }
    }

    private KplEncoder() {}

    static byte[] aggregate(List<UserRecord> records) {
        List<String> keys = new ArrayList<>();
        List<String> hashKeys = new ArrayList<>();
        for (UserRecord record : records) {
            if (!keys.contains(record.partitionKey())) {
                keys.add(record.partitionKey());
            }
            if (record.explicitHashKey() != null && !hashKeys.contains(record.explicitHashKey())) {
                hashKeys.add(record.explicitHashKey());
            }
        }
        ByteArrayOutputStream message = new ByteArrayOutputStream();
        for (String key : keys) {
            field(message, 1, key.getBytes(StandardCharsets.UTF_8));
        }
        for (String hashKey : hashKeys) {
            field(message, 2, hashKey.getBytes(StandardCharsets.UTF_8));
        }
        for (UserRecord record : records) {
            ByteArrayOutputStream inner = new ByteArrayOutputStream();
            varintField(inner, 1, keys.indexOf(record.partitionKey()));
            if (record.explicitHashKey() != null) {
                varintField(inner, 2, hashKeys.indexOf(record.explicitHashKey()));
            }
            field(inner, 3, record.data().getBytes(StandardCharsets.UTF_8));
            // A tag (field 4: {key = 1, value = 2}), which de-aggregation must skip.
            ByteArrayOutputStream tag = new ByteArrayOutputStream();
            field(tag, 1, "origin".getBytes(StandardCharsets.UTF_8));
            field(tag, 2, "test".getBytes(StandardCharsets.UTF_8));
            field(inner, 4, tag.toByteArray());
            field(message, 3, inner.toByteArray());
        }
        byte[] body = message.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(KplAggregate.MAGIC);
        out.writeBytes(body);
        out.writeBytes(KplAggregate.md5(body, 0, body.length));
        return out.toByteArray();
    }

    private static void field(ByteArrayOutputStream out, int number, byte[] bytes) {
        varint(out, ((long) number << 3) | 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void varintField(ByteArrayOutputStream out, int number, long value) {
        varint(out, (long) number << 3);
        varint(out, value);
    }

    private static void varint(ByteArrayOutputStream out, long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
