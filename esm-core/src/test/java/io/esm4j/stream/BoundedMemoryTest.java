package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * docs/design.md guarantee 3: a shard holds at most MaxBufferedRecordsPerShard records and MaxBufferedMegabytesPerShard
 * megabytes (plus at most one fetch) between reading and completion; a blocked handler pauses the reader.
 */
class BoundedMemoryTest {

    private static final int MIB = 1024 * 1024;

    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();
    private final CountDownLatch release = new CountDownLatch(1);
    /** Records read but not done, seen at an invocation, when above the bound. */
    private final List<String> violations = new CopyOnWriteArrayList<>();

    private double polled(String mapping) {
        return registry.get(MetricNames.POLLED_EVENT_COUNT).tag(MetricNames.MAPPING_TAG, mapping).counter().count();
    }

    /** Blocks the first invocation until released; at every invocation checks polled - done against the bound. */
    private RecordingHandler<byte[]> blockingFirst(String mapping, int bound) {
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        AtomicBoolean first = new AtomicBoolean(true);
        handler.behave(batch -> {
            // With one lane the records done are exactly those that succeeded before this invocation.
            double inFlight = polled(mapping) - handler.succeeded().size();
            if (inFlight > bound) {
                violations.add(inFlight + " records in flight at an invocation");
            }
            if (first.getAndSet(false) && !release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the handler");
            }
            return BatchResult.success();
        });
        return handler;
    }

    /** Lets at least three shard syncs (3 x ShardSyncInterval) pass without sleeping. */
    private static void letTimePass(ObservedSource source) {
        int seen = source.listings.get();
        await().until(() -> source.listings.get() >= seen + 3);
    }

    @Test
    void aBlockedHandlerPausesTheReaderAtTheRecordBound() throws Exception {
        InMemoryStream stream = InMemoryStream.create("bounded", 1);
        Streams.fill(stream, 1_000, 10);
        ObservedSource source = new ObservedSource(stream);
        RecordingHandler<byte[]> handler = blockingFirst("records", 50);
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("records", source, handler)
                .settings(Streams.fast().batchSize(10).maxBufferedRecordsPerShard(50).build())
                .meterRegistry(registry).build();
        mapping.start();
        try {
            await().until(() -> polled("records") >= 50);
            assertThat(polled("records")).isEqualTo(50);
            await().until(() -> handler.invocationCount() == 1);

            letTimePass(source);
            assertThat(polled("records")).isEqualTo(50);
            letTimePass(source);
            assertThat(polled("records")).isEqualTo(50);
            assertThat(handler.invocationCount()).isEqualTo(1);

            release.countDown();
            await().until(() -> handler.succeeded().size() >= 1_000);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.succeededPayloads(Streams::utf8)).doesNotHaveDuplicates().hasSize(1_000);
        assertThat(polled("records")).isEqualTo(1_000);
        assertThat(violations).isEmpty();
        assertThat(handler.invocations()).allSatisfy(b -> assertThat(b.size()).isLessThanOrEqualTo(10));
    }

    @Test
    void aBlockedKeyInOneLaneBoundsTheOtherLanesToo() throws Exception {
        // Lane 1 holds key "a", lane 0 key "b". The first record's key blocks; "b" keeps succeeding. Everything
        // after the blocked record stays unchecked (the checkpoint cannot pass it), so the reader must pause at the
        // bound rather than keep reading behind it.
        assertThat(Math.floorMod("a".hashCode(), 2)).isEqualTo(1);
        assertThat(Math.floorMod("b".hashCode(), 2)).isEqualTo(0);
        InMemoryStream stream = InMemoryStream.create("lanes", 1);
        stream.put("a", "r0");
        for (int i = 1; i < 300; i++) {
            stream.put(i % 50 == 0 ? "a" : "b", "r" + i);
        }
        ObservedSource source = new ObservedSource(stream);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        handler.behave(batch -> {
            if (batch.records().stream().anyMatch(r -> r.partitionKey().equals("a"))
                    && !release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the handler");
            }
            return BatchResult.success();
        });
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("lanes", source, handler)
                .settings(Streams.fast().batchSize(10).parallelizationFactor(2).maxBufferedRecordsPerShard(50)
                        .build())
                .meterRegistry(registry).build();
        mapping.start();
        try {
            await().until(() -> polled("lanes") >= 50 && handler.succeededPayloads(Streams::utf8).contains("r49"));
            letTimePass(source);
            letTimePass(source);
            assertThat(polled("lanes")).isEqualTo(50);

            release.countDown();
            await().until(() -> handler.succeeded().size() >= 300);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.succeededPayloads(Streams::utf8)).doesNotHaveDuplicates().hasSize(300);
    }

    @Test
    void aBlockedHandlerPausesTheReaderAtTheByteBoundPlusOneFetch() throws Exception {
        InMemoryStream stream = InMemoryStream.create("bytes", 1);
        ObservedSource source = new ObservedSource(stream);
        byte[] megabyte = new byte[MIB];
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        AtomicBoolean first = new AtomicBoolean(true);
        handler.behave(batch -> {
            if (first.getAndSet(false) && !release.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("test never released the handler");
            }
            return BatchResult.success();
        });
        // The reader may fetch only while less than 6 MB are in flight; a fetch can overshoot the bound, once.
        // (Records that succeeded may not be marked done yet, so this undercounts what is in flight: no false alarm.)
        source.beforeFetch = () -> {
            double inFlightMegabytes = polled("bytes") - handler.succeeded().size();
            if (inFlightMegabytes >= 6) {
                violations.add("fetch with " + inFlightMegabytes + " MB in flight");
            }
        };
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("bytes", source, handler)
                .settings(Streams.fast().maxBufferedMegabytesPerShard(6).build())
                .meterRegistry(registry).build();
        mapping.start();
        try {
            // Feed one record at a time so that each fetch holds exactly one.
            for (int i = 0; i < 6; i++) {
                stream.put("k" + i, megabyte);
                int expected = i + 1;
                await().until(() -> polled("bytes") >= expected);
            }
            await().until(() -> handler.invocationCount() == 1);
            for (int i = 6; i < 20; i++) {
                stream.put("k" + i, megabyte);
            }

            // Each fetch so far returned one record: 6 MB bound + one fetch = 7 records at most.
            letTimePass(source);
            assertThat(polled("bytes")).isLessThanOrEqualTo(7);
            letTimePass(source);
            assertThat(polled("bytes")).isLessThanOrEqualTo(7);
            assertThat(handler.invocationCount()).isEqualTo(1);

            release.countDown();
            await().until(() -> handler.succeeded().size() >= 20);
        } finally {
            release.countDown();
            Streams.stopQuietly(mapping);
        }

        assertThat(handler.succeeded()).hasSize(20);
        assertThat(polled("bytes")).isEqualTo(20);
        assertThat(violations).isEmpty();
        // The 6 MB invocation payload cap holds too.
        assertThat(handler.invocations()).allSatisfy(b -> assertThat(b.size()).isLessThanOrEqualTo(6));
    }
}
