package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The renewals due at one check run in turn on one thread; those it has not started within the patience get a
 * thread each, so a renewal call that hangs holds up no other lease.
 */
class RenewalsTest {

    private static final String NAME = "renewals";
    private static final int SHARDS = 4;

    private final InMemoryStream stream = InMemoryStream.create(NAME, SHARDS);
    private final HangingStore store = new HangingStore(new InMemoryLeaseStore());
    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();
    private final RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
    private EventSourceMapping<byte[]> mapping;

    @AfterEach
    void stop() {
        store.hung.countDown();
        if (mapping != null) {
            Streams.stopQuietly(mapping);
        }
    }

    private void start() {
        // FailoverTime 3 s: renewals every second, checked every 500 ms, patience 60 ms.
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofSeconds(3)).build();
        mapping = EventSourceMapping.builder(NAME, stream, handler).settings(settings).leaseStore(store)
                .workerId("w1").meterRegistry(registry).build();
        mapping.start();
        await().until(() -> mapping.shards().stream().filter(s -> "w1".equals(s.owner())).count() == SHARDS);
    }

    private double leasesLost() {
        return registry.get(MetricNames.LEASES_LOST).counter().count();
    }

    @Test
    void aHungRenewalCallHoldsUpNoOtherLease() {
        store.hangFirstRenewal();
        start();
        await().until(() -> store.hungShard.get() != null);
        String hung = store.hungShard.get();
        Map<String, Long> countersAtHang = store.counters();

        // The hung shard is given up locally; every other lease goes on being renewed meanwhile.
        await().until(() -> leasesLost() >= 1);
        await().until(() -> {
            Map<String, Long> now = store.counters();
            return countersAtHang.keySet().stream().filter(id -> !id.equals(hung))
                    .allMatch(id -> now.get(id) >= countersAtHang.get(id) + 3);
        });
        assertThat(leasesLost()).isEqualTo(1);
        assertThat(store.inner.list(NAME)).filteredOn(l -> !l.shardId().equals(hung))
                .allSatisfy(l -> assertThat(l.owner()).isEqualTo("w1"));

        // Those shards still process records.
        for (String shardId : stream.openShardIds()) {
            if (!shardId.equals(hung)) {
                stream.put(Streams.keyOn(stream, shardId, 0), "after the hang on " + shardId);
            }
        }
        await().until(() -> handler.succeeded().size() >= SHARDS - 1);
    }

    @Test
    void aShardTakenBackWhileItsOldRenewalStillHangsIsRenewed() {
        store.hangFirstRenewal();
        start();
        await().until(() -> store.hungShard.get() != null);
        String hung = store.hungShard.get();
        await().until(() -> leasesLost() >= 1);

        // The shard is taken again (by this worker: nobody else is there) while the old renewal call still hangs;
        // the new lease is renewed on its own schedule, not held up by that call, and so is not lost again.
        long retakenAt = store.counters().get(hung);
        await().until(() -> "w1".equals(store.inner.snapshot(NAME).get(hung).owner())
                && mapping.shards().stream().anyMatch(s -> s.shardId().equals(hung) && "w1".equals(s.owner())));
        await().until(() -> store.counters().get(hung) >= retakenAt + 4);
        assertThat(leasesLost()).isEqualTo(1);
    }

    @Test
    void theRenewalsOfAFastStoreRunInTurnOnOneThread() {
        start();
        await().until(() -> store.renewalThreads.size() >= 1 && store.renewals.get() >= 2 * SHARDS);
        assertThat(store.renewalThreads).anyMatch(name -> name.endsWith("-renewals"));
        assertThat(leasesLost()).isZero();
    }

    /** The in-memory store, whose first renewal can be made to hang until the test ends. */
    private static final class HangingStore extends ForwardingLeaseStore {
        final InMemoryLeaseStore inner;
        final CountDownLatch hung = new CountDownLatch(1);
        final AtomicReference<String> hungShard = new AtomicReference<>();
        final Set<String> renewalThreads = ConcurrentHashMap.newKeySet();
        final AtomicInteger renewals = new AtomicInteger();
        private volatile boolean hangFirst;

        HangingStore(InMemoryLeaseStore inner) {
            super(inner);
            this.inner = inner;
        }

        void hangFirstRenewal() {
            hangFirst = true;
        }

        Map<String, Long> counters() {
            Map<String, Long> counters = new ConcurrentHashMap<>();
            inner.list(NAME).forEach(l -> counters.put(l.shardId(), l.counter()));
            return counters;
        }

        @Override
        public LeaseWrite renew(Lease held) throws Exception {
            if (hangFirst && hungShard.compareAndSet(null, held.shardId())) {
                hung.await();
            }
            renewalThreads.add(Thread.currentThread().getName());
            renewals.incrementAndGet();
            return super.renew(held);
        }
    }
}
