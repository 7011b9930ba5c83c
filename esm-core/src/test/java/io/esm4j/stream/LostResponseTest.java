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
import io.esm4j.testing.ForwardingLeaseStore;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A write the store made but whose response was lost (a timeout, a 5xx after the write) is retried by the engine
 * and then refused, since the first attempt moved the lease on. The engine recognises its own write in the lease
 * read back and carries on: no lease is given up, no shard changes hands.
 */
class LostResponseTest {

    /**
     * Makes every write, but answers every third write of each kind on each shard with an error (so that the retry
     * right after one is answered, as a client's retry would be).
     */
    private static final class LosingResponses extends ForwardingLeaseStore {
        private final InMemoryLeaseStore store;
        private final Map<String, AtomicInteger> writes = new ConcurrentHashMap<>();
        private final AtomicInteger lost = new AtomicInteger();

        LosingResponses() {
            this(new InMemoryLeaseStore());
        }

        private LosingResponses(InMemoryLeaseStore store) {
            super(store);
            this.store = store;
        }

        private <W> W answer(String kind, Lease lease, W result) {
            if (writes.computeIfAbsent(kind + lease.shardId(), k -> new AtomicInteger()).incrementAndGet() % 3 == 0) {
                lost.incrementAndGet();
                throw new IllegalStateException("the response was lost after the write was made");
            }
            return result;
        }

        @Override
        public LeaseWrite take(Lease seen, String worker) throws Exception {
            return answer("take", seen, super.take(seen, worker));
        }

        @Override
        public LeaseWrite renew(Lease held) throws Exception {
            return answer("renew", held, super.renew(held));
        }

        @Override
        public LeaseWrite checkpoint(Lease held, Checkpoint checkpoint) throws Exception {
            return answer("checkpoint", held, super.checkpoint(held, checkpoint));
        }
    }

    @Test
    void aWriteWhoseResponseWasLostIsRecognisedAndNoLeaseIsGivenUp() throws Exception {
        InMemoryStream stream = InMemoryStream.create("lost-responses", 4);
        LosingResponses store = new LosingResponses();
        RetainingMeterRegistry registry = new RetainingMeterRegistry();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("lost-responses", stream, handler)
                .settings(Streams.fast().batchSize(5).failoverTime(Duration.ofSeconds(3)).build())
                .leaseStore(store).workerId("only").meterRegistry(registry).build();
        mapping.start();
        try {
            for (int round = 0; round < 10; round++) {
                Streams.fill(stream, 20, 8);
                int expected = (round + 1) * 20;
                await().until(() -> handler.succeeded().size() >= expected);
            }
            // Renewals go on (every second) through lost responses for a while.
            int lostSoFar = store.lost.get();
            await().until(() -> store.lost.get() >= lostSoFar + 6);
            for (String shardId : stream.openShardIds()) {
                String last = stream.records(shardId).getLast().sequenceNumber();
                await().until(() -> store.store.checkpoint("lost-responses", shardId)
                        .equals(java.util.Optional.of(new Checkpoint.AtSequenceNumber(last))));
            }
            assertThat(registry.get(MetricNames.LEASES_LOST).counter().count()).isZero();
            assertThat(store.store.list("lost-responses")).allSatisfy(l -> assertThat(l.owner()).isEqualTo("only"));
        } finally {
            Streams.stopQuietly(mapping);
        }
        assertThat(handler.succeeded().stream().map(r -> r.shardId() + r.sequenceNumber()).distinct().count())
                .isEqualTo(200);
    }
}
