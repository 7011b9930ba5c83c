package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.settings.StartingPosition;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.RecordingLeaseStore;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Resharding while a mapping consumes (docs/lambda-semantics.md §2.2 "parent must be processed before child"): nothing
 * is lost, each partition key stays in order from parent to children, and a child's first record reaches the handler
 * only after every record of its parents did and their checkpoints say ShardEnd.
 */
class LineageTest {

    private static final String NAME = "lineage";

    /** What a shard's parents looked like when the shard's first batch reached the handler. */
    record ParentState(String child, String parent, Optional<Checkpoint> checkpoint, long handled, int total) {}

    private final RecordingLeaseStore store = new RecordingLeaseStore();
    private final CountDownLatch release = new CountDownLatch(1);
    private final Map<String, List<ParentState>> firstSeen = new ConcurrentHashMap<>();

    /**
     * A handler whose very first invocation blocks until {@link #release} opens (so the test can reshard while the
     * parent still has unprocessed records), and that notes the parents' state at each shard's first invocation.
     */
    private RecordingHandler<byte[]> observing(InMemoryStream stream) {
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        AtomicBoolean blocked = new AtomicBoolean();
        handler.behave(batch -> {
            firstSeen.computeIfAbsent(batch.partition(), shardId -> parentStates(stream, handler, shardId));
            if (blocked.compareAndSet(false, true) && !release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the handler");
            }
            return BatchResult.success();
        });
        return handler;
    }

    private List<ParentState> parentStates(InMemoryStream stream, RecordingHandler<byte[]> handler, String shardId) {
        List<String> parents = stream.listShards().stream().filter(s -> s.shardId().equals(shardId)).findFirst()
                .orElseThrow().parentIds();
        List<ParentState> states = new ArrayList<>();
        for (String parent : parents) {
            long handled = handler.succeeded().stream().filter(r -> r.shardId().equals(parent))
                    .map(StreamRecord::sequenceNumber).distinct().count();
            states.add(new ParentState(shardId, parent, store.load(NAME, parent), handled,
                    stream.records(parent).size()));
        }
        return states;
    }

