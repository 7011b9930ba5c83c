package io.esm4j.kinesis;

import static io.esm4j.kinesis.KinesisSourceContract.assertInOrderPerKey;
import static io.esm4j.kinesis.KinesisSourceContract.assertInPutOrderPerShard;
import static io.esm4j.kinesis.KinesisSourceContract.eventually;
import static io.esm4j.kinesis.KinesisSourceContract.fast;
import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.EventSourceMapping;
import io.esm4j.StopResult;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.stream.Shard;
import io.esm4j.testing.RecordingHandler;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.kinesis.model.GetShardIteratorRequest;
import software.amazon.awssdk.services.kinesis.model.ListShardsRequest;
import software.amazon.awssdk.services.kinesis.model.ScalingType;
import software.amazon.awssdk.services.kinesis.model.ShardIteratorType;

/** Split, merge and UpdateShardCount while a mapping consumes, paged shard listing, restarting from checkpoints. */
interface ReshardingTests {

    KinesisSourceContract fixture();

    @Test
    default void aSplitDuringConsumptionLosesNothingAndReadsTheParentBeforeItsChildren() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(1);
        RecordingHandler<KinesisRecord> handler = slow();
        KinesisStreamSource source = f.source(stream);
        f.start(f.mapping("split", source, handler).settings(fast().batchSize(10).build()));
        List<TestStreams.Put> before = TestStreams.putNumbered(f.kinesis, stream, 0, 100, 10);
        eventually().until(() -> handler.succeededCount() >= 10);

        String parent = before.getFirst().shardId();
        f.kinesis.splitShard(r -> r.streamName(stream).shardToSplit(parent)
                .newStartingHashKey(BigInteger.ONE.shiftLeft(127).toString()));
        TestStreams.awaitActive(f.kinesis, stream);
        List<TestStreams.Put> after = TestStreams.putNumbered(f.kinesis, stream, 100, 100, 10);

