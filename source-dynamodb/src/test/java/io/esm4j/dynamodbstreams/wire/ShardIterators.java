package io.esm4j.dynamodbstreams.wire;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * Shard iterators as opaque text: the stream, the shard, the position (the sequence number just before the next
 * record to read) and when it was issued, for the 15-minute expiry. Like DynamoDB Streams' own, an iterator can be
 * used again until it expires.
 */
final class ShardIterators {

    /** Iterators expire 15 minutes after they were issued (GetShardIterator or a GetRecords answer). */
    static final long LIFETIME_MILLIS = 15 * 60 * 1000;

    record Position(String streamArn, String shardId, BigInteger after, Instant issued) {}

    private ShardIterators() {}

    static String encode(String streamArn, String shardId, BigInteger after, Instant issued) {
        String text = streamArn + "|" + shardId + "|" + after + "|" + issued.toEpochMilli();
        return "ddbs1:" + Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The iterator's position; a {@link WireError} ValidationException if the text is not an iterator. */
    static Position decode(String iterator) {
        try {
            if (!iterator.startsWith("ddbs1:")) {
                throw new IllegalArgumentException("prefix");
            }
            String text = new String(Base64.getUrlDecoder().decode(iterator.substring(6)), StandardCharsets.UTF_8);
            String[] parts = text.split("\\|");
            if (parts.length != 4) {
                throw new IllegalArgumentException("parts");
            }
            return new Position(parts[0], parts[1], new BigInteger(parts[2]),
                    Instant.ofEpochMilli(Long.parseLong(parts[3])));
        } catch (IllegalArgumentException e) {
            throw WireError.validation("Invalid ShardIterator");
        }
    }
}
