package io.esm4j.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.internal.ThreadStarts;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * A renewal pass writes once per claim, as many as the batch has records: the writes go out several at a time, so
 * that a big batch's pass fits in the third of a short lifetime it has.
 */
class ClaimExtendTest extends DeduplicatorFixture {

    /**
     * Each extension but the first waits (up to a second) until as many as the claim makes at a time are in flight
     * together.
     */
    private final class GatheringStore extends ForwardingIdempotencyStore {
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger mostInFlight = new AtomicInteger();
        final CountDownLatch gathered = new CountDownLatch(Claim.EXTEND_CONCURRENCY);
        final Set<String> extended = ConcurrentHashMap.newKeySet();
        final AtomicBoolean firstCall = new AtomicBoolean(true);
        volatile String firstKey;
        /** Runs in the first call of a pass, while the pass is under way. */
        volatile Runnable onFirstCall = () -> { };
        final AtomicInteger calls = new AtomicInteger();
        volatile boolean failing;
        volatile boolean down;

        GatheringStore() {
            super(store);
        }

        @Override
        public boolean extend(String key, @Nullable String payloadHash, String owner, Instant expiry) {
            mostInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                // The claim makes its first call alone, to learn whether the store extends at all.
                if (firstCall.compareAndSet(true, false)) {
                    firstKey = key;
                    onFirstCall.run();
                } else {
                    gathered.countDown();
                    gathered.await(1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                inFlight.decrementAndGet();
            }
            calls.incrementAndGet();
            if (down || failing && key.equals("orders:m7")) {
                throw new IllegalStateException("throttled");
            }
            extended.add(key);
            return super.extend(key, payloadHash, owner, expiry);
        }
    }

    private final GatheringStore gathering = new GatheringStore();
    private final BatchDeduplicator<Msg> concurrent = BatchDeduplicator.<Msg>builder(gathering, "orders", registry,
            Tags.of("mapping", "orders")).clock(clock).build();
    private final List<Msg> batch = IntStream.range(0, 100).mapToObj(i -> Msg.of("m" + i)).toList();

    @Test
    void aPassExtendsEveryClaimSeveralAtATime() {
        Claim<Msg> claim = claim(concurrent, batch);

        assertThat(claim.extend()).isZero();

        assertThat(gathering.mostInFlight.get()).isEqualTo(Claim.EXTEND_CONCURRENCY);
        assertThat(gathering.extended).hasSize(100);
        // Every claim now lasts a lifetime from the pass: none has lapsed when the first expiry passes.
        clock.advance(VISIBILITY.minusSeconds(1));
        assertThat(claim.extend()).isZero();
    }

    @Test
    void aFailedWriteStopsNoOtherAndIsThrownAtTheEnd() {
        Claim<Msg> claim = claim(concurrent, batch);
        gathering.failing = true;

        assertThatThrownBy(claim::extend).isInstanceOf(IllegalStateException.class).hasMessage("throttled");
        assertThat(gathering.extended).hasSize(99).doesNotContain("orders:m7");
    }

    /** A store whose every claim takes a second of the test clock, as 100 writes of a big batch take a while. */
    private final class SlowClaims extends ForwardingIdempotencyStore {
        final List<Instant> expiries = new CopyOnWriteArrayList<>();

        SlowClaims() {
            super(store);
        }

        @Override
        public AcquireResult acquire(String key, @Nullable String payloadHash, String owner, Instant expiry) {
            expiries.add(expiry);
            AcquireResult result = super.acquire(key, payloadHash, owner, expiry);
            clock.advance(Duration.ofSeconds(1));
            return result;
        }
    }

    @Test
    void aClaimLastingALifetimeCountsItFromEachWriteSoTheLastClaimsOfABigBatchAreNotShorter() {
        SlowClaims slow = new SlowClaims();
        BatchDeduplicator<Msg> deduplicator = BatchDeduplicator.<Msg>builder(slow, "orders", registry,
                Tags.of("mapping", "orders")).clock(clock).build();
        Instant start = clock.instant();

        Claim<Msg> claim = deduplicator.claimLasting(batch, Msg::id, Duration.ofMinutes(1), false);

        assertThat(claim.lifetime()).isEqualTo(Duration.ofMinutes(1));
        assertThat(slow.expiries.getFirst()).isEqualTo(start.plusSeconds(60));
        assertThat(slow.expiries.getLast()).isEqualTo(start.plusSeconds(99 + 60));
    }

