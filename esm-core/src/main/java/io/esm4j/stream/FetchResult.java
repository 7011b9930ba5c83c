package io.esm4j.stream;

import java.util.List;

/**
 * What one fetch from a shard returned.
 *
 * @param records            the records, in shard order (may be empty at the tail)
 * @param millisBehindLatest how far the reader is behind the newest record of the shard, or -1 if unknown
 * @param shardEnded         true once the shard is closed and every record of it has been returned;
 *                           the reader is not fetched again after that
 * @param positionExpired    true if, since the previous fetch (or the reader's opening), the reader found its position
 *                           older than the stream's retention and went on from the oldest record left: the records in
 *                           between expired unread. The engine counts it ({@code ReadPositionExpiredCount}).
 */
public record FetchResult<T>(List<StreamRecord<T>> records, long millisBehindLatest, boolean shardEnded,
                             boolean positionExpired) {

    public FetchResult {
        records = List.copyOf(records);
        if (millisBehindLatest < -1) {
            throw new IllegalArgumentException("millisBehindLatest must be -1 (unknown) or >= 0 but was "
                    + millisBehindLatest);
        }
    }

    /** A fetch that found its position where it was: nothing expired unread. */
    public FetchResult(List<StreamRecord<T>> records, long millisBehindLatest, boolean shardEnded) {
        this(records, millisBehindLatest, shardEnded, false);
    }
}
