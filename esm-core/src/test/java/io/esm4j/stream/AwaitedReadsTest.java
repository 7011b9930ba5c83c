package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.handler.TimeWindow;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.AwaitedSource.Fetch;
import io.esm4j.stream.AwaitedSource.Outcome;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A source whose readers can wait for records ({@link AwaitableShardReader}, here the in-memory stream) is not
 * polled: an idle shard's reader waits in one fetch until a record is put, the shard ends, the shard stops (stop,
 * lease taken, hand-off) or a tumbling window must close. Without the wake-ups these tests fail: {@link AwaitedSource}
 * stretches the engine's bound on a wait to an hour, so a missing wake-up leaves the fetch waiting.
 */
class AwaitedReadsTest {

    private static final String NAME = "awaited";
    private static final Duration LONG_WAIT = AwaitedSource.STRETCH_ABOVE;

    private final RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
    private final List<EventSourceMapping<byte[]>> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Streams::stopQuietly);
    }

    private static ConditionFactory generously() {
        return await().atMost(Duration.ofSeconds(60));
    }

    private EventSourceMapping<byte[]> start(String workerId, StreamSource<byte[]> source, StreamSettings settings,
                                             LeaseStore store) {
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, source, handler).settings(settings)
                .leaseStore(store).workerId(workerId).build();
        mapping.start();
        started.add(mapping);
        return mapping;
    }

    private EventSourceMapping<byte[]> start(AwaitedSource source) {
        return start("w1", source, Streams.fast().build(), new InMemoryLeaseStore());
    }

    private boolean handled(String data) {
        return handler.succeeded().stream().map(Streams::text).anyMatch(data::equals);
    }

    /** Waits until the shard's reader waits at the tail; returns that fetch's index. */
    private static int waitingFetch(AwaitedSource source, String shardId) {
        generously().until(() -> source.waiting(shardId).isPresent());
        return source.waiting(shardId).orElseThrow();
    }

    @Test
    void anIdleShardWaitsInOneFetchInsteadOfFetchingEverySecond() throws Exception {
        InMemoryStream stream = InMemoryStream.create(NAME, 2);
        AwaitedSource source = new AwaitedSource(stream);
        start(source);
        for (String shardId : stream.openShardIds()) {
            waitingFetch(source, shardId);
        }
        int fetches = source.started.get();

        // A polling reader fetches about once a second (the stream's 1 s long poll, IdlePollInterval 5 ms).
        Thread.sleep(3_000);

        assertThat(source.started.get()).as("fetches during 3 s of idleness").isEqualTo(fetches);
        assertThat(source.plainFetches.get()).isZero();
        for (String shardId : stream.openShardIds()) {
            assertThat(source.waiting(shardId)).isPresent();
        }
        assertThat(source.finished).as("no fetch waited and ended empty").noneMatch(
                f -> f.outcome() == Outcome.EMPTY && f.maxWait().isPositive());
    }

    @Test
    void aRecordPutAfterAQuietSpellEndsTheWaitingFetch() {
        InMemoryStream stream = InMemoryStream.create(NAME, 1);
        AwaitedSource source = new AwaitedSource(stream);
        start(source);
        stream.put("k", "early");
        generously().until(() -> handled("early"));
        int waiting = waitingFetch(source, stream.openShardIds().getFirst());

        stream.put("k", "late");

        generously().until(() -> handled("late"));
        Fetch returned = source.returning("late").orElseThrow();
        assertThat(returned.index()).as("the fetch that returned the record").isEqualTo(waiting);
        assertThat(returned.maxWait()).isGreaterThan(LONG_WAIT);
    }

    @Test
    void aStoppingWorkerEndsItsIdleWaitAndHandsTheShardOverToOneThatWaitsToo() throws Exception {
        InMemoryStream stream = InMemoryStream.create(NAME, 1);
        String shardId = stream.openShardIds().getFirst();
        InMemoryLeaseStore shared = new InMemoryLeaseStore();
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10)).build();
        AwaitedSource first = new AwaitedSource(stream);
        AwaitedSource second = new AwaitedSource(stream);
        EventSourceMapping<byte[]> w1 = start("w1", first, settings, new WorkerLeaseStore(shared));
        int waiting = waitingFetch(first, shardId);
        start("w2", second, settings, new WorkerLeaseStore(shared));

        w1.stop(Duration.ofSeconds(10));

        generously().until(() -> first.finished(waiting).isPresent());
        assertThat(first.finished(waiting).orElseThrow().outcome()).isEqualTo(Outcome.INTERRUPTED);
        int successor = waitingFetch(second, shardId);
        stream.put("k", "after the hand-off");
        generously().until(() -> handled("after the hand-off"));
        assertThat(second.returning("after the hand-off").orElseThrow().index()).isEqualTo(successor);
    }

    @Test
    void aLeaseTakenByAnotherMappingEndsTheIdleWaitOfItsShard() {
        InMemoryStream stream = InMemoryStream.create(NAME, 2);
        InMemoryLeaseStore shared = new InMemoryLeaseStore();
        // Leases never expire here: the second worker takes one because the first holds more than its share.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10)).build();
        AwaitedSource first = new AwaitedSource(stream);
        start("w1", first, settings, new WorkerLeaseStore(shared));
        Map<String, Integer> waiting = Map.of(
                stream.openShardIds().get(0), waitingFetch(first, stream.openShardIds().get(0)),
                stream.openShardIds().get(1), waitingFetch(first, stream.openShardIds().get(1)));

        start("w2", new AwaitedSource(stream), settings, new WorkerLeaseStore(shared));

        generously().until(() -> shared.list(NAME).stream().anyMatch(l -> "w2".equals(l.owner())));
        String taken = shared.list(NAME).stream().filter(l -> "w2".equals(l.owner())).map(Lease::shardId)
                .findFirst().orElseThrow();
        generously().until(() -> first.finished(waiting.get(taken)).isPresent());
        assertThat(first.finished(waiting.get(taken)).orElseThrow().outcome()).isEqualTo(Outcome.INTERRUPTED);
        String kept = waiting.keySet().stream().filter(s -> !s.equals(taken)).findFirst().orElseThrow();
        assertThat(first.waiting(kept)).contains(waiting.get(kept));
    }

    @Test
    void aSplitEndsTheParentsIdleWaitAndTheChildrenAreRead() {
        InMemoryStream stream = InMemoryStream.create(NAME, 1);
        String parent = stream.openShardIds().getFirst();
        AwaitedSource source = new AwaitedSource(stream);
        start(source);
        int waiting = waitingFetch(source, parent);

        List<String> children = stream.split(parent);

        generously().until(() -> source.finished(waiting).isPresent());
        assertThat(source.finished(waiting).orElseThrow().outcome()).isEqualTo(Outcome.SHARD_ENDED);
        for (String child : children) {
            int childWaiting = waitingFetch(source, child);
            String data = "to " + child;
            stream.put(Streams.keyOn(stream, child, 0), data);
            generously().until(() -> handled(data));
            assertThat(source.returning(data).orElseThrow().index()).isEqualTo(childWaiting);
        }
    }

    @Test
    void aTumblingWindowOnAnIdleShardClosesWithoutAnotherRecord() {
        InMemoryStream stream = InMemoryStream.create(NAME, 1);
        AwaitedSource source = new AwaitedSource(stream);
        List<TimeWindow> windows = new CopyOnWriteArrayList<>();
        List<Fetch> beforeFinal = new CopyOnWriteArrayList<>();
        handler.behave(batch -> {
            windows.add(batch.window());
            if (batch.window().isFinalInvokeForWindow()) {
                beforeFinal.addAll(source.finished);
            }
            int count = Integer.parseInt(batch.window().state().getOrDefault("count", "0")) + batch.size();
            return BatchResult.state(Map.of("count", String.valueOf(count)));
        });
        start("w1", source, Streams.fast().tumblingWindowInSeconds(1).build(), new InMemoryLeaseStore());
        waitingFetch(source, stream.openShardIds().getFirst());

        stream.put("k", "alone");

        generously().until(() -> windows.stream().anyMatch(TimeWindow::isFinalInvokeForWindow));
        TimeWindow last = windows.getLast();
        assertThat(last.isFinalInvokeForWindow()).isTrue();
        assertThat(last.state()).containsEntry("count", "1");
        assertThat(beforeFinal).as("no fetch waited out its bound while the window was open").noneMatch(
                f -> f.outcome() == Outcome.EMPTY && f.maxWait().compareTo(LONG_WAIT) > 0
                        && f.index() > source.returning("alone").orElseThrow().index());
    }
}