    @Test
    void inProgressExpiryOverridesTheLifetimeTheEngineGives() {
        SlowClaims slow = new SlowClaims();
        BatchDeduplicator<Msg> deduplicator = BatchDeduplicator.<Msg>builder(slow, "orders", registry,
                Tags.of("mapping", "orders")).clock(clock)
                .settings(IdempotencySettings.builder().inProgressExpiry(Duration.ofMinutes(5)).build()).build();
        Instant start = clock.instant();

        Claim<Msg> claim = deduplicator.claimLasting(batch.subList(0, 1), Msg::id, Duration.ofMinutes(1), false);

        assertThat(claim.lifetime()).isEqualTo(Duration.ofMinutes(5));
        assertThat(slow.expiries).containsExactly(start.plus(Duration.ofMinutes(5)));
    }

    @Test
    void anUnreachableStoreIsNotCalledForEveryClaim() {
        Claim<Msg> claim = claim(concurrent, batch);
        gathering.down = true;

        // Every error is kept: the first thrown, the others suppressed in it.
        assertThatThrownBy(claim::extend).isInstanceOf(IllegalStateException.class)
                .satisfies(e -> assertThat(e.getSuppressed()).hasSize(2 * Claim.EXTEND_CONCURRENCY));
        // The first call alone, then two in a row per run of calls: an unreachable store answers at its timeout.
        assertThat(gathering.calls.get()).isEqualTo(1 + 2 * Claim.EXTEND_CONCURRENCY);
    }

    /**
     * A pass that gets no thread for its lanes (a process at its thread limit) extends every claim all the same, on
     * its own thread, one after the other: neither an error that would stop the mapping nor claims left to lapse
     * under a running handler.
     */
    @Test
    void lanesWithoutAThreadRunOnThePassesOwnThread() {
        Set<Thread> callers = ConcurrentHashMap.newKeySet();
        Set<String> extended = ConcurrentHashMap.newKeySet();
        ForwardingIdempotencyStore recording = new ForwardingIdempotencyStore(store) {
            @Override
            public boolean extend(String key, @Nullable String payloadHash, String owner, Instant expiry) {
                callers.add(Thread.currentThread());
                extended.add(key);
                return super.extend(key, payloadHash, owner, expiry);
            }
        };
        BatchDeduplicator<Msg> deduplicator = BatchDeduplicator.<Msg>builder(recording, "orders", registry,
                Tags.of("mapping", "orders")).clock(clock).build();
        Claim<Msg> claim = claim(deduplicator, batch);

        try (ThreadStarts starts = ThreadStarts.refuse("esm4j-claim-extend")) {
            assertThat(claim.extend()).isZero();
            // The first lane's start is refused, and no other is tried: they would be refused too.
            assertThat(starts.refused()).isEqualTo(1);
        }

        assertThat(callers).containsExactly(Thread.currentThread());
        assertThat(extended).hasSize(100);
        // Every claim now lasts a lifetime from the pass.
        clock.advance(VISIBILITY.minusSeconds(1));
        assertThat(claim.extend()).isZero();
    }

    @Test
    void claimsReportedWhileAPassIsUnderWayAreNotExtended() {
        Claim<Msg> claim = claim(concurrent, batch);
        // The handler returns just as the pass begins, and its records are reported.
        gathering.onFirstCall = () -> claim.completed(claim.toProcess().subList(0, 60));

        claim.extend();

        List<String> reported = batch.subList(0, 60).stream().map(m -> "orders:" + m.id()).toList();
        assertThat(gathering.extended).filteredOn(key -> !key.equals(gathering.firstKey))
                .doesNotContainAnyElementsOf(reported);
        assertThat(gathering.extended)
                .containsAll(batch.subList(60, 100).stream().map(m -> "orders:" + m.id()).toList());
        assertThat(gathering.calls.get()).isEqualTo(reported.contains(gathering.firstKey) ? 41 : 40);
    }
}
