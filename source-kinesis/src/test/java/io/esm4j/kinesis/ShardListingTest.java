package io.esm4j.kinesis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.stream.ReadStart;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.KinesisClient;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsResponse;
import software.amazon.awssdk.services.kinesis.model.SequenceNumberRange;
import software.amazon.awssdk.services.kinesis.model.Shard;

/** Which positions {@link ShardListing#requireInShard} refuses: only sequence numbers below their shard's first. */
class ShardListingTest {

    private static final String ARN = "arn:aws:kinesis:us-east-1:1:stream/s";
    private static final Supplier<@Nullable String> NOT_RECREATED = () -> null;

    /** A parent closed at 299, its child from 300 (a split's other child left out), and a shard with no number. */
    private final ShardListing listing = listed(
            shard("shardId-000000000000", null, "200", "299"),
            shard("shardId-000000000001", "shardId-000000000000", "300", null),
            shard("shardId-000000000002", null, "not-a-number", null));

    @Test
    void aPositionBelowItsShardsFirstSequenceNumberIsOneOfAnotherStream() {
        assertThatThrownBy(() -> listing.requireInShard("shardId-000000000000", after("199"), NOT_RECREATED))
                .isInstanceOf(PositionNotInShardException.class)
                .hasMessageStartingWith("position 199 is below 200, the first sequence number of shard "
                        + "shardId-000000000000 of stream " + ARN + " (ListShards): it is one of another stream, most "
                        + "likely of a stream of the same name that was deleted and created again. The mapping does "
                        + "not move on")
                .hasMessageContaining("delete its leases");
        // A KPL sub-record is checked by its aggregate's number.
        assertThatThrownBy(() -> listing.requireInShard("shardId-000000000001", after("299/4"), NOT_RECREATED))
                .isInstanceOf(PositionNotInShardException.class).hasMessageStartingWith("position 299 is below 300");
    }

    @Test
    void sayingWhyWhenTheSourceSawTheStreamCreatedAgain() {
        assertThatThrownBy(() -> listing.requireInShard("shardId-000000000000", after("5"),
                () -> "stream " + ARN + " was deleted and created again (created 2026-12-07T10:00:00Z; ...)"))
                .hasMessageStartingWith("stream " + ARN + " was deleted and created again (created "
                        + "2026-12-07T10:00:00Z; ...): position 5 is below 200");
    }

    /**
     * A shard's own records are at or above its first number, a child's above its own first (its parent's numbers
     * are below it, but are never the child's checkpoint); starting positions are not sequence numbers, and a shard
     * the listing did not show, or showed without a number, is not checked.
     */
    @Test
    void noOtherStartIsRefused() {
        for (ReadStart start : List.of(after("200"), after("200/0"), after("250"), after("1000"),
                new ReadStart.TrimHorizon(), new ReadStart.Latest(), new ReadStart.AtTimestamp(Instant.EPOCH))) {
            assertThatCode(() -> listing.requireInShard("shardId-000000000000", start, NOT_RECREATED))
                    .as("%s", start).doesNotThrowAnyException();
        }
        assertThatCode(() -> listing.requireInShard("shardId-000000000001", after("300"), NOT_RECREATED))
                .doesNotThrowAnyException();
        assertThatCode(() -> listing.requireInShard("shardId-000000000002", after("1"), NOT_RECREATED))
                .doesNotThrowAnyException();
        assertThatCode(() -> listing.requireInShard("shardId-000000000009", after("1"), NOT_RECREATED))
                .doesNotThrowAnyException();
    }

    @Test
    void nothingIsRefusedBeforeTheFirstListing() {
        ShardListing unlisted = new ShardListing(client(List.of()), StreamArn.parse(ARN));

        assertThatCode(() -> unlisted.requireInShard("shardId-000000000000", after("1"), NOT_RECREATED))
                .doesNotThrowAnyException();
    }

    private static ReadStart after(String position) {
        return new ReadStart.AfterSequenceNumber(position);
    }

    private static ShardListing listed(Shard... shards) {
        ShardListing listing = new ShardListing(client(List.of(shards)), StreamArn.parse(ARN));
        assertThat(listing.list()).hasSize(shards.length);
        return listing;
    }

    private static Shard shard(String id, @Nullable String parent, String first, @Nullable String last) {
        return Shard.builder().shardId(id).parentShardId(parent)
                .sequenceNumberRange(SequenceNumberRange.builder().startingSequenceNumber(first)
                        .endingSequenceNumber(last).build()).build();
    }

    /** Answers ListShards with the shards, in one page. */
    private static KinesisClient client(List<Shard> shards) {
        return new KinesisClient() {
            @Override
            public ListShardsResponse listShards(ListShardsRequest request) {
                return ListShardsResponse.builder().shards(shards).build();
            }

            @Override
            public String serviceName() {
                return "kinesis";
            }

            @Override
            public void close() {}
        };
    }
}
