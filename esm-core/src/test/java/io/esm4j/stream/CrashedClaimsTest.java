package io.esm4j.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.esm4j.EventSourceMapping;
import io.esm4j.handler.BatchHandler;
import io.esm4j.handler.BatchResult;
import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Idempotency;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.lease.InMemoryLeaseStore;
import io.esm4j.metrics.RetainingMeterRegistry;
import io.esm4j.settings.StreamSettings;
import io.esm4j.testing.InMemoryStream;
import io.esm4j.testing.MutableClock;
import io.esm4j.testing.RecordingHandler;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A worker that crashes while its handler holds idempotency claims: the shard's next owner takes the lease after
 * FailoverTime and finds the records claimed by the dead worker. It waits for the claims to lapse, which by default
 * is a minute (3 × FailoverTime when that is longer) after the dead worker's last renewal, not the 15 minutes (Lambda's
 * longest function timeout) it waited before.
 */
class CrashedClaimsTest {

    /** One process's way to a shared store: once it has died, nothing it does reaches the store. */
    private static final class DyingStore implements IdempotencyStore {
        private final IdempotencyStore store;
        private volatile boolean dead;

        DyingStore(IdempotencyStore store) {
            this.store = store;
        }

        void die() {
            dead = true;
        }

        private void check() {
            if (dead) {
                throw new IllegalStateException("this process is dead");
            }
        }

        @Override
        public AcquireResult acquire(String key, @Nullable String payloadHash, String owner, Instant expiry) {
            check();
            return store.acquire(key, payloadHash, owner, expiry);
        }

        @Override
        public boolean extend(String key, @Nullable String payloadHash, String owner, Instant expiry) {
            check();
            return store.extend(key, payloadHash, owner, expiry);
        }

        @Override
        public void complete(String key, @Nullable String payloadHash, Instant ttlExpiry) {
            check();
            store.complete(key, payloadHash, ttlExpiry);
        }

        @Override
        public boolean release(String key, String owner) {
            check();
            return store.release(key, owner);
        }
    }

    @Test
    void theNextOwnerOfACrashedWorkersShardProcessesItsClaimedRecordsAMinuteLaterNotFifteen() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        InMemoryStream stream = InMemoryStream.create("crash", 1, clock);
        Streams.fill(stream, 20, 4);
        InMemoryLeaseStore leases = new InMemoryLeaseStore();
        InMemoryIdempotencyStore claims = new InMemoryIdempotencyStore(10_000, clock);
        StreamSettings settings = Streams.fast().failoverTime(Duration.ofSeconds(1)).batchSize(20).build();

        WorkerLeaseStore firstLeases = new WorkerLeaseStore(leases);
        DyingStore firstClaims = new DyingStore(claims);
        CountDownLatch handed = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        BatchHandler<StreamRecord<byte[]>> hanging = batch -> {
            handed.countDown();
            never.await();
            return BatchResult.success();
        };
        EventSourceMapping<byte[]> first = EventSourceMapping.builder("crash", stream, hanging).settings(settings)
                .leaseStore(firstLeases).workerId("w1").idempotency(Idempotency.of(firstClaims)).clock(clock)
                .build();
        RetainingMeterRegistry secondMetrics = new RetainingMeterRegistry();
        RecordingHandler<byte[]> handler = RecordingHandler.<byte[]>succeeding();
        EventSourceMapping<byte[]> second = EventSourceMapping.builder("crash", stream, handler).settings(settings)
                .leaseStore(new WorkerLeaseStore(leases)).workerId("w2").idempotency(Idempotency.of(claims))
                .clock(clock).meterRegistry(secondMetrics).build();
        first.start();
        try {
            await().until(() -> handed.getCount() == 0);
            // The process dies with its handler mid-batch: no lease renewal, no claim renewal, nothing released.
            firstLeases.partition();
            firstClaims.die();
            second.start();

            // w2 takes the lease after FailoverTime (real time) and finds every record claimed by w1.
            await().until(() -> secondMetrics.get(BatchDeduplicator.IN_PROGRESS_ELSEWHERE_EVENT_COUNT).counter()
                    .count() >= 20);
            assertThat(handler.invocationCount()).isZero();

            // w1 claimed them at the clock's start and will never renew them: a minute later they have lapsed.
            clock.advance(Duration.ofMinutes(1));
            await().until(() -> handler.succeeded().size() == 20);
        } finally {
            never.countDown();
            Streams.stopQuietly(second);
            Streams.stopQuietly(first);
        }
        assertThat(handler.succeeded()).extracting(Streams::text)
                .containsExactlyElementsOf(stream.records(stream.openShardIds().getFirst()).stream()
                        .map(Streams::text).toList());
    }

    /** A longer FailoverTime (to ride out long pauses) makes the claims last three times as long, as pauses go. */
    @Test
    void claimsLastThreeTimesFailoverTimeWhenThatIsLongerThanAMinute() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        InMemoryStream stream = InMemoryStream.create("long-failover", 1, clock);
        StreamRecord<byte[]> record = stream.put("k", "r0");
        InMemoryIdempotencyStore claims = new InMemoryIdempotencyStore(10_000, clock);
        CountDownLatch handed = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        BatchHandler<StreamRecord<byte[]>> waiting = batch -> {
            handed.countDown();
            finish.await();
            return BatchResult.success();
        };
        EventSourceMapping<byte[]> mapping = EventSourceMapping.builder("long-failover", stream, waiting)
                .settings(Streams.fast().failoverTime(Duration.ofSeconds(90)).build())
                .idempotency(Idempotency.of(claims)).clock(clock).build();
        mapping.start();
        try {
            await().until(() -> handed.getCount() == 0);
            String key = "long-failover:" + stream.naturalId(record); // the mapping's namespace

            clock.advance(Duration.ofSeconds(269));
            assertThat(claims.acquire(key, null, "next owner", clock.instant().plusSeconds(60)))
                    .isInstanceOf(AcquireResult.InProgressElsewhere.class);
            clock.advance(Duration.ofSeconds(1));
            assertThat(claims.acquire(key, null, "next owner", clock.instant().plusSeconds(60)))
                    .isInstanceOf(AcquireResult.Acquired.class);
        } finally {
            finish.countDown();
            Streams.stopQuietly(mapping);
        }
    }
}
