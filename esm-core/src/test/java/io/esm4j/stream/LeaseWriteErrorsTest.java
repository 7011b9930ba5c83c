package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A lease store that lists fine but fails the coordinator's writes (a throttled or failing conditional write): the
 * round is retried, and the status names the write that failed, not the listing.
 */
class LeaseWriteErrorsTest {

    private static final String NAME = "lease-write-errors";

    private final InMemoryStream stream = InMemoryStream.create(NAME, 2);
    private final FailingTakes store = new FailingTakes(new InMemoryLeaseStore());
    private EventSourceMapping<byte[]> mapping;

    @AfterEach
    void stop() {
        if (mapping != null) {
            Streams.stopQuietly(mapping);
        }
    }

    @Test
    void aFailingTakeIsShownAsSuchAndRetried() {
        mapping = EventSourceMapping.builder(NAME, stream, RecordingHandler.<byte[]>succeeding())
                .settings(Streams.fast().failoverTime(Duration.ofSeconds(3)).build()).leaseStore(store)
                .workerId("w1").build();
        mapping.start();

        await().until(() -> mapping.stateTransitionReason().startsWith("PROBLEM: "));
        assertThat(mapping.stateTransitionReason()).startsWith("PROBLEM: taking the lease of shard shardId-")
                .contains("throttled").doesNotContain("listing");

        store.failing = false;
        await().until(() -> store.snapshot().stream().allMatch(l -> "w1".equals(l.owner())));
        await().until(() -> !mapping.stateTransitionReason().startsWith("PROBLEM: "));
    }

    private static final class FailingTakes extends ForwardingLeaseStore {
        private final InMemoryLeaseStore inner;
        private volatile boolean failing = true;

        FailingTakes(InMemoryLeaseStore inner) {
            super(inner);
            this.inner = inner;
        }

        java.util.Collection<Lease> snapshot() {
            return inner.snapshot(NAME).values();
        }

        @Override
        public LeaseWrite take(Lease seen, String worker) throws Exception {
            if (failing) {
                throw new IllegalStateException("throttled");
            }
            return super.take(seen, worker);
        }
    }
}
