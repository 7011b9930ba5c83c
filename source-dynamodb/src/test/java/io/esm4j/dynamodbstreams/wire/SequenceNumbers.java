package io.esm4j.dynamodbstreams.wire;

import java.math.BigInteger;
import java.time.Instant;

/**
 * Sequence numbers and shard ids for the whole endpoint, guarded by the server's lock. Sequence numbers grow across
 * every shard, so a child's records are all newer than its parent's, and have 21 digits or more, as DynamoDB's do
 * (21 to 40).
 */
final class SequenceNumbers {

    private BigInteger last = new BigInteger("100000000000000000000");
    private int shards;

    BigInteger next() {
        last = last.add(BigInteger.ONE);
        return last;
    }

    /** {@code shardId-<20-digit creation millis>-<8 hex digits>}, the shape DynamoDB Streams uses. */
    String newShardId(Instant now) {
        return String.format("shardId-%020d-%08x", now.toEpochMilli(), ++shards);
    }
}
