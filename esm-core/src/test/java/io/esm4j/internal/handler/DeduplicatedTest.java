package io.esm4j.internal.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.testing.MutableClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a handler's verdict is recorded in the idempotency store. */
class DeduplicatedTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryIdempotencyStore memory = new InMemoryIdempotencyStore(100, clock);

    /** A store whose releases fail (a conditional delete refused by a throttled table, say). */
    private final IdempotencyStore cannotRelease = new IdempotencyStore() {
        @Override
        public AcquireResult acquire(String key, String payloadHash, String owner, Instant inProgressExpiry) {
            return memory.acquire(key, payloadHash, owner, inProgressExpiry);
        }

        @Override
        public void complete(String key, String payloadHash, Instant ttlExpiry) {
            memory.complete(key, payloadHash, ttlExpiry);
        }

        @Override
        public boolean release(String key, String owner) {
            throw new IllegalStateException("idempotency store unavailable");
        }
    };

    @Test
    void theRecordsThatSucceededAreCompletedEvenWhenReleasingTheFailedOnesFails() throws Exception {
        BatchDeduplicator<String> dedup = BatchDeduplicator.<String>builder(cannotRelease, new SimpleMeterRegistry(),
                Tags.empty()).clock(clock).build();
        BitSet failed = new BitSet();
        failed.set(1);

        Verdict verdict = Deduplicated.invoke(dedup, List.of("a", "b", "c"), id -> id, clock.instant().plusSeconds(30),
                new RetryScope.FailedOnly<>(), records -> new Verdict.PartiallyFailed(failed));

        assertThat(verdict).isInstanceOf(Verdict.PartiallyFailed.class);
        for (String succeeded : List.of("a", "c")) {
            assertThat(memory.acquire(succeeded, null, "another consumer", clock.instant().plusSeconds(30)))
                    .as(succeeded).isInstanceOf(AcquireResult.AlreadyCompleted.class);
        }
    }
}
