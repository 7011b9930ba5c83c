package io.esm4j.stream;

import java.util.List;

/**
 * What one fetch from a shard returned.
 *
 * @param records            the records, in shard order (may be empty at the tail)
 * @param millisBehindLatest how far the reader is behind the newest record of the shard, or -1 if unknown
 * @param shardEnded         true once the shard is closed and every record of it has been returned;
 *                           the reader is not fetched again after that
 */
public record FetchResult<T>(List<StreamRecord<T>> records, long millisBehindLatest, boolean shardEnded) {

    public FetchResult {
        records = List.copyOf(records);
        if (millisBehindLatest < -1) {
            throw new IllegalArgumentException("millisBehindLatest must be -1 (unknown) or >= 0 but was "
                    + millisBehindLatest);
        }
    }
}
