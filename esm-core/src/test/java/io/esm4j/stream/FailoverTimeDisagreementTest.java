package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseStore;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Workers sharing a lease store must agree on FailoverTime: each renewal records the holder's, and a worker that
 * lists a lease whose holder recorded another one says so (a warning, and a problem in its status while it lasts).
 * The normal moves of leases between workers with the same value (a take of a crashed worker's lease, a hand-off, a
 * plain steal) show nothing.
 */
class FailoverTimeDisagreementTest {

    private static final String NAME = "failover-times";
    private static final String PROBLEM = "FailoverTime differs";

    private final InMemoryLeaseStore store = new InMemoryLeaseStore();
    private final AtomicInteger listings = new AtomicInteger();
    private final LeaseStore counting = new ForwardingLeaseStore(store) {
        @Override
        public List<Lease> list(String mapping) throws Exception {
            List<Lease> leases = super.list(mapping);
            listings.incrementAndGet();
            return leases;
        }
    };
    private final InMemoryStream stream = InMemoryStream.create(NAME, 4);
    private final List<EventSourceMapping<byte[]>> started = new ArrayList<>();
    private final Map<EventSourceMapping<byte[]>, RetainingMeterRegistry> registries = new HashMap<>();

    @AfterEach
    void stopAll() {
        started.forEach(Streams::stopQuietly);
    }

    private EventSourceMapping<byte[]> worker(String id, StreamSettings settings) {
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder(NAME, stream, RecordingHandler.<byte[]>succeeding())
                .settings(settings).leaseStore(counting).workerId(id).meterRegistry(registry).build();
        registries.put(mapping, registry);
        mapping.start();
        started.add(mapping);
        return mapping;
    }

    private static StreamSettings.Builder failover(Duration failoverTime) {
        // Renewals every third of it, listings every half (or at once while leases move).
        return Streams.fast().failoverTime(failoverTime);
    }

    private Collection<Lease> leases() {
        return store.snapshot(NAME).values();
    }

    /** True once every lease is held and renewed since its take: it shows its holder's FailoverTime. */
    private boolean allRenewedBy(String... owners) {
        return leases().size() == 4 && leases().stream().allMatch(l -> l.ownerFailoverTime() != null)
                && List.of(owners).stream().allMatch(o -> leases().stream().anyMatch(l -> o.equals(l.owner())));
    }

    @Test
    void workersWithDifferentFailoverTimesBothReportTheOtherWorkerAndBothValues() {
        EventSourceMapping<byte[]> longer = worker("long", failover(Duration.ofSeconds(3)).build());
        await().until(() -> allRenewedBy("long"));
        EventSourceMapping<byte[]> shorter = worker("short", failover(Duration.ofMillis(900)).build());

        await().untilAsserted(() -> assertThat(shorter.stateTransitionReason())
                .contains(PROBLEM, "worker long has 3000 ms (lease of shard ", "this worker (short) has 900 ms"));
        await().untilAsserted(() -> assertThat(longer.stateTransitionReason())
                .contains(PROBLEM, "worker short has 900 ms (lease of shard ", "this worker (long) has 3000 ms"));
        // Once each: the other worker and its value do not change, however often leases move and are listed.
        assertThat(mismatches(shorter)).isOne();
        assertThat(mismatches(longer)).isOne();
    }

    @Test
    void theProblemGoesWhenNoListedLeaseShowsAnotherValue() throws Exception {
        EventSourceMapping<byte[]> first = worker("first", failover(Duration.ofSeconds(1)).build());
        await().until(() -> allRenewedBy("first"));
        EventSourceMapping<byte[]> other = worker("other", failover(Duration.ofMillis(1500)).build());
        await().untilAsserted(() -> assertThat(first.stateTransitionReason()).contains(PROBLEM, "worker other"));

        other.stop(Duration.ofSeconds(10));
        await().until(() -> allRenewedBy("first") && leases().stream().allMatch(l -> "first".equals(l.owner())));
        await().untilAsserted(() -> assertThat(first.stateTransitionReason()).doesNotContain(PROBLEM));
    }

