package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.esm4j.EventSourceMapping;
import io.esm4j.failure.FailureCondition;
import io.esm4j.handler.Batch;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.TimeWindow;
import io.esm4j.lease.Checkpoint;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.RecordingLeaseStore;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** TumblingWindowInSeconds (docs/lambda-semantics.md §5): state passed along, a final invocation, early termination. */
class TumblingWindowTest {

    private static final Instant WINDOW_START = Instant.parse("2026-01-01T00:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final MutableClock clock = new MutableClock(WINDOW_START.plusSeconds(1));
    private final InMemoryStream stream = InMemoryStream.create("windows", 1, clock);
    private final RecordingLeaseStore store = new RecordingLeaseStore();
    private final List<TimeWindow> windows = new ArrayList<>();
    private final List<Integer> sizes = new ArrayList<>();

    /** Counts records per window in the state; the final invocation returns the state it got. */
    private BatchResult count(Batch<StreamRecord<byte[]>> batch) {
        synchronized (this) {
            windows.add(batch.window());
            sizes.add(batch.size());
        }
        int count = Integer.parseInt(batch.window().state().getOrDefault("count", "0")) + batch.size();
        return BatchResult.state(Map.of("count", String.valueOf(count)));
    }

    private synchronized List<TimeWindow> finals() {
        return windows.stream().filter(TimeWindow::isFinalInvokeForWindow).toList();
    }

    private EventSourceMapping<byte[]> mapping(RecordingHandler.Behaviour<byte[]> behaviour) {
        return mapping(stream, behaviour, settings());
    }

    private EventSourceMapping<byte[]> mapping(StreamSource<byte[]> source,
                                               RecordingHandler.Behaviour<byte[]> behaviour,
                                               StreamSettings.Builder settings) {
        return EventSourceMapping.builder("windows", source, RecordingHandler.<byte[]>succeeding().behave(behaviour))
                .settings(settings.build()).leaseStore(store).clock(clock).build();
    }

    /** Records handed to the handler in invocations that were not final. */
    private synchronized int handled() {
        return sizes.stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * The stream read at most two records per fetch, as a reader catching up page by page reads it. Before each fetch
     * after one that returned records, the lane first handles them and goes back to its empty queue: the moment at
     * which a window could be closed for a fetch that only started after its end.
     */
    private final class TwoRecordsPerFetch extends ForwardingStreamSource<byte[]> {

        TwoRecordsPerFetch() {
            super(stream);
        }

        @Override
        public ShardReader<byte[]> openReader(String shardId, ReadStart start) throws Exception {
            AwaitableShardReader<byte[]> reader = (AwaitableShardReader<byte[]>) stream.openReader(shardId, start);
            return new AwaitableShardReader<>() {
                private int read;
                private boolean returnedRecords;

                @Override
                public FetchResult<byte[]> fetch(int maxRecords) throws Exception {
                    return fetch(maxRecords, Duration.ZERO);
                }

                @Override
                public FetchResult<byte[]> fetch(int maxRecords, Duration maxWait) throws Exception {
                    if (returnedRecords) {
                        await().until(() -> handled() == read);
                        // Not an assertion on time: it lets the lane reach its empty queue before the next fetch,
                        // so that a rule closing the window there is seen to.
                        Thread.sleep(50);
                    }
                    FetchResult<byte[]> result = reader.fetch(Math.min(maxRecords, 2), maxWait);
                    read += result.records().size();
                    returnedRecords = !result.records().isEmpty();
                    return result;
                }
            };
        }
    }

    private static StreamSettings.Builder settings() {
        return Streams.fast().batchSize(2).tumblingWindowInSeconds(60);
    }

    private void put(int secondsIntoWindow, String data) {
        stream.put("k", data.getBytes(StandardCharsets.UTF_8), WINDOW_START.plusSeconds(secondsIntoWindow));
    }

    /**
     * Every event of a window carries the window's state (up to 1 MB of JSON) besides its records: the 6 MB cap counts
     * it, or a batch of 6 MB of records and a large state would be a 7 MB event. Once the state is set the clock
     * stands still, so the batching window never elapses and a batch forms only when the cap is reached.
     */
    @Test
    void aBatchOfTheOpenWindowLeavesRoomInTheSixMegabytesForTheWindowsState() throws Exception {
        String bigState = "x".repeat(1_000_000);
        List<Long> eventBytes = new ArrayList<>();
        put(1, "small");
        EventSourceMapping<byte[]> mapping = mapping(stream, batch -> {
            long bytes = JSON.writeValueAsBytes(batch.window().state()).length;
            for (StreamRecord<byte[]> record : batch.records()) {
                bytes += record.sizeBytes();
            }
            synchronized (eventBytes) {
                eventBytes.add(bytes);
            }
            return BatchResult.state(Map.of("s", bigState));
        }, Streams.fast().batchSize(100).tumblingWindowInSeconds(60).maximumBatchingWindow(Duration.ofSeconds(1)));
        mapping.start();
        try {
            // The first batch waits for its batching window: the clock moves until it has gone (well inside the
            // window's 60 s), then stands still.
            await().until(() -> {
                clock.advance(Duration.ofMillis(200));
                synchronized (eventBytes) {
                    return eventBytes.size() == 1;
                }
            });
            for (int i = 0; i < 7; i++) {
                stream.put("k", new byte[1_000_000], WINDOW_START.plusSeconds(2));
            }
            await().until(() -> {
                synchronized (eventBytes) {
                    return eventBytes.size() == 2;
                }
            });
        } finally {
            Streams.stopQuietly(mapping);
        }
        synchronized (eventBytes) {
            assertThat(eventBytes.get(1)).isGreaterThan(5_000_000).isLessThanOrEqualTo(StreamSettings.MAX_PAYLOAD_BYTES);
        }
    }

    @Test
    void statePassesFromInvocationToInvocationAndTheFinalInvocationClosesTheWindow() throws Exception {
        for (int i = 0; i < 5; i++) {
            put(1 + i, "a" + i);
        }
        EventSourceMapping<byte[]> mapping = mapping(this::count);
        mapping.start();
        try {
            await().until(() -> sizes.stream().mapToInt(Integer::intValue).sum() == 5);
            // Aggregated but not final: nothing of the window may be checkpointed yet.
            assertThat(store.load("windows", stream.openShardIds().getFirst())).isEmpty();
            put(61, "b0");
            await().until(() -> finals().size() == 1);
            TimeWindow closing = finals().getFirst();
            assertThat(closing.start()).isEqualTo(WINDOW_START);
            assertThat(closing.end()).isEqualTo(WINDOW_START.plusSeconds(60));
            assertThat(closing.state()).containsEntry("count", "5");
            assertThat(closing.isWindowTerminatedEarly()).isFalse();
            String lastOfWindow = stream.records(stream.openShardIds().getFirst()).get(4).sequenceNumber();
            await().until(() -> store.load("windows", stream.openShardIds().getFirst())
                    .equals(java.util.Optional.of(new Checkpoint.AtSequenceNumber(lastOfWindow))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        synchronized (this) {
            assertThat(windows.subList(0, 3)).extracting(w -> w.state().getOrDefault("count", "0"))
                    .containsExactly("0", "2", "4");
            assertThat(sizes.get(windows.indexOf(finals().getFirst()))).isZero();
        }
    }

    @Test
    void aWindowClosesOnTimeOnceEveryRecordOfItHasBeenRead() throws Exception {
        put(1, "a");
        EventSourceMapping<byte[]> mapping = mapping(this::count);
        mapping.start();
        try {
            await().until(() -> sizes.size() == 1);
            clock.advance(Duration.ofSeconds(120));
            await().until(() -> finals().size() == 1);
            assertThat(finals().getFirst().state()).containsEntry("count", "1");
            assertThat(finals().getFirst().isWindowTerminatedEarly()).isFalse();
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void aWindowIsNotClosedForAFetchAfterItsEndThatReturnedOnlyPartOfItsRecords() throws Exception {
        for (int i = 0; i < 6; i++) {
            put(1 + i, "a" + i);
        }
        clock.advance(Duration.ofSeconds(120));
        EventSourceMapping<byte[]> mapping = mapping(new TwoRecordsPerFetch(), this::count, settings());
        mapping.start();
        try {
            String lastOfWindow = stream.records(stream.openShardIds().getFirst()).get(5).sequenceNumber();
            await().until(() -> store.load("windows", stream.openShardIds().getFirst())
                    .equals(java.util.Optional.of(new Checkpoint.AtSequenceNumber(lastOfWindow))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(finals()).hasSize(1);
        assertThat(finals().getFirst().state()).containsEntry("count", "6");
        assertThat(finals().getFirst().isWindowTerminatedEarly()).isFalse();
    }

    @Test
    void aFailingFinalInvocationGivesUpTheWindowsRecordsOnceTheyAreOlderThanTheMaximumAge() throws Exception {
        put(1, "a0");
        put(2, "a1");
        put(61, "b0");
        CollectingDestination destination = new CollectingDestination();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("windows", stream,
                        RecordingHandler.<byte[]>succeeding().behave(batch -> {
                            if (batch.window().isFinalInvokeForWindow()) {
                                count(batch);
                                throw new IllegalStateException("final invocation fails");
                            }
                            return count(batch);
                        }))
                .settings(settings().maximumRecordAgeInSeconds(60).build()).leaseStore(store).onFailure(destination)
                .clock(clock).build();
        mapping.start();
        try {
            await().until(() -> finals().size() >= 2);
            clock.advance(Duration.ofSeconds(120));
            String lastOfWindow = stream.records(stream.openShardIds().getFirst()).get(1).sequenceNumber();
            await().until(() -> store.load("windows", stream.openShardIds().getFirst())
                    .equals(java.util.Optional.of(new Checkpoint.AtSequenceNumber(lastOfWindow))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(destination.received()).singleElement().satisfies(failure -> {
            assertThat(failure.requestContext().condition()).isEqualTo(FailureCondition.RecordAgeExceeded);
            assertThat(failure.responseContext()).isNull();
            assertThat(List.<Object>copyOf(failure.records()))
                    .containsExactlyElementsOf(stream.records(stream.openShardIds().getFirst()).subList(0, 2));
        });
    }

    @Test
    void aResponseWithoutStateFailsTheInvocationAndTheSameRecordsComeBackWithTheSameState() throws Exception {
        put(1, "a");
        put(2, "b");
        List<Map<String, String>> statesSeen = new ArrayList<>();
        EventSourceMapping<byte[]> mapping = mapping(batch -> {
            synchronized (statesSeen) {
                statesSeen.add(batch.window().state());
                return statesSeen.size() < 3 ? BatchResult.success() : count(batch);
            }
        });
        mapping.start();
        try {
            await().until(() -> sizes.size() == 1);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(statesSeen).hasSizeGreaterThanOrEqualTo(3);
        assertThat(statesSeen.subList(0, 3)).allSatisfy(state -> assertThat(state).isEmpty());
    }

    @Test
    void stateOverOneMegabyteTerminatesTheWindowEarly() throws Exception {
        put(1, "a");
        String big = "x".repeat(1024 * 1024 + 1);
        EventSourceMapping<byte[]> mapping = mapping(batch -> {
            count(batch);
            return BatchResult.state(batch.window().isFinalInvokeForWindow() ? Map.of() : Map.of("big", big));
        });
        mapping.start();
        try {
            await().until(() -> finals().size() == 1);
            assertThat(finals().getFirst().isWindowTerminatedEarly()).isTrue();
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void aWindowWhoseRecordsFillTheShardsBufferIsTerminatedEarlyAndItsOtherRecordsGoToAFreshSession()
            throws Exception {
        for (int i = 0; i < 5; i++) {
            put(1 + i, "a" + i);
        }
        put(61, "b0");
        EventSourceMapping<byte[]> mapping = mapping(stream, this::count, settings().maxBufferedRecordsPerShard(3));
        mapping.start();
        try {
            await().until(() -> finals().size() == 2);
            String lastOfWindow = stream.records(stream.openShardIds().getFirst()).get(4).sequenceNumber();
            await().until(() -> store.load("windows", stream.openShardIds().getFirst())
                    .equals(java.util.Optional.of(new Checkpoint.AtSequenceNumber(lastOfWindow))));
        } finally {
            Streams.stopQuietly(mapping);
        }
        // The first three records filled the buffer: only the final invocation could free it.
        assertThat(finals()).extracting(TimeWindow::start).containsOnly(WINDOW_START);
        assertThat(finals()).extracting(w -> w.state().get("count")).containsExactly("3", "2");
        assertThat(finals()).extracting(TimeWindow::isWindowTerminatedEarly).containsExactly(true, false);
    }

    @Test
    void aShardEndTerminatesTheWindowEarly() throws Exception {
        put(1, "a");
        EventSourceMapping<byte[]> mapping = mapping(this::count);
        mapping.start();
        try {
            await().until(() -> sizes.size() == 1);
            stream.split(stream.openShardIds().getFirst());
            await().until(() -> finals().size() == 1);
            assertThat(finals().getFirst().isWindowTerminatedEarly()).isTrue();
            assertThat(finals().getFirst().state()).containsEntry("count", "1");
        } finally {
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void aShardEndTerminatesTheWindowEarlyAlsoWhenTheWindowsEndHasPassed() throws Exception {
        put(1, "a");
        stream.split(stream.openShardIds().getFirst());
        clock.advance(Duration.ofSeconds(120));
        EventSourceMapping<byte[]> mapping = mapping(this::count);
        mapping.start();
        try {
            await().until(() -> finals().size() == 1);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(finals().getFirst().isWindowTerminatedEarly()).isTrue();
        assertThat(finals().getFirst().state()).containsEntry("count", "1");
    }

    /**
     * A record stamped just before its window's end may become readable only after it (the stream stamps it before the
     * write completes, DynamoDB Streams rounds the stamp down to the second, the worker's clock is not the stream's):
     * an empty read just after the end does not close the window yet, so the record still joins its one session.
     */
    @Test
    void aRecordStampedBeforeTheEndButReadableJustAfterItStillJoinsItsWindow() throws Exception {
        Instant end = WINDOW_START.plusSeconds(60);
        AtomicInteger emptyReadsAfterEnd = new AtomicInteger();
        StreamSource<byte[]> counting = new ForwardingStreamSource<>(stream) {
            @Override
            public ShardReader<byte[]> openReader(String shardId, ReadStart start) throws Exception {
                AwaitableShardReader<byte[]> reader = (AwaitableShardReader<byte[]>) stream.openReader(shardId, start);
                return new AwaitableShardReader<>() {
                    @Override
                    public FetchResult<byte[]> fetch(int maxRecords) throws Exception {
                        return fetch(maxRecords, Duration.ZERO);
                    }

                    @Override
                    public FetchResult<byte[]> fetch(int maxRecords, Duration maxWait) throws Exception {
                        boolean afterEnd = !clock.instant().isBefore(end);
                        FetchResult<byte[]> result = reader.fetch(maxRecords, maxWait);
                        if (afterEnd && result.records().isEmpty()) {
                            emptyReadsAfterEnd.incrementAndGet();
                        }
                        return result;
                    }
                };
            }
        };
        put(1, "a");
        EventSourceMapping<byte[]> mapping = mapping(counting, this::count, settings());
        mapping.start();
        try {
            await().until(() -> handled() == 1);
            clock.advance(Duration.ofSeconds(60).plusMillis(500));
            // The reader fetches again only once it has dealt the first empty read after the end, so a rule closing
            // the window on that read has had its chance when the late record comes.
            await().until(() -> emptyReadsAfterEnd.get() >= 2);
            put(59, "late");
            await().until(() -> handled() == 2);
            clock.advance(Duration.ofSeconds(60));
            await().until(() -> !finals().isEmpty());
            // A record of a later window closes whatever session of the first window is still open.
            stream.put("k", "b0".getBytes(StandardCharsets.UTF_8), WINDOW_START.plusSeconds(200));
            await().until(() -> handled() == 3);
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(finals()).singleElement().satisfies(window -> {
            assertThat(window.state()).containsEntry("count", "2");
            assertThat(window.isWindowTerminatedEarly()).isFalse();
        });
    }

    @Test
    void tumblingWindowsNeedParallelizationFactorOne() {
        assertThatThrownBy(() -> StreamSettings.builder().startingPosition(io.esm4j.settings.StartingPosition.LATEST)
                .tumblingWindowInSeconds(60).parallelizationFactor(2).build())
                .isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("ParallelizationFactor").hasMessageContaining("TumblingWindowInSeconds");
        assertThatThrownBy(() -> StreamSettings.builder().startingPosition(io.esm4j.settings.StartingPosition.LATEST)
                .tumblingWindowInSeconds(901).build())
                .hasMessage("Invalid value for TumblingWindowInSeconds: 901. Expected an integer from 0 to 900.");
    }
}
