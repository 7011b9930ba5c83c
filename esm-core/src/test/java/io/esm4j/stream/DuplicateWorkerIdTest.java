package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two processes that share a lease store under the same worker id (a misconfiguration: ids must be unique) do not
 * both process a shard. A lease in a worker's own name that it does not run is taken only once its counter stood
 * still for FailoverTime, like anyone's, and a refused write is never mistaken for the worker's own unless it retried
 * that very write. The second process sees the leases move in its name and says so in its status.
 */
class DuplicateWorkerIdTest {

    private static final String NAME = "same-id";

    private final InMemoryLeaseStore store = new InMemoryLeaseStore();
    private final InMemoryStream stream = InMemoryStream.create(NAME, 1);
    private final List<EventSourceMapping<byte[]>> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Streams::stopQuietly);
    }

    private EventSourceMapping<byte[]> worker(StreamSource<byte[]> source, RecordingHandler<byte[]> handler,
                                              RetainingMeterRegistry registry) {
        // FailoverTime 1 s: renewals every 333 ms, listings every 100 ms.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofSeconds(1)).build();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, source, handler).settings(settings)
                .leaseStore(store).workerId("same").meterRegistry(registry).build();
        mapping.start();
        started.add(mapping);
        return mapping;
    }

    @Test
    void aSecondWorkerWithTheSameIdTakesNothingWhileTheFirstRenewsAndReportsTheClash() {
        String shardId = stream.openShardIds().getFirst();
        RecordingHandler<byte[]> firstHandler = RecordingHandler.succeeding();
        RecordingHandler<byte[]> secondHandler = RecordingHandler.succeeding();
        RetainingMeterRegistry secondRegistry = new RetainingMeterRegistry();
        EventSourceMapping<byte[]> first = worker(stream, firstHandler, new RetainingMeterRegistry());
        await().until(() -> first.shards().stream().anyMatch(s -> "same".equals(s.owner())));

        ObservedSource observed = new ObservedSource(stream);
        EventSourceMapping<byte[]> second = worker(observed, secondHandler, secondRegistry);
        // The second worker lists the leases many times over several failover times while the first renews.
        long counter = store.snapshot(NAME).get(shardId).counter();
        await().until(() -> observed.listings.get() >= 30 && store.snapshot(NAME).get(shardId).counter() >= counter + 9);

        Streams.fill(stream, 20, 4);
        await().until(() -> firstHandler.succeededCount() + secondHandler.succeededCount() >= 20);
        assertThat(secondHandler.invocationCount()).as("invocations of the second worker").isZero();
        assertThat(secondRegistry.find(MetricNames.LEASES_TAKEN).counters()).extracting(Counter::count)
                .allSatisfy(n -> assertThat(n).isZero());
        await().until(() -> second.stateTransitionReason().contains("another process uses worker id same"));
    }
}
