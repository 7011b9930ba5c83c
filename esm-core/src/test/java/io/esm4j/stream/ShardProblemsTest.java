package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.MappingState;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.LeaseStore;
import io.esm4j.metrics.MetricNames;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A problem of a shard (a failed renewal, checkpoint write, read or restart) shows in the state transition reason
 * while this worker runs the shard; once another worker has the shard, it is not this worker's problem any more and
 * must not keep the reason (and a worker's readiness, which reads it) at PROBLEM for good.
 */
class ShardProblemsTest {

    private static final String NAME = "shard-problems";

    private final InMemoryStream stream = InMemoryStream.create(NAME, 1);
    private final InMemoryLeaseStore shared = new InMemoryLeaseStore();
    private final WorkerLeaseStore unreachable = new WorkerLeaseStore(shared);
    private EventSourceMapping<byte[]> w1;
    private EventSourceMapping<byte[]> w2;

    @AfterEach
    void stop() {
        for (EventSourceMapping<byte[]> mapping : new EventSourceMapping[] {w1, w2}) {
            if (mapping != null) {
                Streams.stopQuietly(mapping);
            }
        }
    }

    @Test
    void aRenewalProblemOfAShardAnotherWorkerTookDoesNotStay() throws Exception {
        RetainingMeterRegistry w1Meters = new RetainingMeterRegistry();
        w1 = mapping("w1", unreachable, w1Meters);
        w1.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> w1.shards().stream().anyMatch(s -> "w1".equals(s.owner())));
        w2 = mapping("w2", shared, new RetainingMeterRegistry());
        w2.start();

        // w1 cannot reach the store: it gives the lease up, and w2 takes it once it expired.
        unreachable.partition();
        await().atMost(Duration.ofSeconds(30)).until(() -> w1.stateTransitionReason().startsWith("PROBLEM"));
        await().atMost(Duration.ofSeconds(60)).until(() -> w1Meters.get(MetricNames.LEASES_LOST).counter().count() >= 1
                && shared.list(NAME).stream().allMatch(lease -> "w2".equals(lease.owner())));
        unreachable.heal();

        await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(w1.stateTransitionReason()).as("w1, which no longer has the shard").doesNotStartWith(
                        "PROBLEM"));
        assertThat(w1.state()).isEqualTo(MappingState.ENABLED);
        assertThat(w2.stateTransitionReason()).doesNotStartWith("PROBLEM");
    }

    /** FailoverTime 3 s: renewals every second; a lease not renewed for about 2.2 s is given up locally. */
    private EventSourceMapping<byte[]> mapping(String workerId, LeaseStore store, RetainingMeterRegistry meters) {
        return EventSourceMapping.builder(NAME, stream, RecordingHandler.<byte[]>succeeding())
                .settings(Streams.fast().failoverTime(Duration.ofSeconds(3)).build())
                .leaseStore(store).workerId(workerId).meterRegistry(meters).build();
    }
}
