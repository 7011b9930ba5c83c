package io.esm4j.internal.handler;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.Claim;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.internal.MappingStatus;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.esm4j.testing.MutableClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * ClaimRenewal's schedule, on a scripted time source: no timed assertion. Each wait the renewal asks for is handed to
 * the test, which lets it end (the time then moves by what was asked), and each pass's store call moves the time by
 * as long as the test says that pass takes.
 */
class ClaimRenewalScheduleTest {

    private static final long MS = 1_000_000L;
    private static final Duration WAIT = Duration.ofSeconds(60);

    /** Time that moves only when a wait ends or a pass's store call says so. */
    private static final class ScriptedTicker implements ClaimRenewal.Ticker {
        final AtomicLong now = new AtomicLong();
        /** The waits asked for, in nanoseconds, in order. */
        final BlockingQueue<Long> waits = new LinkedBlockingQueue<>();
        /** One permit ends one wait. */
        final Semaphore endWait = new Semaphore(0);

        @Override
        public long nanoTime() {
            return now.get();
        }

        @Override
        public boolean closedWithin(CountDownLatch closed, long nanos) throws InterruptedException {
            waits.add(nanos);
            endWait.acquire();
            if (closed.getCount() == 0) {
                return true;
            }
            now.addAndGet(Math.max(0, nanos));
            return false;
        }

        long nextWait() throws InterruptedException {
            Long wait = waits.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(wait).as("a wait the renewal asked for").isNotNull();
            return wait;
        }
    }

    /**
     * Lifetime 3 s, so a pass is due every second. The claim took 400 ms, the first pass 700 ms, the second 1.5 s (a
     * throttled store): each pass is due a second after the previous one BEGAN, so the second waits 300 ms, not a
     * second, and the third starts at once after the second overran. Counting from a pass's end would start them at
     * 2.7 s and 5.2 s, and the claims written at 1 s would have 0.3 s of their lifetime left.
     */
    @Test
    void eachPassIsDueAThirdOfTheLifetimeAfterThePreviousOneBegan() throws Exception {
        ScriptedTicker ticker = new ScriptedTicker();
        Queue<Long> passDurations = new ArrayDeque<>(List.of(700 * MS, 1_500 * MS, 0L));
        List<Long> passStarts = new CopyOnWriteArrayList<>();
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        ForwardingIdempotencyStore store = new ForwardingIdempotencyStore(new InMemoryIdempotencyStore(100, clock)) {
            @Override
            public boolean extend(String key, @Nullable String payloadHash, String owner, Instant expiry) {
                passStarts.add(ticker.now.get());
                Long took = passDurations.poll();
                ticker.now.addAndGet(took == null ? 0 : took);
                return super.extend(key, payloadHash, owner, expiry);
            }
        };
        BatchDeduplicator<String> dedup = BatchDeduplicator.<String>builder(store, "orders", new SimpleMeterRegistry(),
                Tags.empty()).clock(clock).build();
        Claim<String> claim = dedup.claimLasting(List.of("a"), id -> id, Duration.ofSeconds(3), false);
        long claimedAt = ticker.now.get();
        ticker.now.addAndGet(400 * MS);

        ClaimRenewal renewal = ClaimRenewal.start("schedule", claim, claimedAt, new MappingStatus(), ticker);
        try {
            // The first pass is due a third of the lifetime after the claim began, not after the renewal started.
            assertThat(ticker.nextWait()).isEqualTo(600 * MS);
            ticker.endWait.release();
            assertThat(ticker.nextWait()).isEqualTo(300 * MS);
            ticker.endWait.release();
            // The second pass overran its period: the third is already due.
            assertThat(ticker.nextWait()).isEqualTo(-500 * MS);
            ticker.endWait.release();
            assertThat(ticker.nextWait()).isEqualTo(1_000 * MS);
            assertThat(passStarts).containsExactly(1_000 * MS, 2_000 * MS, 3_500 * MS);
        } finally {
            renewal.close();
            ticker.endWait.release();
        }
        assertThat(ticker.waits).isEmpty();
        assertThat(passStarts).hasSize(3);
    }
}
