package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Handlers run on virtual threads; a handler that computes for seconds without blocking keeps its carrier thread
 * all that time. With more such handlers than carriers (a CPU-heavy consumer catching up a backlog), a virtual thread
 * that becomes runnable waits for one of them to finish a batch. The lease renewer must not be one of those: its
 * renewals would come late, the leases would be given up locally (or taken by other workers) although the worker is
 * alive, and the shards would move back and forth. Nor must the lanes, once a lease is lost, go on invoking the
 * handler until the shard's supervisor (another virtual thread) gets a carrier to close the pipeline.
 */
class BusyHandlersTest {

    private static final String NAME = "busy-handlers";

    private final InMemoryLeaseStore store = new InMemoryLeaseStore();
    private final InMemoryStream stream = InMemoryStream.create(NAME, 1);
    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();
    private final Queue<Long> invokedAt = new ConcurrentLinkedQueue<>();
    private volatile boolean computing = true;
    private EventSourceMapping<byte[]> mapping;
    private Thread intruder;

    @AfterEach
    void stop() {
        computing = false;
        if (intruder != null) {
            intruder.interrupt();
        }
        if (mapping != null) {
            Streams.stopQuietly(mapping);
        }
    }

    private long counter() {
        return store.list(NAME).stream().mapToLong(Lease::counter).sum();
    }

    /**
     * Starts w1 on a backlog with ten lanes (more than carrier threads on most machines), each batch a second of
     * computing without blocking; FailoverTime 3 s: renewals every second, a lease not renewed for 2.2 s (plus a
     * check) is given up.
     */
    private void startComputing() {
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            invokedAt.add(System.nanoTime());
            long until = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (computing && System.nanoTime() < until) {
                Thread.onSpinWait();
            }
            return BatchResult.success();
        });
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofSeconds(3)).parallelizationFactor(10)
                .batchSize(1).build();
        Streams.fill(stream, 400, 40);
        mapping = EventSourceMapping.builder(NAME, stream, handler).settings(settings).leaseStore(store)
                .workerId("w1").meterRegistry(registry).build();
        mapping.start();
        await().until(() -> !invokedAt.isEmpty());
    }

    private double leasesLost() {
        return registry.get(MetricNames.LEASES_LOST).counter().count();
    }

    @Test
    void handlersThatComputeWithoutBlockingDoNotHoldUpTheLeaseRenewals() {
        startComputing();
        long counterAtStart = counter();

        // Six renewals' worth of time while every lane computes.
        await().atMost(Duration.ofSeconds(30)).until(() -> counter() >= counterAtStart + 6);
        assertThat(leasesLost()).isZero();
        assertThat(store.list(NAME)).allSatisfy(lease -> assertThat(lease.owner()).isEqualTo("w1"));
    }

    /**
     * The coordinator takes leases, asks for them and notices shard ends and hand-off requests: a virtual coordinator
     * waited for a carrier, that is for a batch of a busy handler to end, at every round. Here handlers compute until
     * the test says stop, on every carrier, while another worker (w2, played by the test) releases its lease: w1's
     * coordinator must still see it free and take it.
     */
    @Test
    void theCoordinatorTakesAFreedLeaseWhileHandlersKeepEveryCarrierBusy() throws Exception {
        InMemoryStream twoShards = InMemoryStream.create(NAME + "-coordinator", 2);
        String busy = twoShards.openShardIds().get(0);
        String freed = twoShards.openShardIds().get(1);
        int from = 0;
        for (int i = 0; i < 40; i++) {
            String key = Streams.keyOn(twoShards, busy, from);
            from = Integer.parseInt(key.substring("key-".length())) + 1;
            for (int r = 0; r < 10; r++) {
                twoShards.put(key, "r" + r);
            }
        }
        // w2 holds the second shard's lease, renewing it on a platform thread, until the test releases it.
        store.create(Lease.unowned(NAME, freed, Checkpoint.TrimHorizon.INSTANCE, List.of()));
        AtomicReference<Lease> w2Lease = new AtomicReference<>(
                ((LeaseWrite.Written) store.take(store.list(NAME).getFirst(), "w2")).lease());
        intruder = Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    Thread.sleep(200);
                    w2Lease.updateAndGet(held -> ((LeaseWrite.Written) store.renew(held)).lease());
                }
            } catch (InterruptedException e) {
                // released
            }
        });
        int carriers = Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
                Runtime.getRuntime().availableProcessors());
        AtomicInteger computingNow = new AtomicInteger();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            computingNow.incrementAndGet();
            while (computing) {
                Thread.onSpinWait();
            }
            return BatchResult.success();
        });
        StreamSettings settings = Streams.fast().parallelizationFactor(10).batchSize(1).build();
        mapping = EventSourceMapping.builder(NAME, twoShards, handler).settings(settings).leaseStore(store)
                .workerId("w1").meterRegistry(registry).build();
        mapping.start();
        // Each handler that started computing keeps its carrier: from here on no virtual thread gets one.
        await().atMost(Duration.ofSeconds(30)).until(() -> computingNow.get() >= carriers);

        intruder.interrupt();
        intruder.join();
        assertThat(store.release(w2Lease.get())).isInstanceOf(LeaseWrite.Written.class);

        // The handlers never return while computing: every carrier stays taken until the lease is.
        await().atMost(Duration.ofSeconds(30)).until(() -> store.list(NAME).stream()
                .anyMatch(lease -> lease.shardId().equals(freed) && "w1".equals(lease.owner())));
    }

    @Test
    void noBatchIsInvokedOnceTheLeaseIsLostWhileHandlersKeepEveryCarrierBusy() throws Exception {
        startComputing();
        // Another worker takes the lease and keeps it; w1's next renewal is refused.
        Lease taken = ((LeaseWrite.Written) store.take(store.list(NAME).getFirst(), "w2")).lease();
        intruder = Thread.ofPlatform().daemon().start(() -> {
            try {
                Lease held = taken;
                while (true) {
                    Thread.sleep(200);
                    held = ((LeaseWrite.Written) store.renew(held)).lease();
                }
            } catch (InterruptedException e) {
                // done
            }
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> leasesLost() >= 1);
        long lostBy = System.nanoTime();

        // Two batches' worth of time for the lanes, had they gone on.
        Thread.sleep(2_000);
        assertThat(invokedAt).as("batches w1 invoked after it knew the lease was lost")
                .allSatisfy(at -> assertThat(at).isLessThan(lostBy));
    }
}
