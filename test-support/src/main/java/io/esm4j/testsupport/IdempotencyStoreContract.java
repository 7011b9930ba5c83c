package io.esm4j.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.AcquireResult.Acquired;
import io.esm4j.idempotency.AcquireResult.AlreadyCompleted;
import io.esm4j.idempotency.AcquireResult.InProgressElsewhere;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The idempotency store SPI's state machine and expiry rules (esm-core/IDEMPOTENCY.md), run against every store: a
 * store's test class extends it and says how to make a store. The cases are those of esm-core's
 * InMemoryIdempotencyStoreTest that hold for any store (its bound and eviction cases are the in-memory store's own).
 */
public abstract class IdempotencyStoreContract {

    private static final Duration CLAIM = Duration.ofMinutes(5);
    private static final Duration TTL = Duration.ofHours(1);

    protected final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    /** Keys of this test only, so that stores shared between tests never mix them. */
    private final String prefix = UUID.randomUUID() + ":";
    private final IdempotencyStore store = store(clock);

    /** A store that decides expiry by {@code clock}; every call of one test reaches the same entries. */
    protected abstract IdempotencyStore store(Clock clock);

    private String k(String key) {
        return prefix + key;
    }

    private Instant in(Duration d) {
        return clock.instant().plus(d);
    }

    @Nested
    class StateMachine {

        @Test
        void absentKeyIsAcquiredAndThenReportedInProgressToOthers() {
            Instant claimExpiry = in(CLAIM);

            assertThat(store.acquire(k("k"), "h1", "A", claimExpiry)).isEqualTo(Acquired.INSTANCE);
            assertThat(store.acquire(k("k"), "h1", "B", in(CLAIM)))
                    .isEqualTo(new InProgressElsewhere(claimExpiry, "h1"));
        }

        /**
         * A claim reports the hash it was acquired with, so that payload validation checks a record against a key in
         * progress elsewhere as against a COMPLETED one (as Powertools validates the stored record whatever its
         * status); a claim taken without validation reports none.
         */
        @Test
        void aClaimInProgressReportsItsPayloadHash() {
            Instant withHash = in(CLAIM);
            store.acquire(k("hashed"), "h1", "A", withHash);
            Instant without = in(CLAIM);
            store.acquire(k("plain"), null, "A", without);

            assertThat(store.acquire(k("hashed"), "h2", "B", in(CLAIM)))
                    .isEqualTo(new InProgressElsewhere(withHash, "h1"));
            assertThat(store.acquire(k("plain"), "h2", "B", in(CLAIM))).isEqualTo(new InProgressElsewhere(without));
        }

        @Test
        void aClaimSentAgainByItsOwnerIsAcquiredAndStaysReleasable() {
            Instant claimExpiry = in(CLAIM);
            assertThat(store.acquire(k("k"), "h1", "A", claimExpiry)).isEqualTo(Acquired.INSTANCE);

            // The same request again (its first answer lost): owners are unique per claim, so this is A's own write.
            assertThat(store.acquire(k("k"), "h1", "A", claimExpiry)).isEqualTo(Acquired.INSTANCE);
            assertThat(store.acquire(k("k"), "h1", "B", in(CLAIM)))
                    .isEqualTo(new InProgressElsewhere(claimExpiry, "h1"));
            assertThat(store.release(k("k"), "A")).isTrue();
            assertThat(store.acquire(k("k"), "h1", "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
        }

        @Test
        void aCompletedKeyIsNotReacquiredByTheOwnerOfItsFormerClaim() {
            store.acquire(k("k"), "h1", "A", in(CLAIM));
            Instant ttl = in(TTL);
            store.complete(k("k"), "h1", ttl);

            assertThat(store.acquire(k("k"), "h1", "A", in(CLAIM))).isEqualTo(new AlreadyCompleted("h1", ttl));
        }

        @Test
        void completedKeyIsReportedWithItsHashAndTtl() {
            store.acquire(k("k"), "h1", "A", in(CLAIM));
            Instant ttl = in(TTL);
            store.complete(k("k"), "h1", ttl);

            assertThat(store.acquire(k("k"), "h2", "B", in(CLAIM))).isEqualTo(new AlreadyCompleted("h1", ttl));
        }

        @Test
        void aKeyCompletedWithoutValidationHasNoHash() {
            store.complete(k("k"), null, in(TTL));

            assertThat(store.acquire(k("k"), "h", "B", in(CLAIM))).isEqualTo(new AlreadyCompleted(null, in(TTL)));
        }

        @Test
        void releaseDeletesTheOwnersClaimSoThatARetryAcquiresIt() {
            store.acquire(k("k"), null, "A", in(CLAIM));

            assertThat(store.release(k("k"), "A")).isTrue();
            assertThat(store.acquire(k("k"), null, "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
        }

        @Test
        void releaseByAnotherOwnerLeavesTheClaim() {
            store.acquire(k("k"), null, "A", in(CLAIM));

            assertThat(store.release(k("k"), "B")).isFalse();
            assertThat(store.acquire(k("k"), null, "C", in(CLAIM))).isInstanceOf(InProgressElsewhere.class);
        }

        @Test
        void releaseNeverDeletesACompletedKey() {
            store.acquire(k("k"), null, "A", in(CLAIM));
            store.complete(k("k"), null, in(TTL));

            assertThat(store.release(k("k"), "A")).isFalse();
            assertThat(store.acquire(k("k"), null, "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
        }

        @Test
        void releaseOfAnAbsentKeyIsANoOp() {
            assertThat(store.release(k("nothing"), "A")).isFalse();
            assertThat(store.acquire(k("nothing"), null, "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
        }

        @Test
        void completeWithoutAClaimStillRecordsTheKey() {
            store.complete(k("k"), "h", in(TTL));

            assertThat(store.acquire(k("k"), "h", "A", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
        }

        @Test
        void completeOverwritesAClaimTakenOverByAnotherOwner() {
            store.acquire(k("k"), null, "A", in(CLAIM));
            clock.advance(CLAIM);
            store.acquire(k("k"), null, "B", in(CLAIM));

            store.complete(k("k"), null, in(TTL)); // A finished after all: the record was processed
            assertThat(store.release(k("k"), "B")).isFalse(); // B failed: the COMPLETED entry stays
            assertThat(store.acquire(k("k"), null, "C", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
        }
    }

    @Nested
    class Expiry {

        @Test
        void claimLapsesAtItsInProgressExpiry() {
            store.acquire(k("k"), null, "A", in(CLAIM));

            clock.advance(CLAIM.minusMillis(1));
            assertThat(store.acquire(k("k"), null, "B", in(CLAIM))).isInstanceOf(InProgressElsewhere.class);
            clock.advance(Duration.ofMillis(1));
            assertThat(store.acquire(k("k"), null, "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
        }

        @Test
        void expiryIsExactBelowAMillisecond() {
            Instant expiry = clock.instant().plusNanos(1_500);
            store.acquire(k("k"), null, "A", expiry);

            clock.advance(Duration.ofNanos(1_499));
            assertThat(store.acquire(k("k"), null, "B", in(CLAIM))).isEqualTo(new InProgressElsewhere(expiry));
            clock.advance(Duration.ofNanos(1));
            assertThat(store.acquire(k("k"), null, "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
        }

        @Test
        void lapsedOwnerCannotReleaseTheClaimThatReplacedIt() {
            store.acquire(k("k"), null, "A", in(CLAIM));
            clock.advance(CLAIM);
            store.acquire(k("k"), null, "B", in(CLAIM));

            assertThat(store.release(k("k"), "A")).isFalse();
            assertThat(store.acquire(k("k"), null, "C", in(CLAIM))).isInstanceOf(InProgressElsewhere.class);
        }

        @Test
        void completedKeyCountsAsAbsentFromItsTtlOn() {
            store.acquire(k("k"), "h", "A", in(CLAIM));
            store.complete(k("k"), "h", in(TTL));

            clock.advance(TTL.minusSeconds(1));
            assertThat(store.acquire(k("k"), "h", "B", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
            clock.advance(Duration.ofSeconds(1));
            assertThat(store.acquire(k("k"), "other", "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            // The new claim carries the new payload's hash once completed.
            store.complete(k("k"), "other", in(TTL));
            assertThat(store.acquire(k("k"), "x", "C", in(CLAIM))).isEqualTo(new AlreadyCompleted("other", in(TTL)));
        }
    }

    /** A live handler's claim is extended while it runs; only its owner's live claim can be. */
    @Nested
    class Extension {

        @Test
        void aClaimExtendedByItsOwnerOutlivesItsFirstExpiry() {
            store.acquire(k("k"), "h1", "A", in(CLAIM));
            Instant extended = in(CLAIM.multipliedBy(2));

            assertThat(store.extend(k("k"), "h1", "A", extended)).isTrue();
            clock.advance(CLAIM);
            assertThat(store.acquire(k("k"), "h1", "B", in(CLAIM)))
                    .isEqualTo(new InProgressElsewhere(extended, "h1"));
            clock.advance(CLAIM);
            assertThat(store.acquire(k("k"), "h1", "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
        }

        @Test
        void anExtendedClaimIsStillReleasedByItsOwnerAndCompletedWithItsHash() {
            store.acquire(k("k"), "h1", "A", in(CLAIM));
            assertThat(store.extend(k("k"), "h1", "A", in(CLAIM.multipliedBy(2)))).isTrue();

            assertThat(store.release(k("k"), "B")).isFalse();
            assertThat(store.release(k("k"), "A")).isTrue();
            store.acquire(k("k"), "h1", "B", in(CLAIM));
            assertThat(store.extend(k("k"), "h1", "B", in(CLAIM.multipliedBy(2)))).isTrue();
            store.complete(k("k"), "h1", in(TTL));
            assertThat(store.acquire(k("k"), "h2", "C", in(CLAIM))).isEqualTo(new AlreadyCompleted("h1", in(TTL)));
        }

        @Test
        void anotherOwnersAbsentCompletedOrLapsedClaimIsNotExtended() {
            assertThat(store.extend(k("absent"), null, "A", in(CLAIM))).isFalse();
            assertThat(store.acquire(k("absent"), null, "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);

            Instant claimExpiry = in(CLAIM);
            store.acquire(k("other"), null, "A", claimExpiry);
            assertThat(store.extend(k("other"), null, "B", in(TTL))).isFalse();
            assertThat(store.acquire(k("other"), null, "C", in(CLAIM))).isEqualTo(new InProgressElsewhere(claimExpiry));

            store.acquire(k("done"), "h", "A", in(CLAIM));
            store.complete(k("done"), "h", in(TTL));
            assertThat(store.extend(k("done"), "h", "A", in(CLAIM))).isFalse();
            assertThat(store.acquire(k("done"), "h", "B", in(CLAIM))).isEqualTo(new AlreadyCompleted("h", in(TTL)));

            store.acquire(k("lapsed"), null, "A", in(CLAIM));
            clock.advance(CLAIM);
            // Lapsed: another consumer may be about to take it; its old owner cannot bring it back.
            assertThat(store.extend(k("lapsed"), null, "A", in(CLAIM))).isFalse();
            assertThat(store.acquire(k("lapsed"), null, "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
        }
    }

    /** Keys are any non-blank strings: a store's own limits on its keys must not show. */
    @Nested
    class Keys {

        /**
         * A key read from a payload can be long: a store that refused it would fail the batch before the handler,
         * which the engine retries without counting an attempt, so the shard would stall on it.
         */
        @Test
        void aKeyOfManyKilobytesIsClaimedCompletedAndToldFromKeysThatShareItsStart() {
            String head = "\u00e9".repeat(1_500) + "x".repeat(1_500);
            String key = head + "-1";
            String other = head + "-2";

            assertThat(store.acquire(k(key), "h", "A", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            assertThat(store.acquire(k(other), "h", "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            store.complete(k(key), "h", in(TTL));
            assertThat(store.acquire(k(key), "h", "C", in(CLAIM))).isEqualTo(new AlreadyCompleted("h", in(TTL)));
            assertThat(store.release(k(other), "B")).isTrue();
            assertThat(store.acquire(k(other), "h", "C", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
        }

        /**
         * A JSON payload can spell a lone surrogate ({@code "\\ud800"}), which Jackson reads into the key as it is.
         * UTF-8 has no form for it, so a store that sends keys as UTF-8 turns each into a '?' or U+FFFD: two keys
         * would become one, and the second record would be skipped as a duplicate of the first.
         */
        @Test
        void keysThatDifferOnlyInLoneSurrogatesAreDifferentKeys() {
            assertThat(store.acquire(k("order-\uD800"), null, "A", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            store.complete(k("order-\uD800"), null, in(TTL));

            assertThat(store.acquire(k("order-\uDBFF"), null, "B", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            assertThat(store.acquire(k("order-?"), null, "C", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            assertThat(store.acquire(k("order-\uFFFD"), null, "D", in(CLAIM))).isEqualTo(Acquired.INSTANCE);
            assertThat(store.acquire(k("order-\uD800"), null, "E", in(CLAIM))).isInstanceOf(AlreadyCompleted.class);
        }
    }

    @Nested
    class Concurrency {

        @Test
        void exactlyOneOfManyConcurrentAcquiresOfAKeyWins() throws Exception {
            int keys = 40;
            int consumers = 6;
            List<IdempotencyStore> stores = new ArrayList<>();
            for (int c = 0; c < consumers; c++) {
                stores.add(store(clock));
            }
            // All consumers walk the same keys in the same order, so that they race on each one.
            List<List<Integer>> acquiredBy = Concurrently.run(consumers, c -> {
                List<Integer> acquired = new ArrayList<>();
                for (int key = 0; key < keys; key++) {
                    AcquireResult result = stores.get(c).acquire(k("k" + key), null, "owner" + c, in(CLAIM));
                    if (result == Acquired.INSTANCE) {
                        acquired.add(key);
                    } else {
                        assertThat(result).isInstanceOf(InProgressElsewhere.class);
                    }
                }
                return acquired;
            });

            assertThat(acquiredBy.stream().flatMap(List::stream).toList()).hasSize(keys).doesNotHaveDuplicates();
        }
    }
}
