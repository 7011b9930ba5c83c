package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.settings.StartingPosition;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A split whose second child the eventually consistent listings miss until its sibling has begun, while they also miss
 * the parent once (DynamoDB's DescribeStream, Kinesis' ListShards): the parent's finished lease goes, as every listed
 * child has begun. With LATEST, the late child must still be read from its first record, as a child of a shard the
 * mapping read; started at LATEST it would skip every record written to it so far.
 */
class LateSiblingTest {

    private static final String NAME = "late-sibling";

    @Test
    void withLatestEveryRecordOfALateSiblingIsDelivered() throws Exception {
        InMemoryStream stream = InMemoryStream.create(NAME, 1);
        String parent = stream.openShardIds().getFirst();
        ObservedSource observed = new ObservedSource(stream);
        Set<String> hidden = ConcurrentHashMap.newKeySet();
        AtomicBoolean hideLateChild = new AtomicBoolean(true);
        // Of the parent's children, every one but the first listed: hidden from the moment of the split.
        ForwardingStreamSource<byte[]> listing = new ForwardingStreamSource<>(observed) {
            @Override
            public List<Shard> listShards() throws Exception {
                List<Shard> shards = super.listShards();
                String first = shards.stream().filter(s -> s.parentIds().contains(parent)).map(Shard::shardId)
                        .findFirst().orElse("");
                return shards.stream().filter(s -> !hidden.contains(s.shardId()))
                        .filter(s -> !hideLateChild.get() || !s.parentIds().contains(parent)
                                || s.shardId().equals(first))
                        .toList();
            }
        };
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, listing, handler)
                .settings(Streams.fast().startingPosition(StartingPosition.LATEST).batchSize(10).build())
                .leaseStore(leases).build();
        mapping.start();
        List<String> children;
        try {
            await().until(() -> observed.wasOpened(parent));
            IntStream.range(0, 50).forEach(i -> stream.put("k" + (i % 20), "r" + i));
            children = stream.split(parent);
            IntStream.range(50, 150).forEach(i -> stream.put("k" + (i % 20), "r" + i));
            assertThat(children).allSatisfy(child -> assertThat(stream.records(child)).isNotEmpty());
            String first = children.getFirst();

            // The first child has begun; then a listing misses the parent as well: its finished lease goes.
            await().until(() -> leases.snapshot(NAME).get(first), lease -> lease != null
                    && !lease.checkpoint().notStarted());
            hidden.add(parent);
            await().until(() -> !leases.snapshot(NAME).containsKey(parent));

            // The listings catch up.
            hidden.clear();
            hideLateChild.set(false);
            await().until(() -> handler.succeeded().size() >= 150);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.succeededPayloads(Streams::utf8)).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, 150).mapToObj(i -> "r" + i).toList());
    }
}
