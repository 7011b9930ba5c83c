package io.esm4j.idempotency;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.testing.ForwardingIdempotencyStore;
import io.micrometer.core.instrument.Tags;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Payload validation and every way a claim or a report can fail. */
class BatchDeduplicatorErrorsTest extends DeduplicatorFixture {

    @Nested
    class PayloadValidation {

        private final BatchDeduplicator<Msg> validating = builder()
                .settings(IdempotencySettings.builder().payloadValidation(true).build()).build();

        @Test
        void sameKeyWithADifferentPayloadIsAnErrorNamingTheKey() {
            Claim<Msg> first = claim(validating, List.of(new Msg("m1", "{\"amount\":10}")));
            first.completed(first.toProcess());
            List<Msg> redelivery = List.of(new Msg("m0", "x"), new Msg("m1", "{\"amount\":99}"));

            assertThatThrownBy(() -> claim(validating, redelivery))
                    .isInstanceOf(IdempotencyValidationException.class)
                    .hasMessageStartingWith("Payload validation failed for idempotency key 'orders:m1': its payload "
                            + "differs from the payload already seen under that key (SHA-256 "
                            + PayloadHash.sha256Hex("{\"amount\":10}".getBytes(UTF_8)) + " expected, "
                            + PayloadHash.sha256Hex("{\"amount\":99}".getBytes(UTF_8)) + " received).")
                    .hasMessageNotContaining("amount")
                    .satisfies(e -> assertThat(((IdempotencyValidationException) e).key()).isEqualTo("orders:m1"));
            // The failed call claimed nothing: m0 is processable at once.
            assertThat(claim(validating, List.of(new Msg("m0", "x"))).toProcess()).hasSize(1);
        }

        /** A queue asks for this: it has no bisection, and one poison message must not fail its batchmates. */
        @Test
        void rejectingAloneSetsOnlyThePoisonRecordAsideAndClaimsTheRest() {
            Claim<Msg> first = claim(validating, List.of(new Msg("m1", "{\"amount\":10}")));
            first.completed(first.toProcess());
            Msg changed = new Msg("m1", "{\"amount\":99}");
            Msg fresh = new Msg("m0", "x");

            Claim<Msg> claim = validating.claim(List.of(fresh, changed), Msg::id, clock.instant().plus(VISIBILITY),
                    true);

            assertThat(claim.rejected()).containsExactly(changed);
            assertThat(claim.toProcess()).containsExactly(fresh);
            assertThat(claim.duplicates()).isEmpty();
            assertThatThrownBy(() -> claim.completed(List.of(changed))).isInstanceOf(IllegalArgumentException.class);
        }

        /**
         * As Powertools validates the stored record whatever its status: a key another consumer holds with a different
         * payload is a validation failure, not a record to wait for. Waiting would put the error off until the other
         * consumer completed it, or process the record unvalidated if that one released its claim.
         */
        @Test
        void aKeyInProgressElsewhereWithADifferentPayloadFailsValidation() {
            Claim<Msg> elsewhere = claim(validating, List.of(new Msg("m1", "{\"amount\":10}")));
            assertThat(elsewhere.toProcess()).hasSize(1);
            List<Msg> changed = List.of(new Msg("m0", "x"), new Msg("m1", "{\"amount\":99}"));

            assertThatThrownBy(() -> claim(validating, changed))
                    .isInstanceOf(IdempotencyValidationException.class)
                    .hasMessageStartingWith("Payload validation failed for idempotency key 'orders:m1'")
                    .satisfies(e -> assertThat(((IdempotencyValidationException) e).expectedHash())
                            .isEqualTo(PayloadHash.sha256Hex("{\"amount\":10}".getBytes(UTF_8))));
            // Rejected alone on a queue: the rest of the batch is claimed.
            Msg poison = new Msg("m1", "{\"amount\":99}");
            Claim<Msg> alone = validating.claim(List.of(new Msg("m2", "y"), poison), Msg::id,
                    clock.instant().plus(VISIBILITY), true);
            assertThat(alone.rejected()).containsExactly(poison);
            assertThat(alone.inProgressElsewhere()).isEmpty();
            // The same payload still waits for the other consumer.
            assertThat(claim(validating, List.of(new Msg("m1", "{\"amount\":10}"))).inProgressElsewhere())
                    .hasSize(1);
        }

        /** A claim taken without validation (or by a store that does not report its hash) is not validated. */
        @Test
        void aKeyInProgressElsewhereWithoutAHashIsNotValidated() {
            claim(msgs("a"));

            assertThat(claim(validating, List.of(new Msg("a", "changed"))).inProgressElsewhere()).hasSize(1);
        }

        @Test
        void sameKeyWithTheSamePayloadIsADuplicate() {
            Claim<Msg> first = claim(validating, msgs("a"));
            first.completed(first.toProcess());

            assertThat(claim(validating, msgs("a")).duplicates()).hasSize(1);
        }