    private EventSourceMapping<byte[]> start(InMemoryStream stream, RecordingHandler<byte[]> handler, int pf) {
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, stream, handler)
                .settings(Streams.fast().batchSize(10).parallelizationFactor(pf).build()).leaseStore(store)
                .build();
        mapping.start();
        return mapping;
    }

    private static void put(InMemoryStream stream, int from, int count) {
        IntStream.range(from, from + count).forEach(i -> stream.put("k" + (i % 20), "r" + i));
    }

    @ParameterizedTest(name = "ParallelizationFactor {0}")
    @ValueSource(ints = {1, 3})
    void splitDuringConsumption(int pf) throws Exception {
        InMemoryStream stream = InMemoryStream.create("split", 1);
        String parent = stream.openShardIds().getFirst();
        put(stream, 0, 100);
        RecordingHandler<byte[]> handler = observing(stream);
        EventSourceMapping<byte[]> mapping = start(stream, handler, pf);
        List<String> children;
        try {
            await().until(() -> handler.invocationCount() >= 1);
            children = stream.split(parent);
            put(stream, 100, 100);
            assertThat(children).allSatisfy(c -> assertThat(stream.records(c)).isNotEmpty());
            release.countDown();

            await().until(() -> handler.succeeded().size() >= 200);
            await().until(() -> store.load(NAME, parent), cp -> cp.equals(Optional.of(Checkpoint.ShardEnd.INSTANCE)));
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }

        assertNothingLostAndKeysInOrder(handler, 200);
        assertParentsDoneBeforeChildren(children, 1);
    }

    @ParameterizedTest(name = "ParallelizationFactor {0}")
    @ValueSource(ints = {1, 3})
    void mergeDuringConsumption(int pf) throws Exception {
        InMemoryStream stream = InMemoryStream.create("merge", 2);
        List<String> parents = stream.openShardIds();
        put(stream, 0, 100);
        assertThat(parents).allSatisfy(p -> assertThat(stream.records(p)).hasSizeGreaterThan(10));
        RecordingHandler<byte[]> handler = observing(stream);
        EventSourceMapping<byte[]> mapping = start(stream, handler, pf);
        String child;
        try {
            await().until(() -> handler.invocationCount() >= 1);
            child = stream.merge(parents.get(0), parents.get(1));
            put(stream, 100, 100);
            release.countDown();

            await().until(() -> handler.succeeded().size() >= 200);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }

        assertNothingLostAndKeysInOrder(handler, 200);
        assertParentsDoneBeforeChildren(List.of(child), 2);
    }

    @ParameterizedTest(name = "ParallelizationFactor {0}")
    @ValueSource(ints = {1, 3})
    void splitThenMergeOfTheChildrenWhileTheGrandparentIsStillBlocked(int pf) throws Exception {
        InMemoryStream stream = InMemoryStream.create("chain", 1);
        String root = stream.openShardIds().getFirst();
        put(stream, 0, 60);
        RecordingHandler<byte[]> handler = observing(stream);
        EventSourceMapping<byte[]> mapping = start(stream, handler, pf);
        List<String> children;
        String grandchild;
        try {
            await().until(() -> handler.invocationCount() >= 1);
            children = stream.split(root);
            put(stream, 60, 60);
            grandchild = stream.merge(children.get(0), children.get(1));
            put(stream, 120, 60);
            assertThat(children).allSatisfy(c -> assertThat(stream.records(c)).isNotEmpty());
            release.countDown();

            await().until(() -> handler.succeeded().size() >= 180);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }

        assertNothingLostAndKeysInOrder(handler, 180);
        assertParentsDoneBeforeChildren(children, 1);
        assertParentsDoneBeforeChildren(List.of(grandchild), 2);
        assertThat(store.load(NAME, root)).contains(Checkpoint.ShardEnd.INSTANCE);
    }

    @Test
    void withLatestTheChildrenOfAShardBeingReadStartAtTrimHorizon() throws Exception {
        InMemoryStream stream = InMemoryStream.create("latest", 1);
        String parent = stream.openShardIds().getFirst();
        put(stream, 0, 50); // before the mapping: LATEST skips these
        ObservedSource source = new ObservedSource(stream);
        RecordingHandler<byte[]> handler = observing(stream);
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, source, handler)
                .settings(Streams.fast().startingPosition(StartingPosition.LATEST).batchSize(10)
                        .build())
                .leaseStore(store).build();
        mapping.start();
        List<String> children;
        try {
            await().until(() -> source.wasOpened(parent));
            put(stream, 50, 50);
            await().until(() -> handler.invocationCount() >= 1);
            children = stream.split(parent);
            // Written to the children while the parent is still blocked: before any child reader can open.
            put(stream, 100, 50);
            assertThat(children).noneMatch(source::wasOpened);
            release.countDown();

            await().until(() -> handler.succeeded().size() >= 100);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.succeededPayloads(Streams::utf8)).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(IntStream.range(50, 150).mapToObj(i -> "r" + i).toList());
        // Each reader opens on its own thread: the children in either order, but after the parent.
        assertThat(source.opened.getFirst())
                .isEqualTo(new ObservedSource.Opened(parent, new ReadStart.Latest()));
        assertThat(source.opened).containsExactlyInAnyOrder(
                new ObservedSource.Opened(parent, new ReadStart.Latest()),
                new ObservedSource.Opened(children.get(0), new ReadStart.TrimHorizon()),
                new ObservedSource.Opened(children.get(1), new ReadStart.TrimHorizon()));
        // The parent's first 50 records predate the mapping; the 50 read ones were all done first.
        for (String child : children) {
            assertThat(firstSeen.get(child)).singleElement().satisfies(state -> {
                assertThat(state.checkpoint()).contains(Checkpoint.ShardEnd.INSTANCE);
                assertThat(state.handled()).isEqualTo(50);
            });
        }
    }

    @Test
    void aFailedShardEndCheckpointWriteIsRetriedAndTheChildrenStillStart() throws Exception {
        InMemoryStream stream = InMemoryStream.create("storefail", 1);
        String parent = stream.openShardIds().getFirst();
        put(stream, 0, 30);
        List<String> children = stream.split(parent);
        put(stream, 30, 30);
        AtomicInteger shardEndFailures = new AtomicInteger();
        // The parent's first ShardEnd write fails, as a store hiccup would.
        store.onSave((mapping, shardId, checkpoint) -> {
            if (checkpoint instanceof Checkpoint.ShardEnd && shardEndFailures.getAndIncrement() == 0) {
                throw new IllegalStateException("store unavailable");
            }
        });
        release.countDown();
        RecordingHandler<byte[]> handler = observing(stream);
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, stream, handler)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(store).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() >= 60);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertNothingLostAndKeysInOrder(handler, 60);
        assertParentsDoneBeforeChildren(children, 1);
    }

    /**
     * An eventually consistent listing (DynamoDB's DescribeStream) may show the children of a split without the parent
     * still being read: that one listing must not let the children start, or they overtake the parent's records.
     */
    @Test
    void aListingThatMissesTheParentOnceDoesNotStartItsChildren() throws Exception {
        InMemoryStream stream = InMemoryStream.create("flaky-listing", 1);
        String parent = stream.openShardIds().getFirst();
        put(stream, 0, 100);
        AtomicBoolean missParent = new AtomicBoolean();
        AtomicInteger listings = new AtomicInteger();
        ForwardingStreamSource<byte[]> flaky = new ForwardingStreamSource<>(stream) {
            @Override
            public List<Shard> listShards() throws Exception {
                List<Shard> shards = super.listShards();
                listings.incrementAndGet();
                return missParent.getAndSet(false)
                        ? shards.stream().filter(shard -> !shard.shardId().equals(parent)).toList() : shards;
            }
        };
        RecordingHandler<byte[]> handler = observing(stream);
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, flaky, handler)
                .settings(Streams.fast().batchSize(10).build()).leaseStore(store).build();
        mapping.start();
        List<String> children;
        try {
            await().until(() -> handler.invocationCount() >= 1);
            children = stream.split(parent);
            put(stream, 100, 100);
            missParent.set(true);
            // The listing that missed the parent, then rounds after it in which its children could have started.
            await().until(() -> !missParent.get());
            int missed = listings.get();
            await().until(() -> listings.get() >= missed + 3);
            assertThat(firstSeen).as("shards invoked while the parent is blocked").containsOnlyKeys(parent);
            release.countDown();

            await().until(() -> handler.succeeded().size() >= 200);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }

        assertNothingLostAndKeysInOrder(handler, 200);
        assertParentsDoneBeforeChildren(children, 1);
    }

    /** A source whose first listing misses {@code parent}, as an eventually consistent one may at a fresh start. */
    private static ForwardingStreamSource<byte[]> missingAtFirst(ObservedSource source, String parent) {
        AtomicBoolean missed = new AtomicBoolean();
        return new ForwardingStreamSource<>(source) {
            @Override
            public List<Shard> listShards() throws Exception {
                List<Shard> shards = super.listShards();
                return missed.compareAndSet(false, true)
                        ? shards.stream().filter(shard -> !shard.shardId().equals(parent)).toList() : shards;
            }
        };
    }

    /**
     * A fresh start (no leases yet) whose first listing shows the children of a split but not their parent: the
     * children must not be seeded and started as shards without parents, or their records reach the handler before
     * the parent's (the listing after it shows the parent, which then starts as well).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = StartingPosition.class, names = {"TRIM_HORIZON", "AT_TIMESTAMP"})
    void aFreshStartWhoseFirstListingMissesAParentStillReadsTheParentFirst(StartingPosition position)
            throws Exception {
        release.countDown();
        InMemoryStream stream = InMemoryStream.create("fresh-flaky-" + position, 1);
        String parent = stream.openShardIds().getFirst();
        Instant from = Instant.now().minusSeconds(60).truncatedTo(ChronoUnit.MILLIS);
        put(stream, 0, 100);
        List<String> children = stream.split(parent);
        put(stream, 100, 100);
        ObservedSource source = new ObservedSource(stream);
        RecordingHandler<byte[]> handler = observing(stream);
        StreamSettings.Builder settings = Streams.fast().batchSize(10);
        if (position == StartingPosition.AT_TIMESTAMP) {
            settings.startingPositionAtTimestamp(from);
        }
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, missingAtFirst(source, parent), handler)
                .settings(settings.build()).leaseStore(store).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() >= 200);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertNothingLostAndKeysInOrder(handler, 200);
        assertParentsDoneBeforeChildren(children, 1);
    }

    /**
     * The same at LATEST: the closed parent's records are older than the mapping, so they are skipped (as Lambda and
     * KCL do), whether or not the first listing showed the parent; the children start at LATEST.
     */
    @Test
    void atLatestAFreshStartWhoseFirstListingMissesAParentSkipsTheParent() throws Exception {
        release.countDown();
        InMemoryStream stream = InMemoryStream.create("fresh-flaky-latest", 1);
        String parent = stream.openShardIds().getFirst();
        put(stream, 0, 50);
        List<String> children = stream.split(parent);
        put(stream, 50, 50); // before the mapping: LATEST skips these too
        ObservedSource source = new ObservedSource(stream);
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, missingAtFirst(source, parent), handler)
                .settings(Streams.fast().startingPosition(StartingPosition.LATEST).batchSize(10).build())
                .leaseStore(store).build();
        mapping.start();
        try {
            await().until(() -> children.stream().allMatch(source::wasOpened));
            put(stream, 100, 50);
            await().until(() -> handler.succeeded().size() >= 50);
            await().until(() -> store.load(NAME, parent), cp -> cp.equals(Optional.of(Checkpoint.ShardEnd.INSTANCE)));
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.succeededPayloads(Streams::utf8)).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(IntStream.range(100, 150).mapToObj(i -> "r" + i).toList());
        assertThat(source.opened).containsExactlyInAnyOrder(
                new ObservedSource.Opened(children.get(0), new ReadStart.Latest()),
                new ObservedSource.Opened(children.get(1), new ReadStart.Latest()));
    }

    /** A parent that is really gone (trimmed before the mapping started) holds its children back for one listing only. */
    @Test
    void aFreshStartReadsTheChildrenOfATrimmedParent() throws Exception {
        release.countDown();
        InMemoryStream stream = InMemoryStream.create("fresh-trimmed", 1);
        String parent = stream.openShardIds().getFirst();
        put(stream, 0, 20);
        stream.split(parent);
        put(stream, 20, 100);
        stream.trim(parent);
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        EventSourceMapping<byte[]> mapping = start(stream, handler, 1);
        try {
            await().until(() -> handler.succeeded().size() >= 100);
        } finally {
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.succeededPayloads(Streams::utf8)).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(IntStream.range(20, 120).mapToObj(i -> "r" + i).toList());
    }

    private static void assertNothingLostAndKeysInOrder(RecordingHandler<byte[]> handler, int total) {
        assertThat(handler.succeededPayloads(Streams::utf8)).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, total).mapToObj(i -> "r" + i).toList());
        // Sequence numbers grow across the whole stream, parents' below children's: per key they must ascend.
        Map<String, List<String>> byKey = handler.succeeded().stream().collect(Collectors.groupingBy(
                StreamRecord::partitionKey, Collectors.mapping(StreamRecord::sequenceNumber, Collectors.toList())));
        assertThat(byKey).hasSize(20);
        byKey.forEach((key, sequenceNumbers) -> assertThat(sequenceNumbers).as("order of key " + key)
                .isSortedAccordingTo(String::compareTo));
    }

    private void assertParentsDoneBeforeChildren(List<String> children, int parentsEach) {
        for (String child : children) {
            assertThat(firstSeen).as("child %s was never invoked", child).containsKey(child);
            assertThat(firstSeen.get(child)).hasSize(parentsEach).allSatisfy(state -> {
                assertThat(state.checkpoint()).as("checkpoint of %s when %s began", state.parent(), child)
                        .contains(Checkpoint.ShardEnd.INSTANCE);
                assertThat(state.handled()).as("records of %s handled when %s began", state.parent(), child)
                        .isEqualTo(state.total());
            });
        }
    }
}