        eventually().until(() -> handler.succeededCount() >= 200);
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).hasSize(200).doesNotHaveDuplicates();
        assertInOrderPerKey(handler.succeededPayloads());
        Set<String> children = shardsOf(after);
        assertThat(children).hasSize(2).doesNotContain(parent);
        assertParentsBeforeChildren(handler.succeededPayloads(), Set.of(parent), children);
        assertThat(source.listShards()).filteredOn(s -> children.contains(s.shardId()))
                .allSatisfy(s -> assertThat(s.parentIds()).containsExactly(parent));
    }

    @Test
    default void aMergeDuringConsumptionLosesNothingAndReadsBothParentsFirstWithPagedListings() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(2);
        f.faults.listShardsPageSize(1);
        RecordingHandler<KinesisRecord> handler = slow();
        KinesisStreamSource source = f.source(stream);
        f.start(f.mapping("merge", source, handler).settings(fast().batchSize(10).build()));
        List<TestStreams.Put> before = TestStreams.putNumbered(f.kinesis, stream, 0, 100, 10);
        eventually().until(() -> handler.succeededCount() >= 10);

        List<String> parents = source.listShards().stream().map(Shard::shardId).toList();
        assertThat(parents).hasSize(2).containsExactlyInAnyOrderElementsOf(shardsOf(before));
        f.kinesis.mergeShards(r -> r.streamName(stream).shardToMerge(parents.get(0))
                .adjacentShardToMerge(parents.get(1)));
        TestStreams.awaitActive(f.kinesis, stream);
        List<TestStreams.Put> after = TestStreams.putNumbered(f.kinesis, stream, 100, 100, 10);

        eventually().until(() -> handler.succeededCount() >= 200);
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).hasSize(200).doesNotHaveDuplicates();
        assertInOrderPerKey(handler.succeededPayloads());
        Set<String> child = shardsOf(after);
        assertThat(child).hasSize(1).doesNotContainAnyElementsOf(parents);
        assertParentsBeforeChildren(handler.succeededPayloads(), Set.copyOf(parents), child);
        assertThat(source.listShards()).filteredOn(s -> child.contains(s.shardId()))
                .singleElement().satisfies(s -> assertThat(s.parentIds()).containsExactlyElementsOf(parents));
        assertThat(f.faults.requests(ListShardsRequest.class)).anySatisfy(r -> assertThat(r.nextToken()).isNotNull());
    }

    @Test
    default void updateShardCountDuringConsumptionLosesNothingAndKeepsLineageOrder() {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(2);
        RecordingHandler<KinesisRecord> handler = slow();
        KinesisStreamSource source = f.source(stream);
        f.start(f.mapping("rescale", source, handler).settings(fast().batchSize(10).build()));
        TestStreams.putNumbered(f.kinesis, stream, 0, 100, 10);
        eventually().until(() -> handler.succeededCount() >= 10);

        f.kinesis.updateShardCount(r -> r.streamName(stream).targetShardCount(4)
                .scalingType(ScalingType.UNIFORM_SCALING));
        TestStreams.awaitActive(f.kinesis, stream);
        List<TestStreams.Put> after = TestStreams.putNumbered(f.kinesis, stream, 100, 100, 10);

        eventually().until(() -> handler.succeededCount() >= 200);
        assertThat(handler.succeededPayloads(KinesisRecord::dataAsString)).hasSize(200).doesNotHaveDuplicates();
        assertInOrderPerKey(handler.succeededPayloads());
        Map<String, Shard> shards = source.listShards().stream()
                .collect(Collectors.toMap(Shard::shardId, s -> s));
        for (String child : shardsOf(after)) {
            assertThat(shards.get(child).parentIds()).isNotEmpty();
            assertParentsBeforeChildren(handler.succeededPayloads(), ancestors(shards, child), Set.of(child));
        }
    }

    @Test
    default void aRestartedMappingResumesAfterItsCheckpoints() throws InterruptedException {
        KinesisSourceContract f = fixture();
        String stream = f.newStream(2);
        InMemoryLeaseStore store = new InMemoryLeaseStore();
        List<TestStreams.Put> before = TestStreams.putNumbered(f.kinesis, stream, 0, 100, 10);
        RecordingHandler<KinesisRecord> first = RecordingHandler.<KinesisRecord>succeeding();
        EventSourceMapping<KinesisRecord> mapping = f.start(f.mapping("resume", f.source(stream), first)
                .leaseStore(store).settings(fast().build()));
        eventually().until(() -> first.succeededCount() >= 100);
        StopResult stopped = mapping.stop(Duration.ofSeconds(10));
        assertThat(stopped.recordsNotProcessed()).isZero();
        assertThat(stopped.checkpoints()).hasSize(2);

        List<TestStreams.Put> after = TestStreams.putNumbered(f.kinesis, stream, 100, 50, 10);
        int readsBefore = f.faults.readsOpened().size();
        RecordingHandler<KinesisRecord> second = RecordingHandler.<KinesisRecord>succeeding();
        f.start(f.mapping("resume", f.source(stream), second).leaseStore(store).settings(fast().build()));

        eventually().until(() -> second.succeededCount() >= 50);
        assertThat(second.succeededPayloads(KinesisRecord::dataAsString)).hasSize(50)
                .containsExactlyInAnyOrderElementsOf(after.stream().map(TestStreams.Put::data).toList());
        assertInPutOrderPerShard(after, second.succeededPayloads());
        Map<String, String> lastBefore = before.stream().collect(Collectors.toMap(TestStreams.Put::shardId,
                TestStreams.Put::sequenceNumber, (a, b) -> b));
        List<FaultInjector.ReadOpened> resumed = f.faults.readsOpened().subList(readsBefore,
                f.faults.readsOpened().size());
        assertThat(resumed).allSatisfy(r -> {
            assertThat(r.type()).isEqualTo(ShardIteratorType.AFTER_SEQUENCE_NUMBER);
            assertThat(r.sequenceNumber()).isEqualTo(lastBefore.get(r.shardId()));
        }).hasSizeGreaterThanOrEqualTo(2);
        // Each shard opens once after the restart; with enhanced fan-out, later subscriptions continue from there.
        assertThat(resumed.subList(0, 2)).extracting(FaultInjector.ReadOpened::shardId)
                .containsExactlyInAnyOrderElementsOf(lastBefore.keySet());
    }

    /** A handler slow enough that a reshard lands while the parents still hold unread records. */
    private static RecordingHandler<KinesisRecord> slow() {
        return RecordingHandler.<KinesisRecord>succeeding().behave(batch -> {
            Thread.sleep(10);
            return BatchResult.success();
        });
    }

    private static Set<String> shardsOf(Collection<TestStreams.Put> puts) {
        return puts.stream().map(TestStreams.Put::shardId).collect(Collectors.toSet());
    }

    /** The shards {@code shardId} descends from, through every generation of splits and merges. */
    private static Set<String> ancestors(Map<String, Shard> shards, String shardId) {
        Set<String> ancestors = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(shards.get(shardId).parentIds());
        while (!todo.isEmpty()) {
            String parent = todo.pop();
            if (ancestors.add(parent) && shards.containsKey(parent)) {
                todo.addAll(shards.get(parent).parentIds());
            }
        }
        return ancestors;
    }

    /** Every record of the parents reached the handler before any record of the children. */
    private static void assertParentsBeforeChildren(List<KinesisRecord> delivered, Set<String> parents,
                                                    Set<String> children) {
        int lastOfParents = -1;
        int firstOfChildren = Integer.MAX_VALUE;
        for (int i = 0; i < delivered.size(); i++) {
            String shard = KinesisSourceContract.shardOf(delivered.get(i));
            if (parents.contains(shard)) {
                lastOfParents = i;
            } else if (children.contains(shard)) {
                firstOfChildren = Math.min(firstOfChildren, i);
            }
        }
        assertThat(lastOfParents).as("last record of %s before first of %s", parents, children)
                .isLessThan(firstOfChildren);
    }
}