        @Test
        void differentPayloadsUnderOneKeyInOneBatchAreAnError() {
            List<Msg> batch = List.of(new Msg("m1", "one"), new Msg("m1", "two"));

            assertThatThrownBy(() -> claim(validating, batch)).isInstanceOf(IdempotencyValidationException.class);
            assertThat(store.size()).isZero();
        }

        @Test
        void keyCompletedWithoutValidationIsNotValidated() {
            Claim<Msg> first = claim(msgs("a"));
            first.completed(first.toProcess());

            assertThat(claim(validating, List.of(new Msg("a", "changed"))).duplicates()).hasSize(1);
        }

        @Test
        void withoutValidationADifferentPayloadIsSkippedLikeAnyDuplicate() {
            Claim<Msg> first = claim(msgs("a"));
            first.completed(first.toProcess());

            assertThat(claim(List.of(new Msg("a", "changed"))).duplicates()).hasSize(1);
        }

        @Test
        void validationNeedsThePayload() {
            BatchDeduplicator.Builder<Msg> noPayload = BatchDeduplicator.<Msg>builder(store, "orders", registry,
                    Tags.empty())
                    .settings(IdempotencySettings.builder().payloadValidation(true).build());

            assertThatThrownBy(noPayload::build)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("PayloadValidation is true but no payload function was given. Expected one to hash "
                            + "payloads: Idempotency.withPayload(record -> bytes) for a mapping, "
                            + "Builder.payload(record -> bytes) here.");
        }
    }

    @Nested
    class Errors {

        @Test
        void recordWithoutAKeyFailsTheClaimAndLeavesNothingClaimed() {
            BatchDeduplicator<Msg> byBody = builder().key(IdempotencyKey.jsonPointerInBytes("/orderId",
                    m -> m.body().getBytes(UTF_8))).build();
            List<Msg> batch = List.of(Msg.of("a"), new Msg("poison", "{}"));

            assertThatThrownBy(() -> claim(byBody, batch))
                    .isInstanceOf(IdempotencyKeyException.class)
                    .hasMessageContaining("record poison");
            assertThat(store.size()).isZero();
        }

        /**
         * A key function that throws on a record (a field the record lacks: a NullPointerException) is that record's
         * problem, as a missing JSON-pointer value is, so that a queue sets the record aside alone. The message names
         * the record and the exception's class, not the exception's message, which may quote the payload.
         */
        @Test
        void aKeyFunctionThatThrowsIsTheRecordsOwnProblem() {
            BatchDeduplicator<Msg> byBody = builder().key(IdempotencyKey.from(m -> {
                if (!m.body().contains("orderId")) {
                    throw new NullPointerException("no orderId in " + m.body());
                }
                return m.body();
            })).build();
            Msg poison = new Msg("poison", "{\"secret\":1}");

            assertThatThrownBy(() -> claim(byBody, List.of(Msg.of("a"), poison)))
                    .isInstanceOf(IdempotencyKeyException.class)
                    .hasMessage("The idempotency key function failed on record poison (java.lang.NullPointerException; "
                            + "its message is not shown: it may quote the record). Expected a key, or an "
                            + "IdempotencyKeyException for a record that has none.")
                    .hasCauseInstanceOf(NullPointerException.class);
            assertThat(store.size()).isZero();

            Claim<Msg> claim = byBody.claim(List.of(Msg.of("a"), poison), Msg::id,
                    clock.instant().plus(VISIBILITY), true);
            assertThat(claim.rejected()).containsExactly(poison);
            assertThat(claim.toProcess()).containsExactly(Msg.of("a"));
        }

        @Test
        void blankKeyIsRejected() {
            BatchDeduplicator<Msg> blank = builder().key(IdempotencyKey.from(m -> " ")).build();

            assertThatThrownBy(() -> claim(blank, msgs("a")))
                    .isInstanceOf(IdempotencyKeyException.class)
                    .hasMessage("The idempotency key of record a is blank. Expected a non-blank key.");
        }

