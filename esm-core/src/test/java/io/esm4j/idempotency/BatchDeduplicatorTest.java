package io.esm4j.idempotency;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The redeliveries an engine relies on, simulated at component level, and what one batch's claim decides. */
class BatchDeduplicatorTest extends DeduplicatorFixture {

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
            // Counted when the engine reports them done, not when claimed: a failed batch brings them back.
            assertThat(deduplicatedCount()).isZero();
            again.skipped(again.duplicates());
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
            // A shard waiting on a crashed consumer's claims shows in a metric, not only in its iterator age.
            assertThat(inProgressElsewhereCount()).isEqualTo(2);

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
            claim.skipped(claim.duplicates());
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

            assertThat(store.acquire("orders:a", null, "other", deadline.plusSeconds(60)))
                    .isEqualTo(new AcquireResult.InProgressElsewhere(deadline));
        }

        @Test
        void inProgressExpirySettingOverridesTheBatchDeadline() {
            BatchDeduplicator<Msg> fixed = builder()
                    .settings(IdempotencySettings.builder().inProgressExpiry(Duration.ofMinutes(15)).build()).build();
            fixed.claim(msgs("a"), Msg::id, clock.instant().plusSeconds(30));

            assertThat(store.acquire("orders:a", null, "other", clock.instant()))
                    .isEqualTo(new AcquireResult.InProgressElsewhere(clock.instant().plus(Duration.ofMinutes(15))));
        }

        @Test
        void completedEntriesGetTheCompletedTtlFromTheTimeOfCompletion() {
            Claim<Msg> claim = claim(msgs("a"));
            clock.advance(Duration.ofSeconds(20));
            claim.completed(claim.toProcess());

            assertThat(store.acquire("orders:a", null, "other", clock.instant().plusSeconds(1)))
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

    @Test
    void duplicatesAreCountedWithTheGivenTags() {
        Claim<Msg> first = claim(msgs("a", "b"));
        first.completed(first.toProcess());
        Claim<Msg> second = claim(msgs("a", "b", "c"));
        second.skipped(second.duplicates());
        Claim<Msg> third = claim(msgs("a"));
        third.skipped(third.duplicates());

        Counter counter = registry.get("DeduplicatedEventCount").tags("mapping", "orders").counter();
        assertThat(counter.count()).isEqualTo(3);
    }

    /** Each duplicate counts once: passing one twice, or a record that is no duplicate, is a mistake of the engine. */
    @Test
    void aDuplicateIsReportedSkippedOnce() {
        Claim<Msg> first = claim(msgs("a"));
        first.completed(first.toProcess());
        Claim<Msg> again = claim(msgs("a", "b"));
        again.skipped(again.duplicates());

        assertThatThrownBy(() -> again.skipped(again.duplicates()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an unreported duplicate of this claim");
        assertThatThrownBy(() -> again.skipped(again.toProcess()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(deduplicatedCount()).isEqualTo(1);
    }

    @Test
    void emptyBatchClaimsNothing() {
        Claim<Msg> claim = claim(List.of());

        assertThat(claim.toProcess()).isEmpty();
        claim.completed(List.of());
        assertThat(store.size()).isZero();
    }
}