    @Test
    void handOffsBetweenWorkersWithTheSameValueShowNothing() {
        Duration same = Duration.ofSeconds(1);
        EventSourceMapping<byte[]> first = worker("first", failover(same).build());
        await().until(() -> allRenewedBy("first"));
        EventSourceMapping<byte[]> second = worker("second", failover(same).build());
        await().until(() -> balancedAndRenewed("first", "second"));

        assertNoProblem(first, second);
    }

    @Test
    void plainStealsForBalanceBetweenWorkersWithTheSameValueShowNothing() {
        // GracefulHandoffTimeout 0: a balancing move takes the lease from its live owner at once.
        StreamSettings settings = failover(Duration.ofSeconds(1)).gracefulHandoffTimeout(Duration.ZERO)
                .maxLeasesToStealAtOneTime(1).build();
        EventSourceMapping<byte[]> first = worker("first", settings);
        await().until(() -> allRenewedBy("first"));
        EventSourceMapping<byte[]> second = worker("second", settings);
        await().until(() -> balancedAndRenewed("first", "second"));

        assertNoProblem(first, second);
    }

    @Test
    void takingTheLeasesOfACrashedWorkerWithTheSameValueShowsNothing() throws Exception {
        Duration same = Duration.ofSeconds(1);
        // A worker that renewed its leases with the same FailoverTime and then died: nobody renews them any more.
        for (String shardId : stream.openShardIds()) {
            store.create(new Lease(NAME, shardId, "crashed", 5, Checkpoint.TrimHorizon.INSTANCE, List.of(), 0, null,
                    same));
        }
        EventSourceMapping<byte[]> survivor = worker("survivor", failover(same).build());
        await().until(() -> leases().stream().allMatch(l -> "survivor".equals(l.owner())) && allRenewedBy("survivor"));

        assertNoProblem(survivor);
    }

    @Test
    void aLeaseRenewedWithoutAValueIsNotCompared() throws Exception {
        // What a worker of an older version leaves: its renewals state no FailoverTime, and the store keeps none.
        String shardId = stream.openShardIds().getFirst();
        store.create(new Lease(NAME, shardId, "old", 5, Checkpoint.TrimHorizon.INSTANCE, List.of(), 0, null,
                Duration.ofMinutes(5)));
        Lease renewedByOld = ((LeaseWrite.Written) store.renew(store.snapshot(NAME).get(shardId)
                .stating(null))).lease();
        assertThat(renewedByOld.ownerFailoverTime()).isNull();
        store.create(new Lease(NAME, stream.openShardIds().get(1), "old", 5, Checkpoint.TrimHorizon.INSTANCE,
                List.of(), 0));

        // 9 s: the old worker's leases stay its own (until they stood still that long) while the new one renews its
        // own (every 3 s) and lists them many times.
        EventSourceMapping<byte[]> current = worker("current", failover(Duration.ofSeconds(9)).build());
        await().until(() -> leases().stream().filter(l -> "current".equals(l.owner()))
                .filter(l -> l.ownerFailoverTime() != null).count() >= 2);

        assertNoProblem(current);
        assertThat(leases()).filteredOn(l -> "old".equals(l.owner())).hasSize(2);
    }

    private double mismatches(EventSourceMapping<byte[]> worker) {
        return registries.get(worker).find(MetricNames.FAILOVER_TIME_MISMATCHES).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private boolean balancedAndRenewed(String... owners) {
        // Two leases each, every one renewed by its holder since its last move.
        return allRenewedBy(owners) && List.of(owners).stream()
                .allMatch(o -> leases().stream().filter(l -> o.equals(l.owner())).count() == 2);
    }

    /** After every worker listed the leases as they are now a few more times. */
    @SafeVarargs
    private final void assertNoProblem(EventSourceMapping<byte[]>... workers) {
        int seen = listings.get();
        await().until(() -> listings.get() >= seen + 10 * workers.length);
        for (EventSourceMapping<byte[]> worker : workers) {
            assertThat(Objects.toString(worker.stateTransitionReason())).doesNotContain(PROBLEM);
            assertThat(mismatches(worker)).isZero();
        }
    }
}