        @Test
        void missingNaturalIdIsRejected() {
            assertThatThrownBy(() -> dedup.claim(List.of(new Msg(null, "x")), Msg::id, clock.instant().plusSeconds(1)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("The naturalId function returned 'null' for a record. Expected its non-blank id from "
                            + "the source (e.g. shardId:sequenceNumber, messageId).");
        }

        @Test
        void storeFullOfLiveClaimsFailsTheClaimAndReleasesWhatItHadClaimed() {
            InMemoryIdempotencyStore tiny = new InMemoryIdempotencyStore(2, clock);
            BatchDeduplicator<Msg> onTiny = BatchDeduplicator.<Msg>builder(tiny, "orders", registry,
                    Tags.empty()).clock(clock)
                    .build();

            assertThatThrownBy(() -> claim(onTiny, msgs("a", "b", "c")))
                    .isInstanceOf(IdempotencyStoreFullException.class);
            assertThat(tiny.size()).isZero();
        }

        @Test
        void storeErrorOnAcquireIsAnIdempotencyStoreExceptionAndReleasesWhatItHadClaimed() {
            IllegalStateException unavailable = new IllegalStateException("store unavailable");
            IdempotencyStore failingOnB = new ForwardingIdempotencyStore(store) {
                @Override
                public AcquireResult acquire(String key, String hash, String owner, Instant expiry) {
                    if (key.equals("orders:b")) {
                        throw unavailable;
                    }
                    return super.acquire(key, hash, owner, expiry);
                }
            };
            BatchDeduplicator<Msg> flaky = BatchDeduplicator.<Msg>builder(failingOnB, "orders", registry,
                    Tags.empty()).clock(clock).build();

            // The engine tells it from a record's problem: it retries the batch as it is, without counting.
            assertThatThrownBy(() -> claim(flaky, msgs("a", "b", "c")))
                    .isInstanceOf(IdempotencyStoreException.class)
                    .hasMessage("The idempotency store failed while claiming keys (java.lang.IllegalStateException); "
                            + "nothing is claimed, and the batch can be claimed again later.")
                    .hasCause(unavailable);
            assertThat(store.size()).isZero();
        }

        @Test
        void reportingARecordThatWasNotHandedOutReportsNothing() {
            List<Msg> batch = msgs("a", "b");
            Claim<Msg> first = claim(batch);
            first.completed(first.toProcess());
            Claim<Msg> claim = claim(msgs("c", "a"));
            Msg c = claim.toProcess().get(0);
            Msg duplicate = claim.duplicates().get(0);

            assertThatThrownBy(() -> claim.completed(List.of(c, duplicate)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("A record passed to completed() or failed() is not an unreported record of this "
                            + "claim: not in toProcess(), reported before, or passed twice. Expected records of "
                            + "toProcess() not reported yet (1 remain).");
            assertThat(store.acquire("orders:c", null, "other", clock.instant().plusSeconds(1)))
                    .isInstanceOf(AcquireResult.InProgressElsewhere.class);
        }

        @Test
        void eachRecordIsReportedOnce() {
            Claim<Msg> claim = claim(msgs("a", "b"));
            Msg a = claim.toProcess().get(0);
            claim.completed(List.of(a));

            assertThatThrownBy(() -> claim.failed(List.of(a))).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> claim.failed(List.of(claim.toProcess().get(1), claim.toProcess().get(1))))
                    .isInstanceOf(IllegalArgumentException.class);
            claim.failed(List.of(claim.toProcess().get(1)));
        }

        @Test
        void storeErrorOnCompleteIsThrownAfterEveryOtherRecordWasCompleted() {
            IdempotencyStore failingOnB = new ForwardingIdempotencyStore(store) {
                @Override
                public void complete(String key, String payloadHash, Instant ttlExpiry) {
                    if (key.equals("orders:b")) {
                        throw new IllegalStateException("store unavailable");
                    }
                    super.complete(key, payloadHash, ttlExpiry);
                }
            };
            BatchDeduplicator<Msg> flaky = BatchDeduplicator.<Msg>builder(failingOnB, "orders", registry,
                    Tags.empty()).clock(clock).build();
            Claim<Msg> claim = claim(flaky, msgs("a", "b", "c"));

            assertThatThrownBy(() -> claim.completed(claim.toProcess())).hasMessage("store unavailable");
            assertThat(claim(msgs("a", "c")).duplicates()).hasSize(2);
        }

        /**
         * An unreachable store answers each call at its timeout (60 s with Lettuce's default): trying every record of a
         * 10,000-record batch held the shard up for days. Two errors in a row stop the report.
         */
        @Test
        void anUnreachableStoreStopsAReportAfterTwoErrorsInARow() {
            AtomicInteger completes = new AtomicInteger();
            AtomicInteger releases = new AtomicInteger();
            IdempotencyStore down = new ForwardingIdempotencyStore(store) {
                @Override
                public void complete(String key, String payloadHash, Instant ttlExpiry) {
                    completes.incrementAndGet();
                    throw new IllegalStateException("store unreachable");
                }

                @Override
                public boolean release(String key, String owner) {
                    releases.incrementAndGet();
                    throw new IllegalStateException("store unreachable");
                }
            };
            BatchDeduplicator<Msg> unreachable = BatchDeduplicator.<Msg>builder(down, "orders", registry,
                    Tags.empty()).clock(clock).build();
            Claim<Msg> claim = claim(unreachable, msgs("a", "b", "c", "d", "e", "f", "g", "h"));

            assertThatThrownBy(() -> claim.completed(claim.toProcess().subList(0, 4)))
                    .hasMessage("store unreachable");
            assertThatThrownBy(() -> claim.failed(claim.toProcess().subList(4, 8))).hasMessage("store unreachable");

            assertThat(completes).hasValue(2);
            assertThat(releases).hasValue(2);
        }
    }
}
