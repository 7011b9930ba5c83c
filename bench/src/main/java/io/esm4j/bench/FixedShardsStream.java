package io.esm4j.bench;

import io.esm4j.failure.BatchInfo;
import io.esm4j.failure.BatchInfoStyle;
import io.esm4j.failure.StreamBatchInfo;
import io.esm4j.stream.Shard;
import io.esm4j.stream.StreamRecord;
import io.esm4j.stream.StreamSource;
import java.util.ArrayList;
import java.util.List;

/** A synthetic Kinesis-like stream of a fixed number of root shards; subclasses say what their readers return. */
abstract class FixedShardsStream implements StreamSource<byte[]> {

    private final String streamArn;
    private final int shards;

    FixedShardsStream(String streamName, int shards) {
        this.streamArn = "arn:aws:kinesis:local:000000000000:stream/" + streamName;
        this.shards = shards;
    }

    @Override
    public final String streamArn() {
        return streamArn;
    }

    @Override
    public final BatchInfo batchInfo(String shardId, List<StreamRecord<byte[]>> records) {
        return StreamBatchInfo.of(BatchInfoStyle.KINESIS, shardId, records, streamArn);
    }

    @Override
    public final List<Shard> listShards() {
        List<Shard> list = new ArrayList<>(shards);
        for (int i = 0; i < shards; i++) {
            list.add(Shard.root("shardId-%012d".formatted(i)));
        }
        return list;
    }
}
