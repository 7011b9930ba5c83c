package io.esm4j.idempotency;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.esm4j.testing.MutableClock;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class BatchDeduplicatorTest {

    /** A record as an engine would hold it: an id from the source and a JSON body. */
    record Msg(String id, String body) {
        static Msg of(String id) {
            return new Msg(id, "{\"orderId\":\"" + id + "\"}");
        }
    }

    private static final Duration VISIBILITY = Duration.ofSeconds(30);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(10_000, clock);

    private BatchDeduplicator.Builder<Msg> builder() {
        return BatchDeduplicator.<Msg>builder(store, registry, Tags.of("mapping", "orders")).clock(clock)
                .payload(m -> m.body() == null ? null : m.body().getBytes(UTF_8));
    }

    private final BatchDeduplicator<Msg> dedup = builder().build();

    private Claim<Msg> claim(BatchDeduplicator<Msg> deduplicator, List<Msg> batch) {
        return deduplicator.claim(batch, Msg::id, clock.instant().plus(VISIBILITY));
    }

    private Claim<Msg> claim(List<Msg> batch) {
        return claim(dedup, batch);
    }

    private double deduplicatedCount() {
        return registry.get(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT).tag("mapping", "orders").counter().count();
    }

    private static List<Msg> msgs(String... ids) {
        return java.util.Arrays.stream(ids).map(Msg::of).toList();
    }

    @Nested
    class Redelivery {

        @Test
        void firstDeliveryGoesToTheHandlerAndARedeliveryAfterSuccessIsSkipped() {
            List<Msg> batch = msgs("a", "b", "c");

            Claim<Msg> first = claim(batch);
            assertThat(first.toProcess()).containsExactlyElementsOf(batch);
            assertThat(first.duplicates()).isEmpty();
            first.completed(first.toProcess());

            // e.g. a queue redelivers because the delete failed, or a stream restarts before its checkpoint
            Claim<Msg> again = claim(batch);
            assertThat(again.toProcess()).isEmpty();
            assertThat(again.duplicates()).containsExactlyElementsOf(batch);
            assertThat(again.inProgressElsewhere()).isEmpty();
            assertThat(deduplicatedCount()).isEqualTo(3);
        }

        @Test
        void retryAfterAPartialFailureProcessesOnlyTheRecordsNotCompleted() {
            List<Msg> batch = msgs("1", "2", "3", "4", "5");
            Claim<Msg> first = claim(batch);
            // The handler reports "3" failed: Lambda resends a stream from 3 on, so 4 and 5 come back too.
            first.completed(List.of(batch.get(0), batch.get(1), batch.get(3), batch.get(4)));
            first.failed(List.of(batch.get(2)));

            Claim<Msg> retry = claim(batch.subList(2, 5));

            assertThat(retry.toProcess()).containsExactly(batch.get(2));
            assertThat(retry.duplicates()).containsExactly(batch.get(3), batch.get(4));
        }

        @Test
        void wholeBatchFailureReleasesEveryClaimSoThatTheRetryProcessesThemAll() {
            List<Msg> batch = msgs("a", "b");
            Claim<Msg> first = claim(batch);
            first.failed(first.toProcess());

            assertThat(claim(batch).toProcess()).containsExactlyElementsOf(batch);
        }

        @Test
        void restartBeforeCheckpointSkipsCompletedRecordsAndWaitsForTheCrashedConsumersClaims() {
            List<Msg> batch = msgs("1", "2", "3");
            Claim<Msg> beforeCrash = claim(batch);
            beforeCrash.completed(List.of(batch.get(0))); // crashed while handling 2 and 3, nothing checkpointed

            BatchDeduplicator<Msg> restarted = builder().build();
            Claim<Msg> early = claim(restarted, batch);
            assertThat(early.duplicates()).containsExactly(batch.get(0));
            assertThat(early.inProgressElsewhere()).containsExactly(batch.get(1), batch.get(2));
            assertThat(early.toProcess()).isEmpty();

            clock.advance(VISIBILITY); // the crashed consumer's claims lapse at its batch deadline
            Claim<Msg> later = claim(restarted, batch);
            assertThat(later.duplicates()).containsExactly(batch.get(0));
            assertThat(later.toProcess()).containsExactly(batch.get(1), batch.get(2));
        }

        @Test
        void queueRedeliveryWhileTheFirstConsumerStillWorksWaitsAndLaterProcessesOnlyWhatIsLeft() {
            BatchDeduplicator<Msg> consumerA = builder().build();
            BatchDeduplicator<Msg> consumerB = builder().build();
            List<Msg> batch = msgs("m1", "m2");
            Claim<Msg> a = claim(consumerA, batch);

            Claim<Msg> concurrent = claim(consumerB, batch); // a standard queue delivered the messages twice
            assertThat(concurrent.inProgressElsewhere()).containsExactlyElementsOf(batch);
            assertThat(concurrent.toProcess()).isEmpty();

            a.completed(List.of(batch.get(0)));
            clock.advance(VISIBILITY); // A never finishes m2; its visibility timeout passes
            Claim<Msg> redelivered = claim(consumerB, batch);
            assertThat(redelivered.duplicates()).containsExactly(batch.get(0));
            assertThat(redelivered.toProcess()).containsExactly(batch.get(1));
        }

        @Test
        void consumerWhoseClaimLapsedCannotReleaseTheClaimThatTookOver() {
            BatchDeduplicator<Msg> slow = builder().build();
            List<Msg> batch = msgs("m1");
            Claim<Msg> slowClaim = claim(slow, batch);
            clock.advance(VISIBILITY);
            Claim<Msg> takeover = claim(batch);
            assertThat(takeover.toProcess()).containsExactlyElementsOf(batch);

            slowClaim.failed(batch);

            assertThat(claim(batch).inProgressElsewhere()).containsExactlyElementsOf(batch);
            takeover.completed(batch);
            assertThat(claim(batch).duplicates()).containsExactlyElementsOf(batch);
        }

        @Test
        void recordIsProcessedAgainOnceItsCompletedTtlHasPassed() {
            BatchDeduplicator<Msg> shortTtl = builder()
                    .settings(IdempotencySettings.builder().completedTtl(Duration.ofMinutes(10)).build()).build();
            List<Msg> batch = msgs("a");
            Claim<Msg> first = claim(shortTtl, batch);
            first.completed(batch);

            clock.advance(Duration.ofMinutes(10).minusSeconds(1));
            assertThat(claim(shortTtl, batch).duplicates()).containsExactlyElementsOf(batch);
            clock.advance(Duration.ofSeconds(1));
            assertThat(claim(shortTtl, batch).toProcess()).containsExactlyElementsOf(batch);
        }
    }

    @Nested
    class WithinOneBatch {

        @Test
        void laterRecordWithTheSameKeyIsADuplicateOfTheFirst() {
            BatchDeduplicator<Msg> byBody = builder().key(IdempotencyKey.jsonPointerInBytes("/orderId",
                    m -> m.body().getBytes(UTF_8))).build();
            Msg first = new Msg("m1", "{\"orderId\":\"o-1\"}");
            Msg other = new Msg("m2", "{\"orderId\":\"o-2\"}");
            Msg repeat = new Msg("m3", "{\"orderId\":\"o-1\"}");

            Claim<Msg> claim = claim(byBody, List.of(first, other, repeat));

            assertThat(claim.toProcess()).containsExactly(first, other);
            assertThat(claim.duplicates()).containsExactly(repeat);
            assertThat(deduplicatedCount()).isEqualTo(1);
        }

        @Test
        void laterRecordWithAKeyInProgressElsewhereWaitsToo() {
            BatchDeduplicator<Msg> byBody = builder().key(IdempotencyKey.jsonPointerInBytes("/orderId",
                    m -> m.body().getBytes(UTF_8))).build();
            Msg held = new Msg("m1", "{\"orderId\":\"o-1\"}");
            claim(byBody, List.of(held));
            Msg redelivered = new Msg("m1", held.body());
            Msg sameOrder = new Msg("m9", held.body());

            Claim<Msg> claim = claim(byBody, List.of(redelivered, sameOrder));

            assertThat(claim.inProgressElsewhere()).containsExactly(redelivered, sameOrder);
            assertThat(claim.duplicates()).isEmpty();
        }
    }

    @Nested
    class Expiries {

        @Test
        void claimsLastUntilTheBatchDeadlineByDefault() {
            Instant deadline = clock.instant().plus(Duration.ofMinutes(3));
            dedup.claim(msgs("a"), Msg::id, deadline);

            assertThat(store.acquire("a", null, "other", deadline.plusSeconds(60)))
                    .isEqualTo(new AcquireResult.InProgressElsewhere(deadline));
        }

        @Test
        void inProgressExpirySettingOverridesTheBatchDeadline() {
            BatchDeduplicator<Msg> fixed = builder()
                    .settings(IdempotencySettings.builder().inProgressExpiry(Duration.ofMinutes(15)).build()).build();
            fixed.claim(msgs("a"), Msg::id, clock.instant().plusSeconds(30));

            assertThat(store.acquire("a", null, "other", clock.instant()))
                    .isEqualTo(new AcquireResult.InProgressElsewhere(clock.instant().plus(Duration.ofMinutes(15))));
        }

        @Test
        void completedEntriesGetTheCompletedTtlFromTheTimeOfCompletion() {
            Claim<Msg> claim = claim(msgs("a"));
            clock.advance(Duration.ofSeconds(20));
            claim.completed(claim.toProcess());

            assertThat(store.acquire("a", null, "other", clock.instant().plusSeconds(1)))
                    .isEqualTo(new AcquireResult.AlreadyCompleted(null, clock.instant().plus(Duration.ofHours(1))));
        }

        @Test
        void deadlineThatIsNotInTheFutureIsRejected() {
            Instant now = clock.instant();

            assertThatThrownBy(() -> dedup.claim(msgs("a"), Msg::id, now))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("batchDeadline 2026-01-01T00:00:00Z is not after the current time "
                            + "2026-01-01T00:00:00Z. Expected the future instant by which the handler must finish this "
                            + "batch.");
            assertThat(store.size()).isZero();
        }
    }

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
                    .hasMessageStartingWith("Payload validation failed for idempotency key 'm1': its payload differs "
                            + "from the payload already seen under that key (SHA-256 "
                            + PayloadHash.sha256Hex("{\"amount\":10}".getBytes(UTF_8)) + " expected, "
                            + PayloadHash.sha256Hex("{\"amount\":99}".getBytes(UTF_8)) + " received).")
                    .hasMessageNotContaining("amount")
                    .satisfies(e -> assertThat(((IdempotencyValidationException) e).key()).isEqualTo("m1"));
            // The failed call claimed nothing: m0 is processable at once.
            assertThat(claim(validating, List.of(new Msg("m0", "x"))).toProcess()).hasSize(1);
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
            BatchDeduplicator.Builder<Msg> noPayload = BatchDeduplicator.<Msg>builder(store, registry, Tags.empty())
                    .settings(IdempotencySettings.builder().payloadValidation(true).build());

            assertThatThrownBy(noPayload::build)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("PayloadValidation is true but no payload function was given. Expected "
                            + "Builder.payload(record -> bytes) to hash payloads.");
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
            BatchDeduplicator<Msg> onTiny = BatchDeduplicator.<Msg>builder(tiny, registry, Tags.empty()).clock(clock)
                    .build();

            assertThatThrownBy(() -> claim(onTiny, msgs("a", "b", "c")))
                    .isInstanceOf(IdempotencyStoreFullException.class);
            assertThat(tiny.size()).isZero();
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
            assertThat(store.acquire("c", null, "other", clock.instant().plusSeconds(1)))
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
            IdempotencyStore failingOnB = new IdempotencyStore() {
                @Override
                public AcquireResult acquire(String key, String hash, String owner, Instant expiry) {
                    return store.acquire(key, hash, owner, expiry);
                }

                @Override
                public void complete(String key, String payloadHash, Instant ttlExpiry) {
                    if (key.equals("b")) {
                        throw new IllegalStateException("store unavailable");
                    }
                    store.complete(key, payloadHash, ttlExpiry);
                }

                @Override
                public boolean release(String key, String owner) {
                    return store.release(key, owner);
                }
            };
            BatchDeduplicator<Msg> flaky = BatchDeduplicator.<Msg>builder(failingOnB, registry, Tags.empty())
                    .clock(clock).build();
            Claim<Msg> claim = claim(flaky, msgs("a", "b", "c"));

            assertThatThrownBy(() -> claim.completed(claim.toProcess())).hasMessage("store unavailable");
            assertThat(claim(msgs("a", "c")).duplicates()).hasSize(2);
        }
    }

    @Test
    void duplicatesAreCountedWithTheGivenTags() {
        Claim<Msg> first = claim(msgs("a", "b"));
        first.completed(first.toProcess());
        claim(msgs("a", "b", "c"));
        claim(msgs("a"));

        Counter counter = registry.get("DeduplicatedEventCount").tags("mapping", "orders").counter();
        assertThat(counter.count()).isEqualTo(3);
    }

    @Test
    void emptyBatchClaimsNothing() {
        Claim<Msg> claim = claim(List.of());

        assertThat(claim.toProcess()).isEmpty();
        claim.completed(List.of());
        assertThat(store.size()).isZero();
    }
}
