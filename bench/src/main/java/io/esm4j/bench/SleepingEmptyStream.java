package io.esm4j.bench;

import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import java.time.Duration;
import java.util.List;

/**
 * Shards that never get a record, whose every fetch sleeps for the long poll and returns empty: the cheapest
 * possible idle source (no lock, no condition shared between shards), so that an idle benchmark over it measures
 * the engine's own idle cost without the in-memory stream's.
 */
final class SleepingEmptyStream extends FixedShardsStream {

    private final Duration longPoll;

    SleepingEmptyStream(int shards, Duration longPoll) {
        super("empty", shards);
        this.longPoll = longPoll;
    }

    @Override
    public ShardReader<byte[]> openReader(String shardId, ReadStart start) {
        return maxRecords -> {
            if (longPoll.isPositive()) {
                Thread.sleep(longPoll);
            }
            return new FetchResult<>(List.of(), 0, false);
        };
    }
}
