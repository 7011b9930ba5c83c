package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Batch formation (docs/lambda-semantics.md §2.1): a batch ends at BatchSize, at the 6 MB payload cap, or when the
 * batching window has elapsed, whichever comes first; a batch holds records of one shard only.
 */
class BatchingTest {

    private static final int MIB = 1024 * 1024;
    private static final Instant T0 = Instant.parse("2024-01-01T00:00:00Z");

    @Test
    void batchSizeIsRespected() throws Exception {
        InMemoryStream stream = InMemoryStream.create("batch-size", 1);
        // Put before start: the reader fetches all 250 at once, so the lane can cut batches of exactly 7.
        Streams.fill(stream, 250, 13);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("batch-size", stream, handler)
                .settings(Streams.fast().batchSize(7).build()).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == 250);
        } finally {
            Streams.stopQuietly(mapping);
        }
        List<Integer> sizes = handler.invocations().stream().map(Batch::size).toList();
        assertThat(sizes).allSatisfy(size -> assertThat(size).isBetween(1, 7));
        List<Integer> expected = new ArrayList<>(java.util.Collections.nCopies(35, 7));
        expected.add(5);
        assertThat(sizes).isEqualTo(expected);
        assertThat(handler.succeededPayloads(Streams::utf8))
                .containsExactlyElementsOf(IntStream.range(0, 250).mapToObj(i -> "r" + i).toList());
    }

    @Test
    void aBatchNeverMixesShards() throws Exception {
        InMemoryStream stream = InMemoryStream.create("one-shard-per-batch", 3);
        Streams.fill(stream, 600, 60);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("one-shard-per-batch", stream, handler)
                .settings(Streams.fast().batchSize(50).parallelizationFactor(3).build()).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == 600);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(stream.openShardIds()).hasSize(3)
                .allSatisfy(shardId -> assertThat(stream.records(shardId)).isNotEmpty());
        for (Batch<StreamRecord<byte[]>> batch : handler.invocations()) {
            List<String> ofShard = stream.records(batch.partition()).stream().map(StreamRecord::sequenceNumber)
                    .toList();
            assertThat(batch.records()).allSatisfy(record -> {
                assertThat(record.shardId()).isEqualTo(batch.partition());
                assertThat(ofShard).contains(record.sequenceNumber());
            });
        }
        assertThat(handler.invocations()).extracting(Batch::partition).containsAll(stream.openShardIds());
    }

    @Test
    void aBatchStopsAtTheSixMegabytePayloadCap() throws Exception {
        InMemoryStream stream = InMemoryStream.create("payload-cap", 1);
        byte[] oneMib = new byte[MIB];
        for (int i = 0; i < 20; i++) {
            stream.put("k" + i, oneMib);
        }
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("payload-cap", stream, handler)
                .settings(Streams.fast().batchSize(100).build()).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == 20);
        } finally {
            Streams.stopQuietly(mapping);
        }
        // All 20 are queued at once, so only the cap cuts them: 6 x 1 MiB = 6 MiB fits, a 7th would not.
        assertThat(handler.invocations()).extracting(Batch::size).containsExactly(6, 6, 6, 2);
        assertThat(handler.invocations()).allSatisfy(batch -> assertThat(payloadBytes(batch))
                .isLessThanOrEqualTo(StreamSettings.MAX_PAYLOAD_BYTES));
    }

    @Test
    void aRecordOverTheCapGoesAlone() throws Exception {
        InMemoryStream stream = InMemoryStream.create("oversize", 1);
        byte[] small = new byte[1024];
        byte[] huge = new byte[7 * MIB];
        for (int i = 0; i < 3; i++) {
            stream.put("k" + i, small);
        }
        String hugeSequence = stream.put("huge", huge).sequenceNumber();
        for (int i = 3; i < 6; i++) {
            stream.put("k" + i, small);
        }
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("oversize", stream, handler)
                .settings(Streams.fast().batchSize(100).build()).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == 7);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.invocations()).extracting(Batch::size).containsExactly(3, 1, 3);
        Batch<StreamRecord<byte[]>> alone = handler.invocations().get(1);
        assertThat(alone.records().getFirst().sequenceNumber()).isEqualTo(hugeSequence);
        assertThat(handler.invocations()).filteredOn(b -> b.size() > 1).allSatisfy(batch ->
                assertThat(payloadBytes(batch)).isLessThanOrEqualTo(StreamSettings.MAX_PAYLOAD_BYTES));
    }

    @Test
    void recordsWaitForTheBatchingWindowAndThenArriveInOneBatch() throws Exception {
        MutableClock clock = new MutableClock(T0);
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        InMemoryStream stream = InMemoryStream.create("window", 1, clock);
        List<Instant> invokedAt = new CopyOnWriteArrayList<>();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            invokedAt.add(clock.instant());
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("window", stream, handler)
                .settings(Streams.fast().batchSize(100).maximumBatchingWindowInSeconds(5).build())
                .clock(clock).meterRegistry(registry).build();
        mapping.start();
        try {
            // Three separate puts, each polled on its own: without the window they would be three batches.
            putAndAwaitPolled(stream, registry, 0, 3);
            putAndAwaitPolled(stream, registry, 3, 6);
            putAndAwaitPolled(stream, registry, 6, 10);
            // The clock is frozen inside the window: nothing may be invoked however long we look. Looking a while
            // cannot fail a correct engine; it only gives a broken one the chance to show itself.
            assertNoInvocationFor(handler, 0, Duration.ofMillis(300));

            advanceUntil(clock, Duration.ofMillis(250), () -> handler.succeeded().size() == 10);
            assertThat(handler.invocations()).hasSize(1);
            assertThat(handler.succeededPayloads(Streams::utf8))
                    .containsExactlyElementsOf(IntStream.range(0, 10).mapToObj(i -> "r" + i).toList());
            // The window started no earlier than the mapping (T0), so the batch cannot have gone before T0 + 5 s.
            assertThat(invokedAt.getFirst()).isAfterOrEqualTo(T0.plusSeconds(5));

            // The next window starts when the previous invocation ended, not when the first one did.
            putAndAwaitPolled(stream, registry, 10, 15);
            assertNoInvocationFor(handler, 1, Duration.ofMillis(300));
            advanceUntil(clock, Duration.ofMillis(250), () -> handler.succeeded().size() == 15);
            assertThat(handler.invocations()).hasSize(2);
            assertThat(handler.invocations().get(1).size()).isEqualTo(5);
            assertThat(invokedAt.get(1)).isAfterOrEqualTo(invokedAt.getFirst().plusSeconds(5));
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void batchSizeEndsTheWindowEarly() throws Exception {
        MutableClock clock = new MutableClock(T0);
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        InMemoryStream stream = InMemoryStream.create("window-full", 1, clock);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("window-full", stream, handler)
                .settings(Streams.fast().batchSize(5).maximumBatchingWindowInSeconds(300).build())
                .clock(clock).meterRegistry(registry).build();
        mapping.start();
        try {
            putAndAwaitPolled(stream, registry, 0, 12);
            // The clock never moves: only full batches may go.
            await().until(() -> handler.succeeded().size() == 10);
            assertThat(handler.invocations()).extracting(Batch::size).containsExactly(5, 5);
            assertNoInvocationFor(handler, 2, Duration.ofMillis(300));

            advanceUntil(clock, Duration.ofSeconds(60), () -> handler.succeeded().size() == 12);
            assertThat(handler.invocations()).extracting(Batch::size).containsExactly(5, 5, 2);
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void thePayloadCapEndsTheWindowEarly() throws Exception {
        MutableClock clock = new MutableClock(T0);
        InMemoryStream stream = InMemoryStream.create("window-cap", 1, clock);
        byte[] oneMib = new byte[MIB];
        for (int i = 0; i < 7; i++) {
            stream.put("k" + i, oneMib);
        }
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("window-cap", stream, handler)
                .settings(Streams.fast().batchSize(100).maximumBatchingWindowInSeconds(300).build())
                .clock(clock).build();
        mapping.start();
        try {
            // The clock never moves: only a batch at the cap may go.
            await().until(() -> handler.succeeded().size() == 6);
            assertNoInvocationFor(handler, 1, Duration.ofMillis(300));
            advanceUntil(clock, Duration.ofSeconds(60), () -> handler.succeeded().size() == 7);
            assertThat(handler.invocations()).extracting(Batch::size).containsExactly(6, 1);
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void withoutAWindowRecordsGoAsSoonAsTheyAreAvailable() throws Exception {
        // The clock never moves: if the engine waited for any window at all, nothing would ever be invoked.
        MutableClock clock = new MutableClock(T0);
        InMemoryStream stream = InMemoryStream.create("no-window", 1, clock);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("no-window", stream, handler)
                .settings(Streams.fast().batchSize(100).maximumBatchingWindow(Duration.ZERO).build())
                .clock(clock).build();
        mapping.start();
        try {
            stream.put("k", "first");
            await().until(() -> handler.succeededPayloads(Streams::utf8).equals(List.of("first")));
            stream.put("k", "second");
            stream.put("k", "third");
            await().until(() -> handler.succeeded().size() == 3);
            assertThat(handler.succeededPayloads(Streams::utf8)).containsExactly("first", "second", "third");
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void aFullShardBufferEndsTheWindowEarly() throws Exception {
        // The reader holds at most 10 records of the shard, fewer than BatchSize: waiting for the window could gather
        // nothing more, so the batch goes at once. The clock never moves: only the full buffer may end the window.
        MutableClock clock = new MutableClock(T0);
        InMemoryStream stream = InMemoryStream.create("window-buffer", 1, clock);
        Streams.fill(stream, 25, 4);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("window-buffer", stream, handler)
                .settings(Streams.fast().batchSize(100).maximumBatchingWindowInSeconds(300)
                        .maxBufferedRecordsPerShard(10).build())
                .clock(clock).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() == 20);
            // The last 5 leave the buffer room: they wait for the window, as records do when more may come.
            assertNoInvocationFor(handler, 2, Duration.ofMillis(300));
            advanceUntil(clock, Duration.ofSeconds(60), () -> handler.succeeded().size() == 25);
            assertThat(handler.invocations()).extracting(Batch::size).containsExactly(10, 10, 5);
            assertThat(handler.succeededPayloads(Streams::utf8))
                    .containsExactlyElementsOf(IntStream.range(0, 25).mapToObj(i -> "r" + i).toList());
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void withParallelLanesAFullShardBufferEndsTheirWindowsEarly() throws Exception {
        // Two lanes share the shard's buffer of 20 records, so neither can ever gather BatchSize: with the default
        // buffer the same happens at ParallelizationFactor 10 and BatchSize 10,000. The clock never moves.
        MutableClock clock = new MutableClock(T0);
        InMemoryStream stream = InMemoryStream.create("lanes-buffer", 1, clock);
        Streams.fill(stream, 60, 2);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("lanes-buffer", stream, handler)
                .settings(Streams.fast().batchSize(100).maximumBatchingWindowInSeconds(300)
                        .parallelizationFactor(2).maxBufferedRecordsPerShard(20).build())
                .clock(clock).build();
        mapping.start();
        try {
            await().until(() -> handler.succeeded().size() >= 40);
            advanceUntil(clock, Duration.ofSeconds(60), () -> handler.succeeded().size() == 60);
            for (String key : List.of("k0", "k1")) {
                int first = key.equals("k0") ? 0 : 1;
                assertThat(handler.succeeded().stream().filter(r -> key.equals(r.partitionKey())).map(Streams::text))
                        .containsExactlyElementsOf(IntStream.iterate(first, i -> i < 60, i -> i + 2)
                                .mapToObj(i -> "r" + i).toList());
            }
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    private static void putAndAwaitPolled(InMemoryStream stream, RetainingMeterRegistry registry, int from, int to) {
        for (int i = from; i < to; i++) {
            stream.put("k" + (i % 4), ("r" + i).getBytes(StandardCharsets.UTF_8));
        }
        await().until(() -> registry.get(MetricNames.POLLED_EVENT_COUNT).counter().count() == to);
    }

    /**
     * Moves the clock forward a step at a time until {@code done}. Stepping, rather than one jump, keeps the test
     * independent of when exactly a lane thread reads the clock to start its window.
     */
    private static void advanceUntil(MutableClock clock, Duration step, Callable<Boolean> done) {
        await().pollInterval(Duration.ofMillis(10)).until(() -> {
            if (done.call()) {
                return true;
            }
            clock.advance(step);
            return false;
        });
    }

    /** The invocation count stays at {@code count} for {@code duration}; this can only fail a broken engine. */
    private static void assertNoInvocationFor(RecordingHandler<byte[]> handler, int count, Duration duration) {
        assertThat(handler.invocationCount()).isEqualTo(count);
        await().during(duration).atMost(duration.plusSeconds(5)).until(() -> handler.invocationCount() == count);
    }

    private static long payloadBytes(Batch<StreamRecord<byte[]>> batch) {
        return batch.records().stream().mapToLong(StreamRecord::sizeBytes).sum();
    }
}
