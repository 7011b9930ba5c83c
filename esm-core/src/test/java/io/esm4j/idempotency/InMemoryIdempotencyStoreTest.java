package io.esm4j.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.idempotency.AcquireResult.Acquired;
import io.esm4j.idempotency.AcquireResult.AlreadyCompleted;
import io.esm4j.idempotency.AcquireResult.InProgressElsewhere;
import io.esm4j.settings.InvalidSettingException;
import io.esm4j.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class InMemoryIdempotencyStoreTest {

    private static final Duration CLAIM = Duration.ofMinutes(5);
    private static final Duration TTL = Duration.ofHours(1);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(10_000, clock);

    private Instant in(Duration d) {
        return clock.instant().plus(d);
    }

    @Nested
    class StateMachine {

        @Test
        void absentKeyIsAcquiredAndThenReportedInProgressToOthers() {
            Instant claimExpiry = in(CLAIM);

            assertThat(store.acquire("k", "h1", "A", claimExpiry)).isEqualTo(Acquired.INSTANCE);
            assertThat(store.acquire("k", "h1", "B", in(CLAIM))).isEqualTo(new InProgressElsewhere(claimExpiry, "h1"));
            // The owner's own claim sent again (owners are unique per claim) is its own: acquired, still releasable.
            assertThat(store.acquire("k", "h1", "A", claimExpiry)).isEqualTo(Acquired.INSTANCE);
            assertThat(store.release("k", "A")).isTrue();
        }

        @Test
        void completedKeyIsReportedWithItsHashAndTtl() {
            store.acquire("k", "h1", "A", in(CLAIM));
            Instant ttl = in(TTL);
            store.complete("k", "h1", ttl);

            assertThat(store.acquire("k", "h2", "B", in(CLAIM))).isEqualTo(new AlreadyCompleted("h1", ttl));
            assertThat(store.size()).isEqualTo(1);
        }

        @Test
        void releaseDeletesTheOwnersClaimSoThatARetryAcquiresIt() {
            store.acquire("k", null, "A", in(CLAIM));

            assertThat(store.release("k", "A")).isTrue();
            assertThat(store.size()).isZero();
            assertThat(store.acquire("k", null, "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
        }

        @Test
        void releaseByAnotherOwnerLeavesTheClaim() {
            store.acquire("k", null, "A", in(CLAIM));

            assertThat(store.release("k", "B")).isFalse();
            assertThat(store.acquire("k", null, "C", in(CLAIM))).isInstanceOf(InProgressElsewhere.class);
        }

        @Test
        void releaseNeverDeletesACompletedKey() {
            store.acquire("k", null, "A", in(CLAIM));
            store.complete("k", null, in(TTL));

            assertThat(store.release("k", "A")).isFalse();
            assertThat(store.acquire("k", null, "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
        }

        @Test
        void releaseOfAnAbsentKeyIsANoOp() {
            assertThat(store.release("nothing", "A")).isFalse();
            assertThat(store.size()).isZero();
        }

        @Test
        void completeWithoutAClaimStillRecordsTheKey() {
            store.complete("k", "h", in(TTL));

            assertThat(store.acquire("k", "h", "A", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
        }

        @Test
        void completeOverwritesAClaimTakenOverByAnotherOwner() {
            store.acquire("k", null, "A", in(CLAIM));
            clock.advance(CLAIM);
            store.acquire("k", null, "B", in(CLAIM));

            store.complete("k", null, in(TTL)); // A finished after all: the record was processed
            assertThat(store.release("k", "B")).isFalse(); // B failed: the COMPLETED entry stays
            assertThat(store.acquire("k", null, "C", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
        }
    }

    @Nested
    class Expiry {

        @Test
        void claimLapsesAtItsInProgressExpiry() {
            store.acquire("k", null, "A", in(CLAIM));

            clock.advance(CLAIM.minusMillis(1));
            assertThat(store.acquire("k", null, "B", in(CLAIM))).isInstanceOf(InProgressElsewhere.class);
            clock.advance(Duration.ofMillis(1));
            assertThat(store.acquire("k", null, "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
        }

        @Test
        void lapsedOwnerCannotReleaseTheClaimThatReplacedIt() {
            store.acquire("k", null, "A", in(CLAIM));
            clock.advance(CLAIM);
            store.acquire("k", null, "B", in(CLAIM));

            assertThat(store.release("k", "A")).isFalse();
            assertThat(store.acquire("k", null, "C", in(CLAIM))).isInstanceOf(InProgressElsewhere.class);
        }

        @Test
        void completedKeyCountsAsAbsentFromItsTtlOn() {
            store.acquire("k", "h", "A", in(CLAIM));
            store.complete("k", "h", in(TTL));

            clock.advance(TTL.minusSeconds(1));
            assertThat(store.acquire("k", "h", "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
            clock.advance(Duration.ofSeconds(1));
            assertThat(store.acquire("k", "other", "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            assertThat(store.size()).isEqualTo(1); // replaced in place
        }
    }

    @Nested
    class Bound {

        private final InMemoryIdempotencyStore small = new InMemoryIdempotencyStore(3, clock);

        private void completed(String key) {
            small.acquire(key, null, "A", in(CLAIM));
            small.complete(key, null, in(TTL));
        }

        @Test
        void fullStoreEvictsTheOldestCompletedKey() {
            completed("k1");
            clock.advance(Duration.ofSeconds(1));
            completed("k2");
            clock.advance(Duration.ofSeconds(1));
            completed("k3");

            assertThat(small.acquire("k4", null, "A", in(CLAIM))).isEqualTo(Acquired.INSTANCE);

            assertThat(small.size()).isEqualTo(3);
            assertThat(small.acquire("k2", null, "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
            assertThat(small.acquire("k3", null, "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
            assertThat(small.acquire("k4", null, "B", in(CLAIM))).isInstanceOf(InProgressElsewhere.class);
        }

        @Test
        void oldestByCompletionNotByClaim() {
            small.acquire("first-claimed", null, "A", in(CLAIM));
            completed("k2");
            small.complete("first-claimed", null, in(TTL));
            completed("k3");

            small.acquire("k4", null, "A", in(CLAIM));

            assertThat(small.acquire("first-claimed", null, "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
            assertThat(small.acquire("k3", null, "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
            assertThat(small.size()).isEqualTo(3);
        }

        @Test
        void expiredClaimIsEvictedBeforeAnyLiveCompletedKey() {
            completed("old-completed");
            small.acquire("abandoned", null, "A", clock.instant().plusSeconds(10));
            completed("k3");
            clock.advance(Duration.ofSeconds(10));

            assertThat(small.acquire("k4", null, "A", in(CLAIM))).isEqualTo(Acquired.INSTANCE);

            assertThat(small.acquire("old-completed", null, "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
            assertThat(small.acquire("k3", null, "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
        }

        @Test
        void expiredClaimBehindALiveOneIsFoundWhenNothingElseIsLeft() {
            small.acquire("long", null, "A", in(Duration.ofHours(1)));
            small.acquire("short", null, "A", clock.instant().plusSeconds(1));
            small.acquire("long2", null, "A", in(Duration.ofHours(1)));
            clock.advance(Duration.ofSeconds(1));

            assertThat(small.acquire("k4", null, "A", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            assertThat(small.acquire("long", null, "B", in(CLAIM))).isInstanceOf(InProgressElsewhere.class);
            assertThat(small.acquire("long2", null, "B", in(CLAIM))).isInstanceOf(InProgressElsewhere.class);
        }

        @Test
        void liveClaimsAreNeverEvictedAndAFullStoreSaysWhichBoundToRaise() {
            small.acquire("k1", null, "A", in(CLAIM));
            small.acquire("k2", null, "A", in(CLAIM));
            small.acquire("k3", null, "A", in(CLAIM));

            assertThatThrownBy(() -> small.acquire("k4", null, "A", in(CLAIM)))
                    .isInstanceOf(IdempotencyStoreFullException.class)
                    .hasMessageContaining("all 3 entries (MaxEntries) are live INPROGRESS claims")
                    .hasMessageContaining("raise it");
            // Keys already held are still answered without needing room.
            assertThat(small.acquire("k1", null, "B", in(CLAIM))).isInstanceOf(InProgressElsewhere.class);
        }

        @Test
        void fullOfClaimsRecoversWhenOneCompletesOrAllLapse() {
            small.acquire("k1", null, "A", in(CLAIM));
            small.acquire("k2", null, "A", in(CLAIM));
            small.acquire("k3", null, "A", in(CLAIM));
            small.complete("k2", null, in(TTL));

            assertThat(small.acquire("k4", null, "A", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            assertThatThrownBy(() -> small.acquire("k5", null, "A", in(CLAIM)))
                    .isInstanceOf(IdempotencyStoreFullException.class);

            clock.advance(CLAIM);
            assertThat(small.acquire("k5", null, "A", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            assertThat(small.size()).isLessThanOrEqualTo(3);
        }

        @Test
        void completeOfAKeyWhoseClaimWasEvictedFindsRoom() {
            small.acquire("k1", null, "A", clock.instant().plusSeconds(1));
            clock.advance(Duration.ofSeconds(1));
            completed("k2");
            completed("k3");
            small.acquire("k4", null, "A", in(CLAIM)); // evicts the lapsed claim on k1

            small.complete("k1", null, in(TTL)); // the slow handler finished after all

            assertThat(small.size()).isEqualTo(3);
            assertThat(small.acquire("k1", null, "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
        }

        @Test
        void largeStoreEvictsInBatchesOfOneSixtyFourth() {
            InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(640, clock);
            for (int i = 0; i < 640; i++) {
                store.complete("k" + i, null, in(TTL));
            }

            store.acquire("new", null, "A", in(CLAIM));

            assertThat(store.size()).isEqualTo(640 - 10 + 1);
            assertThat(store.acquire("k9", null, "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            assertThat(store.acquire("k10", null, "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
        }

        @Test
        void queuesForEvictionOrderStayBoundedWithoutEvictions() {
            for (int i = 0; i < 100_000; i++) {
                String key = "k" + (i % 2);
                small.acquire(key, null, "A", in(CLAIM));
                if (i % 3 == 0) {
                    small.release(key, "A");
                } else {
                    small.complete(key, null, clock.instant().plusMillis(1));
                    clock.advance(Duration.ofMillis(1));
                }
            }

            assertThat(small.size()).isLessThanOrEqualTo(2);
            assertThat(small.trackedNodes()).isLessThanOrEqualTo(2 * (2 * 3 + 1));
        }

        @Test
        void invalidBoundIsRejectedByName() {
            assertThatThrownBy(() -> new InMemoryIdempotencyStore(0, clock))
                    .isInstanceOf(InvalidSettingException.class)
                    .hasMessage("Invalid value for MaxEntries: 0. Expected an integer from 1 to 10,000,000.");
        }
    }

    @Nested
    class Concurrency {

        @Test
        void exactlyOneOfManyConcurrentAcquiresOfAKeyWins() throws Exception {
            int keys = 5_000;
            // All threads walk the same keys in the same order, so that they race on each one.
            List<List<Integer>> acquiredByThread = runConcurrently(16, t -> {
                List<Integer> acquired = new ArrayList<>();
                for (int k = 0; k < keys; k++) {
                    AcquireResult result = store.acquire("k" + k, null, "owner" + t, in(CLAIM));
                    if (result == Acquired.INSTANCE) {
                        acquired.add(k);
                    } else {
                        assertThat(result).isInstanceOf(InProgressElsewhere.class);
                    }
                }
                return acquired;
            });

            List<Integer> all = acquiredByThread.stream().flatMap(List::stream).sorted().toList();
            assertThat(all).hasSize(keys).doesNotHaveDuplicates();
        }

        @Test
        void sizeNeverExceedsTheBoundUnderConcurrentInsertsAndEvictions() throws Exception {
            InMemoryIdempotencyStore bounded = new InMemoryIdempotencyStore(128, clock);
            int threads = 8;
            List<Integer> maxSeen = runConcurrently(threads, t -> {
                int max = 0;
                for (int i = 0; i < 20_000; i++) {
                    String key = t + "-" + i;
                    bounded.acquire(key, null, "owner" + t, in(CLAIM));
                    max = Math.max(max, bounded.size());
                    if (i % 5 == 0) {
                        bounded.release(key, "owner" + t);
                    } else {
                        bounded.complete(key, null, in(TTL));
                    }
                    max = Math.max(max, bounded.size());
                }
                return max;
            });

            assertThat(maxSeen).allSatisfy(max -> assertThat(max).isLessThanOrEqualTo(128));
            assertThat(bounded.size()).isLessThanOrEqualTo(128);
            // Loose on purpose: adds racing an eviction may skip one compaction; a leak would be ~160,000 nodes.
            assertThat(bounded.trackedNodes()).isLessThanOrEqualTo(8 * 128);
        }
    }

    interface IndexedTask<T> {
        T run(int thread) throws Exception;
    }

    /** Starts all tasks together, so that they overlap as much as possible. */
    static <T> List<T> runConcurrently(int threads, IndexedTask<T> task) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int t = 0; t < threads; t++) {
                int thread = t;
                Callable<T> callable = () -> {
                    start.await();
                    return task.run(thread);
                };
                futures.add(pool.submit(callable));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        }
    }
}
