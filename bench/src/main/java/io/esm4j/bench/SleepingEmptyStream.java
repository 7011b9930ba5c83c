package io.esm4j.bench;

import io.esm4j.failure.BatchInfo;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Shards that never get a record, whose every fetch sleeps for the long poll and returns empty: the cheapest
 * possible idle source (no lock, no condition shared between shards), so that an idle benchmark over it measures
 * the engine's own idle cost without the in-memory stream's.
 */
final class SleepingEmptyStream implements StreamSource<byte[]> {

    private final int shards;
    private final Duration longPoll;

    SleepingEmptyStream(int shards, Duration longPoll) {
        this.shards = shards;
        this.longPoll = longPoll;
    }

    @Override
    public String streamArn() {
        return "arn:aws:kinesis:local:000000000000:stream/empty";
    }

    @Override
    public BatchInfo batchInfo(String shardId, List<StreamRecord<byte[]>> records) {
        return StreamBatchInfo.of(BatchInfoStyle.KINESIS, shardId, records, streamArn());
    }

    @Override
    public List<Shard> listShards() {
        List<Shard> list = new ArrayList<>(shards);
        for (int i = 0; i < shards; i++) {
            list.add(Shard.root("shardId-%012d".formatted(i)));
        }
        return list;
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
