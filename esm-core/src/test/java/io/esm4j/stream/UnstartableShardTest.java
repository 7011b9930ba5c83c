package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.ForwardingStreamSource;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A shard worker that cannot run never lingers: a lease that reached SHARD_END between the listing and the take is
 * given back at once instead of being run, and a shard worker whose supervisor fails reports it, gives the lease up
 * and the shard is taken again.
 */
class UnstartableShardTest {

    private final InMemoryLeaseStore store = new InMemoryLeaseStore();
    private final List<EventSourceMapping<byte[]>> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Streams::stopQuietly);
    }

    private EventSourceMapping<byte[]> worker(String name, StreamSource<byte[]> source, String id,
                                              StreamSettings settings, io.esm4j.lease.LeaseStore leases,
                                              RetainingMeterRegistry registry) {
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(name, source, RecordingHandler.succeeding())
                .settings(settings).leaseStore(leases).workerId(id).meterRegistry(registry).build();
        mapping.start();
        started.add(mapping);
        return mapping;
    }

    private static double count(RetainingMeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void aLeaseThatEndedBetweenTheListingAndTheTakeIsGivenBackInsteadOfRun() {
        InMemoryStream stream = InMemoryStream.create("ended", 2);
        // Hard steals, and leases that never expire: whatever moves is stolen.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofMinutes(10))
                .gracefulHandoffTimeout(Duration.ZERO).build();
        EventSourceMapping<byte[]> w1 = worker("ended", stream, "w1", settings, store, new RetainingMeterRegistry());
        await().until(() -> w1.shards().stream().filter(s -> "w1".equals(s.owner())).count() == 2);

        // The first lease w2 steals reaches its end (its owner's committer wrote SHARD_END) just before the take.
        AtomicReference<String> endedShard = new AtomicReference<>();
        ForwardingLeaseStore endingBeforeTheSteal = new ForwardingLeaseStore(store) {
            @Override
            public LeaseWrite take(Lease seen, String worker) throws Exception {
                if (seen.owner() != null && endedShard.compareAndSet(null, seen.shardId())) {
                    assertThat(store.checkpoint(seen, Checkpoint.ShardEnd.INSTANCE))
                            .isInstanceOf(LeaseWrite.Written.class);
                }
                return super.take(seen, worker);
            }
        };
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        EventSourceMapping<byte[]> w2 = worker("ended", stream, "w2", settings, endingBeforeTheSteal, registry);
        await().until(() -> endedShard.get() != null && count(registry, MetricNames.LEASES_TAKEN) >= 1);

        // w2 won the take, yet runs nothing: the ended lease is free again, and w2 holds no lease.
        await().until(() -> store.snapshot("ended").get(endedShard.get()).owner() == null);
        assertThat(store.snapshot("ended").get(endedShard.get()).ended()).isTrue();
        assertThat(registry.get(MetricNames.LEASES_HELD).gauge().value()).isZero();
        assertThat(w2.shards()).noneMatch(s -> "w2".equals(s.owner()));
    }

    @Test
    void aShardWorkerWhoseSupervisorFailsGivesTheLeaseUpAndTheShardIsTakenAgain() {
        InMemoryStream stream = InMemoryStream.create("unsupervised", 1);
        Streams.fill(stream, 20, 4);
        // A failure where the supervisor itself calls the source, as it builds the shard's first session.
        AtomicBoolean failed = new AtomicBoolean();
        ForwardingStreamSource<byte[]> source = new ForwardingStreamSource<>(stream) {
            @Override
            public int eventEnvelopeBytes(String shardId) {
                if (failed.compareAndSet(false, true)) {
                    throw new IllegalStateException("the source could not say how large an event's envelope is");
                }
                return super.eventEnvelopeBytes(shardId);
            }
        };
        RecordingHandler<byte[]> handler = RecordingHandler.succeeding();
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("unsupervised", source, handler)
                .settings(Streams.fast().failoverTime(Duration.ofSeconds(1)).build()).leaseStore(store)
                .workerId("w1").meterRegistry(registry).build();
        mapping.start();
        started.add(mapping);

        await().until(() -> handler.succeededCount() >= 20);
        assertThat(failed).isTrue();
        assertThat(count(registry, MetricNames.RESTART_COUNT)).isGreaterThanOrEqualTo(1);
        assertThat(count(registry, MetricNames.LEASES_TAKEN)).isGreaterThanOrEqualTo(2);
    }
}
