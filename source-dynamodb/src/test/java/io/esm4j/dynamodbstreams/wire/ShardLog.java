package io.esm4j.dynamodbstreams.wire;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One shard of a stream: its records in sequence-number order, the hash range of partition keys it takes while open,
 * and how much of it has been trimmed. Records are never removed from the list; {@link #firstRetained} marks where
 * the untrimmed ones start, so positions stay simple indexes. Guarded by the server's lock.
 */
final class ShardLog {

    final String shardId;
    final @Nullable String parentShardId;
    /** The partition-key hashes this shard takes while open, unsigned and inclusive. */
    final long hashLow;
    final long hashHigh;
    final BigInteger startingSequenceNumber;
    final List<LoggedRecord> records = new ArrayList<>();
    private @Nullable BigInteger endingSequenceNumber;
    private @Nullable Instant closedAt;
    private int firstRetained;
    private @Nullable BigInteger trimmedThrough;
    /** Empty GetRecords answers still to give before records, as DynamoDB Streams may. */
    int emptyPagesToServe;

    ShardLog(String shardId, @Nullable String parentShardId, long hashLow, long hashHigh,
             BigInteger startingSequenceNumber) {
        this.shardId = shardId;
        this.parentShardId = parentShardId;
        this.hashLow = hashLow;
        this.hashHigh = hashHigh;
        this.startingSequenceNumber = startingSequenceNumber;
    }

    boolean open() {
        return endingSequenceNumber == null;
    }

    @Nullable BigInteger endingSequenceNumber() {
        return endingSequenceNumber;
    }

    @Nullable Instant closedAt() {
        return closedAt;
    }

    void close(Instant now) {
        endingSequenceNumber = records.isEmpty() ? startingSequenceNumber : records.getLast().sequenceNumber();
        closedAt = now;
    }

    boolean takes(long hash) {
        return Long.compareUnsigned(hash, hashLow) >= 0 && Long.compareUnsigned(hash, hashHigh) <= 0;
    }

    /** The position before every record: what TRIM_HORIZON reads from when nothing was trimmed. */
    BigInteger beforeFirst() {
        return startingSequenceNumber.subtract(BigInteger.ONE);
    }

    /** The position after the newest record: LATEST. */
    BigInteger afterLast() {
        return records.isEmpty() ? beforeFirst() : records.getLast().sequenceNumber();
    }

    /** TRIM_HORIZON: just after the newest trimmed record. */
    BigInteger trimHorizon() {
        return trimmedThrough != null ? trimmedThrough : beforeFirst();
    }

    /** True if a record after {@code position} has been trimmed, so that reading from there would skip it. */
    boolean trimmedAfter(BigInteger position) {
        return trimmedThrough != null && trimmedThrough.compareTo(position) > 0;
    }

    /** The index of the first record whose sequence number is greater than {@code position}. */
    int indexAfter(BigInteger position) {
        int low = 0;
        int high = records.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (records.get(mid).sequenceNumber().compareTo(position) <= 0) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    /** Trims the records created before {@code cutoff}; returns true if the shard has nothing left to read. */
    boolean trimBefore(Instant cutoff) {
        while (firstRetained < records.size() && records.get(firstRetained).creation().isBefore(cutoff)) {
            trimmedThrough = records.get(firstRetained).sequenceNumber();
            firstRetained++;
        }
        return firstRetained == records.size();
    }
}
