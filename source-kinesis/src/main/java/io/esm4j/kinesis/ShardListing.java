package io.esm4j.kinesis;

import io.esm4j.stream.ReadStart;
import io.esm4j.stream.Shard;
import io.esm4j.stream.polling.Page;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;

/**
 * A {@link KinesisStreamSource}'s shards as ListShards gives them, which of them the last listing showed closed (the
 * events of an enhanced fan-out subscription may not say that its shard ended, {@link ShardEnd}), and where each
 * shard's sequence numbers begin, below which a checkpoint cannot be one of the shard ({@link #requireInShard}).
 */
final class ShardListing {

    private final KinesisClient client;
    private final StreamArn arn;
    /** The shards the last listing showed closed: for enhanced fan-out, whose events may not say so. */
    private volatile Set<String> closedShards = Set.of();
    /** Each shard's StartingSequenceNumber in the last listing, where it was a number. */
    private volatile Map<String, BigInteger> firstSequenceNumbers = Map.of();

    ShardListing(KinesisClient client, StreamArn arn) {
        this.client = client;
        this.arn = arn;
    }

    /** Every shard ListShards returns, page by page, open and closed, with its parent and adjacent parent. */
    List<Shard> list() {
        List<Shard> shards = new ArrayList<>();
        Set<String> closed = new HashSet<>();
        Map<String, BigInteger> firsts = new HashMap<>();
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
                BigInteger first = shard.sequenceNumberRange() != null
                        ? number(shard.sequenceNumberRange().startingSequenceNumber()) : null;
                if (first != null) {
                    firsts.put(shard.shardId(), first);
                }
            }
            nextToken = response.nextToken();
        } while (nextToken != null);
        closedShards = Set.copyOf(closed);
        firstSequenceNumbers = Map.copyOf(firsts);
        return shards;
    }

    /**
     * Refuses to resume a shard after a position below the shard's first sequence number, as the last listing showed
     * it. Kinesis hands out a shard's sequence numbers from its StartingSequenceNumber up, and they grow with time, so
     * such a position is not one of the shard: it is one of an older stream, in practice one of the same name that was
     * deleted and created again (same ARN, shard ids from {@code shardId-000000000000} again), whose leases the
     * mapping found. Kinesis would refuse the position, but kinesis-mock may serve an iterator there and then nothing,
     * for good; and a source started after the recreation has not seen the stream's creation time change
     * ({@link StreamLifecycle}). A start that is not a sequence number (TRIM_HORIZON, LATEST, AT_TIMESTAMP) or a shard
     * the last listing did not show is not checked; a KPL sub-record's position is checked by its aggregate's number.
     *
     * @param recreation why the stream's positions may be unreadable, if the source saw it recreated (null if not)
     * @throws PositionNotInShardException if {@code start} is after a sequence number below the shard's first
     */
    void requireInShard(String shardId, ReadStart start, Supplier<@Nullable String> recreation) {
        BigInteger first = firstSequenceNumbers.get(shardId);
        if (first == null || !(start instanceof ReadStart.AfterSequenceNumber after)) {
            return;
        }
        String position = KinesisPosition.parse(after.sequenceNumber()).sequenceNumber();
        if (new BigInteger(position).compareTo(first) >= 0) {
            return;
        }
        String recreated = recreation.get();
        String why = "position " + position + " is below " + first + ", the first sequence number of shard " + shardId
                + " of stream " + arn.text() + " (ListShards): it is one of another stream, most likely of a stream of "
                + "the same name that was deleted and created again";
        throw new PositionNotInShardException((recreated != null ? recreated + ": " : "") + why + ". "
                + PositionNotInShardException.WHAT_TO_DO);
    }

    private static @Nullable BigInteger number(@Nullable String sequenceNumber) {
        return sequenceNumber != null && !sequenceNumber.isEmpty() && sequenceNumber.chars().allMatch(Character::isDigit)
                ? new BigInteger(sequenceNumber) : null;
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
