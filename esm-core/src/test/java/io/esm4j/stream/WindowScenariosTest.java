package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.TimeWindow;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.filter.FilterCriteria;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Tumbling windows together with failures, filters, stops and lease hand-overs. */
class WindowScenariosTest {

    private static final Instant WINDOW_START = Instant.parse("2026-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(WINDOW_START.plusSeconds(1));
    private final InMemoryStream stream = InMemoryStream.create("windows", 1, clock);
    private final InMemoryLeaseStore store = new InMemoryLeaseStore();
    private final List<Batch<StreamRecord<byte[]>>> calls = new ArrayList<>();

    private void put(int secondsIntoWindow, String data) {
        stream.put("k", data.getBytes(StandardCharsets.UTF_8), WINDOW_START.plusSeconds(secondsIntoWindow));
    }

    private String shard() {
        return stream.openShardIds().getFirst();
    }

    private synchronized List<TimeWindow> finals() {
        return calls.stream().map(Batch::window).filter(TimeWindow::isFinalInvokeForWindow).toList();
    }

    private synchronized List<Batch<StreamRecord<byte[]>>> calls() {
        return List.copyOf(calls);
    }

    /** Appends the records' data to the state's "seen"; fails on records matching poison (whole batch). */
    private BatchResult collect(Batch<StreamRecord<byte[]>> batch, Predicate<String> poison) {
        synchronized (this) {
            calls.add(batch);
        }
        StringBuilder seen = new StringBuilder(batch.window().state().getOrDefault("seen", ""));
        for (StreamRecord<byte[]> record : batch.records()) {
            String data = Streams.text(record);
            if (poison.test(data)) {
                throw new IllegalStateException("poison");
            }
            seen.append(data).append(' ');
        }
        return BatchResult.state(Map.of("seen", seen.toString()));
    }

    private StreamSettings.Builder settings() {
        return Streams.fast().batchSize(3).tumblingWindowInSeconds(60);
    }

    private EventSourceMapping<byte[]> mapping(String worker, RecordingHandler.Behaviour<byte[]> behaviour,
                                               StreamSettings.Builder settings, CollectingDestination destination) {
        return EventSourceMapping.builder("windows", stream, RecordingHandler.<byte[]>succeeding().behave(behaviour))
                .settings(settings.build()).leaseStore(store).workerId(worker).clock(clock).onFailure(destination)
                .build();
    }

    @Test
    void aPartialFailureKeepsTheStateReturnedWithItForTheRetry() throws Exception {
        put(1, "a");
        put(2, "b");
        put(3, "c");
        boolean[] failedOnce = {false};
        EventSourceMapping<byte[]> mapping = mapping("w1", batch -> {
            synchronized (this) {
                calls.add(batch);
            }
            if (batch.window().isFinalInvokeForWindow()) {
                return BatchResult.state(batch.window().state());
            }
            StringBuilder seen = new StringBuilder(batch.window().state().getOrDefault("seen", ""));
            for (StreamRecord<byte[]> record : batch.records()) {
                if (Streams.text(record).equals("b") && !failedOnce[0]) {
                    failedOnce[0] = true;
                    return BatchResult.state(Map.of("seen", seen.toString()), List.of(record.sequenceNumber()));
                }
                seen.append(Streams.text(record)).append(' ');
            }
            return BatchResult.state(Map.of("seen", seen.toString()));
        }, settings().reportBatchItemFailures(true), new CollectingDestination());
        mapping.start();
        try {
            await().until(() -> calls().size() == 2);
            put(61, "next");
            await().until(() -> finals().size() == 1);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(calls().get(1).window().state()).containsEntry("seen", "a ");
        assertThat(finals().getFirst().state()).containsEntry("seen", "a b c ");
    }

    @Test
    void aRecordGivenUpInsideAWindowLeavesTheOthersToItsFinalInvocation() throws Exception {
        put(1, "a");
        put(2, "poison");
        put(3, "c");
        CollectingDestination destination = new CollectingDestination();
        EventSourceMapping<byte[]> mapping = mapping("w1", batch -> collect(batch, "poison"::equals),
                settings().bisectBatchOnFunctionError(true).maximumRetryAttempts(1), destination);
        mapping.start();
        try {
            await().until(() -> destination.received().size() == 1);
            // The window is open: none of its records may be checkpointed, although the poison is done.
            assertThat(store.checkpoint("windows", shard())).contains(Checkpoint.TrimHorizon.INSTANCE);
            put(61, "next");
            await().until(() -> finals().size() == 1);
            String lastOfWindow = stream.records(shard()).get(2).sequenceNumber();
            await().until(() -> store.checkpoint("windows", shard())
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(lastOfWindow))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(finals().getFirst().state()).containsEntry("seen", "a c ");
        assertThat(destination.received().getFirst().requestContext().condition())
                .isEqualTo(FailureCondition.RetryAttemptsExhausted);
    }

    @Test
    void aWindowEveryRecordOfWhichIsFilteredOutIsNeverInvokedAndIsCheckpointed() throws Exception {
        put(1, "{\"keep\":false}");
        put(2, "{\"keep\":false}");
        put(61, "{\"keep\":true}");
        put(62, "{\"keep\":false}");
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("windows", stream,
                        RecordingHandler.<byte[]>succeeding().behave(batch -> collect(batch, x -> false)))
                .settings(settings().build()).leaseStore(store).clock(clock)
                .filterCriteria(FilterCriteria.of(List.of("{\"data\":{\"keep\":[true]}}"))).build();
        mapping.start();
        try {
            await().until(() -> calls().size() == 1);
            clock.advance(Duration.ofSeconds(180));
            await().until(() -> finals().size() == 1);
            String last = stream.records(shard()).get(3).sequenceNumber();
            await().until(() -> store.checkpoint("windows", shard())
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(last))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(finals().getFirst().start()).isEqualTo(WINDOW_START.plusSeconds(60));
        assertThat(calls()).hasSize(2);
    }

    @Test
    void aStopMidWindowLeavesTheWholeWindowToTheNextOwnerWhichStartsWithEmptyState() throws Exception {
        put(1, "a");
        put(2, "b");
        put(3, "c");
        put(4, "d");
        EventSourceMapping<byte[]> first = mapping("w1", batch -> collect(batch, x -> false), settings(),
                new CollectingDestination());
        first.start();
        try {
            await().until(() -> calls().size() == 2);
        } finally {
            first.stop(Duration.ofSeconds(10));
        }
        assertThat(store.checkpoint("windows", shard())).contains(Checkpoint.TrimHorizon.INSTANCE);
        // A stop is no window end: a final invocation would publish a partial aggregate the next owner repeats.
        assertThat(finals()).isEmpty();
        synchronized (this) {
            calls.clear();
        }
        EventSourceMapping<byte[]> second = mapping("w2", batch -> collect(batch, x -> false), settings(),
                new CollectingDestination());
        second.start();
        try {
            await().until(() -> calls().size() == 2);
            assertThat(calls().getFirst().window().state()).isEmpty();
            put(61, "next");
            await().until(() -> finals().size() == 1);
        } finally {
            Streams.stopQuietly(second);
        }
        assertThat(finals().getFirst().state()).containsEntry("seen", "a b c d ");
    }
    @Test
    void aShardHandedOverToAnotherWorkerMidWindowIsAggregatedWholeByItsNewOwnerAndClosedOnce() throws Exception {
        InMemoryStream twoShards = InMemoryStream.create("windows", 2, clock);
        List<String> shards = twoShards.openShardIds();
        List<String> keys = List.of(Streams.keyOn(twoShards, shards.get(0), 0), Streams.keyOn(twoShards, shards.get(1), 0));
        for (int i = 0; i < 4; i++) {
            for (String key : keys) {
                twoShards.put(key, ("r" + i).getBytes(StandardCharsets.UTF_8), WINDOW_START.plusSeconds(1 + i));
            }
        }
        StreamSettings.Builder settings = settings().gracefulHandoffTimeout(Duration.ofSeconds(20))
                .failoverTime(Duration.ofSeconds(2));
        List<String> finalsBy = new ArrayList<>();
        RecordingHandler.Behaviour<byte[]> behaviour = batch -> {
            if (batch.window().isFinalInvokeForWindow()) {
                synchronized (finalsBy) {
                    finalsBy.add(batch.partition() + "=" + batch.window().state().get("seen"));
                }
            }
            return collect(batch, x -> false);
        };
        EventSourceMapping<byte[]> w1 = EventSourceMapping.builder("windows", twoShards,
                        RecordingHandler.<byte[]>succeeding().behave(behaviour))
                .settings(settings.build()).leaseStore(store).workerId("w1").clock(clock).build();
        EventSourceMapping<byte[]> w2 = EventSourceMapping.builder("windows", twoShards,
                        RecordingHandler.<byte[]>succeeding().behave(behaviour))
                .settings(settings.build()).leaseStore(store).workerId("w2").clock(clock).build();
        w1.start();
        try {
            // w1 aggregated both shards' records (two batches of a shard each).
            await().until(() -> calls().size() == 4);
            w2.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> w1.shards().stream()
                    .filter(status -> "w1".equals(status.owner())).count() == 1
                    && w2.shards().stream().filter(status -> "w2".equals(status.owner())).count() == 1);
            await().until(() -> calls().size() == 6);
            for (String key : keys) {
                twoShards.put(key, "next".getBytes(StandardCharsets.UTF_8), WINDOW_START.plusSeconds(61));
            }
            await().until(() -> finals().size() == 2);
        } finally {
            Streams.stopQuietly(w2);
            Streams.stopQuietly(w1);
        }
        synchronized (finalsBy) {
            assertThat(finalsBy).containsExactlyInAnyOrder(shards.get(0) + "=r0 r1 r2 r3 ",
                    shards.get(1) + "=r0 r1 r2 r3 ");
        }
    }
    @Test
    void onAPolledSourceAnIdleWindowClosesOnceTheClockPassedItsEnd() throws Exception {
        put(1, "a");
        put(2, "b");
        // A source whose readers are polled (Kinesis without enhanced fan-out, DynamoDB Streams).
        StreamSource<byte[]> polled = new io.esm4j.testing.ForwardingStreamSource<>(stream) {
            @Override
            public ShardReader<byte[]> openReader(String shardId, ReadStart start) throws Exception {
                ShardReader<byte[]> reader = stream.openReader(shardId, start);
                return new ShardReader<>() {
                    @Override
                    public FetchResult<byte[]> fetch(int maxRecords) throws Exception {
                        return ((AwaitableShardReader<byte[]>) reader).fetch(maxRecords, Duration.ZERO);
                    }

                    @Override
                    public void close() {
                        reader.close();
                    }
                };
            }
        };
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("windows", polled,
                        RecordingHandler.<byte[]>succeeding().behave(batch -> collect(batch, x -> false)))
                .settings(settings().build()).leaseStore(store).clock(clock).build();
        mapping.start();
        try {
            await().until(() -> calls().size() == 1);
            clock.advance(Duration.ofSeconds(70));
            await().until(() -> finals().size() == 1);
            String last = stream.records(shard()).get(1).sequenceNumber();
            await().until(() -> store.checkpoint("windows", shard())
                    .equals(Optional.of(new Checkpoint.AtSequenceNumber(last))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(finals().getFirst().state()).containsEntry("seen", "a b ");
        assertThat(finals().getFirst().isWindowTerminatedEarly()).isFalse();
    }
}
