package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchResult;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A worker that gives a lease up because it could not renew it stops reading the shard at once, but an invocation it
 * had started runs on. It does not take the shard back while that invocation runs: within one process, a shard's
 * records are never in two invocations at once.
 */
class LostLeaseTest {

    private static final String NAME = "lost-lease";

    private final InMemoryStream stream = InMemoryStream.create(NAME, 1);
    private final FailingRenewals store = new FailingRenewals(new InMemoryLeaseStore());
    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();
    private final RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
    private final CountDownLatch released = new CountDownLatch(1);
    private EventSourceMapping<byte[]> mapping;

    @AfterEach
    void stop() {
        released.countDown();
        if (mapping != null) {
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void aShardGivenUpLocallyIsNotTakenBackWhileItsInvocationStillRuns() throws Exception {
        AtomicBoolean first = new AtomicBoolean(true);
        CountDownLatch invoked = new CountDownLatch(1);
        handler.behave(batch -> {
            if (first.getAndSet(false)) {
                invoked.countDown();
                released.await();
            }
            return BatchResult.success();
        });
        Streams.fill(stream, 10, 4);
        // FailoverTime 3 s: renewals every second; a lease not renewed for about 2.2 s is given up locally.
        mapping = EventSourceMapping.builder(NAME, stream, handler)
                .settings(Streams.fast().failoverTime(Duration.ofSeconds(3)).build())
                .leaseStore(store).workerId("w1").meterRegistry(registry).build();
        mapping.start();
        invoked.await();

        // The store fails every renewal until the worker gives the lease up, then answers again: the lease, still
        // in this worker's name, stands still and may be taken once its invocations are over.
        store.failing = true;
        await().until(() -> registry.get(MetricNames.LEASES_LOST).counter().count() >= 1);
        store.failing = false;

        // The first invocation is cut short (interrupted) once the failover time has passed since the lease was
        // given up; only then is the shard taken again and its records handed out anew.
        await().atMost(Duration.ofSeconds(60)).until(() -> handler.succeededCount() >= 10);
        assertThat(handler.invocationCount()).isGreaterThanOrEqualTo(2);
        assertThat(handler.maxConcurrent()).as("invocations of the shard at once").isEqualTo(1);
    }

    /** The in-memory store, whose renewals can be made to fail (as a store that cannot be reached). */
    private static final class FailingRenewals extends ForwardingLeaseStore {
        volatile boolean failing;

        FailingRenewals(InMemoryLeaseStore inner) {
            super(inner);
        }

        @Override
        public LeaseWrite renew(Lease held) throws Exception {
            if (failing) {
                throw new IllegalStateException("the lease store cannot be reached");
            }
            return super.renew(held);
        }
    }
}
