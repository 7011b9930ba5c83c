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
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A batch still in the handler when its shard's lease is taken away fails and runs out of retries: its records are
 * left to the lease's next owner, which reads them again, instead of going to the on-failure destination, where they
 * would sit although the next owner processed them.
 */
class LostLeaseGiveUpTest {

    private static final String NAME = "lost";

    private final InMemoryLeaseStore leases = new InMemoryLeaseStore();
    private final InMemoryStream stream = InMemoryStream.create(NAME, 1);
    private final CollectingDestination destination = new CollectingDestination();
    private final RetainingMeterRegistry registry = new RetainingMeterRegistry();
    private final CountDownLatch inHandler = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private EventSourceMapping<byte[]> mapping;

    @AfterEach
    void stop() {
        release.countDown();
        if (mapping != null) {
            Streams.stopQuietly(mapping);
        }
    }

    private double counter(String name) {
        return registry.get(name).counter().count();
    }

    @Test
    void aBatchThatFailsAfterItsLeaseWasTakenSendsNothingToTheDestination() throws Exception {
        StreamRecord<byte[]> record = stream.put("k", "r0");
        AtomicBoolean first = new AtomicBoolean(true);
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding().behave(batch -> {
            if (first.getAndSet(false)) {
                inHandler.countDown();
                release.await();
                throw new IllegalStateException("function error");
            }
            return BatchResult.success();
        });
        mapping = EventSourceMapping.builder(NAME, stream, handler)
                .settings(Streams.fast().maximumRetryAttempts(0).failoverTime(Duration.ofSeconds(1)).build())
                .leaseStore(leases).onFailure(destination).workerId("owner").meterRegistry(registry).build();
        mapping.start();
        inHandler.await();

        Lease held = leases.list(NAME).getFirst();
        assertThat(leases.take(held, "other")).isInstanceOf(LeaseWrite.Written.class);
        await().until(() -> counter(MetricNames.LEASES_LOST) == 1);
        release.countDown();

        // "other" never renews, so after FailoverTime the worker takes the shard again and reads r0 once more.
        await().until(() -> !destination.received().isEmpty()
                || counter(MetricNames.LEFT_TO_NEW_OWNER_EVENT_COUNT) == 1 && handler.succeeded().stream()
                        .anyMatch(r -> r.sequenceNumber().equals(record.sequenceNumber())));
        assertThat(destination.received()).isEmpty();
        assertThat(counter(MetricNames.DROPPED_EVENT_COUNT)).isZero();
    }
}
