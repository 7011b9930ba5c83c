package io.esm4j.kinesis;

import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.polling.Page;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;

/**
 * A {@link KinesisStreamSource}'s shards as ListShards gives them, and which of them the last listing showed closed:
 * the events of an enhanced fan-out subscription may not say that its shard ended ({@link ShardEnd}).
 */
final class ShardListing {

    private final KinesisClient client;
    private final StreamArn arn;
    /** The shards the last listing showed closed: for enhanced fan-out, whose events may not say so. */
    private volatile Set<String> closedShards = Set.of();

    ShardListing(KinesisClient client, StreamArn arn) {
        this.client = client;
        this.arn = arn;
    }

    /** Every shard ListShards returns, page by page, open and closed, with its parent and adjacent parent. */
    List<Shard> list() {
        List<Shard> shards = new ArrayList<>();
        Set<String> closed = new HashSet<>();
        String nextToken = null;
        do {
            // Kinesis rejects the stream together with a NextToken. By ARN, not by name: a name is looked up in the
            // client's account, which may hold another stream of that name.
            ListShardsRequest request = nextToken == null
                    ? ListShardsRequest.builder().streamARN(arn.text()).build()
                    : ListShardsRequest.builder().nextToken(nextToken).build();
            ListShardsResponse response = client.listShards(request);
            for (software.amazon.awssdk.services.kinesis.model.Shard shard : response.shards()) {
                List<String> parents = Stream.of(shard.parentShardId(), shard.adjacentParentShardId())
                        .filter(Objects::nonNull).toList();
                shards.add(new Shard(shard.shardId(), parents));
                if (shard.sequenceNumberRange() != null
                        && shard.sequenceNumberRange().endingSequenceNumber() != null) {
                    closed.add(shard.shardId());
                }
            }
            nextToken = response.nextToken();
        } while (nextToken != null);
        closedShards = Set.copyOf(closed);
        return shards;
    }

    /**
     * The closed-shard check of a fan-out reader: the last listing, then GetRecords through the polling calls
     * {@code calls} on the same shard.
     */
    ShardEnd shardEnd(String shardId, KinesisShardReader calls) {
        return new ShardEnd() {
            @Override
            public boolean closed() {
                return closedShards.contains(shardId);
            }

            @Override
            public boolean readAfter(String sequenceNumber) throws InterruptedException {
                Page<KinesisRecord> page = calls.getRecords(
                        calls.openIterator(new ReadStart.AfterSequenceNumber(sequenceNumber)), 1);
                return page.records().isEmpty() && page.nextIterator() == null;
            }
        };
    }
}
