package io.esm4j.internal.handler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.esm4j.idempotency.AcquireResult;
import io.esm4j.idempotency.BatchDeduplicator;
import io.esm4j.idempotency.IdempotencyStore;
import io.esm4j.idempotency.InMemoryIdempotencyStore;
import io.esm4j.internal.MappingStatus;
import io.esm4j.logging.LogCapture;
import io.esm4j.testing.ForwardingIdempotencyStore;
import io.esm4j.testing.MutableClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import java.time.Duration;
import java.time.Instant;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** How a handler's verdict is recorded in the idempotency store. */
class DeduplicatedTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final InMemoryIdempotencyStore memory = new InMemoryIdempotencyStore(100, clock);

    /** A store whose releases fail (a conditional delete refused by a throttled table, say). */
    private final IdempotencyStore cannotRelease = new ForwardingIdempotencyStore(memory) {
        @Override
        public boolean release(String key, String owner) {
            throw new IllegalStateException("idempotency store unavailable");
        }
    };

    /**
     * A handler still running when its claims' first expiry passes keeps them: another consumer given the same key
     * (a redelivery, a producer's duplicate) must not process the record at the same time. Only a consumer that stops
     * lets its claims lapse.
     */
    @Test
    void aHandlerThatOutlastsTheFirstExpiryKeepsItsClaims() throws Exception {
        AtomicInteger extensions = new AtomicInteger();
        IdempotencyStore counting = new ForwardingIdempotencyStore(memory) {
            @Override
            public boolean extend(String key, String payloadHash, String owner, Instant inProgressExpiry) {
                boolean extended = super.extend(key, payloadHash, owner, inProgressExpiry);
                extensions.incrementAndGet();
                return extended;
            }
        };
        BatchDeduplicator<String> dedup = BatchDeduplicator.<String>builder(counting, "orders",
                new SimpleMeterRegistry(), Tags.empty()).clock(clock).build();
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        // The claim lasts 1.5 s of the test clock; its renewals come every 0.5 s of real time.
        Instant firstExpiry = clock.instant().plusMillis(1_500);
        CompletableFuture<Verdict> verdict = CompletableFuture.supplyAsync(() -> {
            try {
                return Deduplicated.invoke("dedup", dedup, List.of("slow"), id -> id,
                        new ClaimTerm.Until(firstExpiry),
                        new RetryScope.FailedOnly<>(), new MappingStatus(), records -> {
                            running.countDown();
                            assertThat(finish.await(60, TimeUnit.SECONDS)).isTrue();
                            return new Verdict.Succeeded();
                        });
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(running.await(60, TimeUnit.SECONDS)).isTrue();

        clock.advance(Duration.ofSeconds(1));
        int before = extensions.get();
        // Two renewals after the clock moved: at least one read the new time, extending to 2.5 s or later.
        await().atMost(Duration.ofSeconds(60)).until(() -> extensions.get() >= before + 2);
        clock.advance(Duration.ofSeconds(1));

        assertThat(clock.instant()).isAfter(firstExpiry);
        assertThat(memory.acquire("orders:slow", null, "another consumer", clock.instant().plusSeconds(30)))
                .isInstanceOf(AcquireResult.InProgressElsewhere.class);
        finish.countDown();
        assertThat(verdict.get(60, TimeUnit.SECONDS)).isInstanceOf(Verdict.Succeeded.class);
        assertThat(memory.acquire("orders:slow", null, "another consumer", clock.instant().plusSeconds(30)))
                .isInstanceOf(AcquireResult.AlreadyCompleted.class);
    }

    /**
     * DeduplicatedEventCount counts a duplicate once, when it is skipped for good, as FilteredOutEventCount counts a
     * record filtered out once: a batch whose handler fails comes back with its duplicates, and counting them at each
     * attempt would report five skipped duplicates for one after five attempts. On a stream the records from the
     * lowest failed one on come back, duplicates among them too: they count when a later attempt skips them for good.
     */
    @Test
    void aDuplicateCountsOnceHoweverOftenItsBatchIsRetried() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        BatchDeduplicator<String> dedup = BatchDeduplicator.<String>builder(memory, "orders", registry, Tags.empty())
                .clock(clock).build();
        memory.complete("orders:d1", null, clock.instant().plusSeconds(3600));
        memory.complete("orders:d2", null, clock.instant().plusSeconds(3600));
        List<String> batch = List.of("d1", "a", "b", "d2");
        RetryScope<String> stream = new RetryScope.FromLowestFailure<>();
        ClaimTerm term = new ClaimTerm.Lasting(Duration.ofMinutes(1));

        // The handler throws, then fails the whole batch by its response: everything comes back, twice.
        assertThatThrownBy(() -> Deduplicated.invoke("dedup", dedup, batch, id -> id, term, stream,
                new MappingStatus(), records -> {
                    throw new IllegalStateException("handler failed");
                })).isInstanceOf(IllegalStateException.class);
        assertThat(Deduplicated.invoke("dedup", dedup, batch, id -> id, term, stream, new MappingStatus(),
                records -> new Verdict.Failed("malformed response"))).isInstanceOf(Verdict.Failed.class);
        assertThat(deduplicated(registry)).isZero();

        // "b" fails: d1 is done, d2 comes back with "b".
        BitSet secondOfTwo = new BitSet();
        secondOfTwo.set(1);
        Verdict partial = Deduplicated.invoke("dedup", dedup, batch, id -> id, term, stream, new MappingStatus(),
                records -> new Verdict.PartiallyFailed(secondOfTwo));
        assertThat(partial).isInstanceOf(Verdict.PartiallyFailed.class);
        assertThat(((Verdict.PartiallyFailed) partial).firstFailed()).isEqualTo(2);
        assertThat(deduplicated(registry)).isEqualTo(1);

        assertThat(Deduplicated.invoke("dedup", dedup, batch.subList(2, 4), id -> id, term, stream,
                new MappingStatus(), records -> new Verdict.Succeeded())).isInstanceOf(Verdict.Succeeded.class);
        assertThat(deduplicated(registry)).isEqualTo(2);
    }

    private static double deduplicated(SimpleMeterRegistry registry) {
        return registry.get(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT).counter().count();
    }

    @Test
    void theRecordsThatSucceededAreCompletedEvenWhenReleasingTheFailedOnesFails() throws Exception {
        BatchDeduplicator<String> dedup = BatchDeduplicator.<String>builder(cannotRelease, "orders",
                new SimpleMeterRegistry(), Tags.empty()).clock(clock).build();
        BitSet failed = new BitSet();
        failed.set(1);

        Verdict verdict = Deduplicated.invoke("dedup", dedup, List.of("a", "b", "c"), id -> id,
                new ClaimTerm.Until(clock.instant().plusSeconds(30)),
                new RetryScope.FailedOnly<>(), new MappingStatus(),
                records -> new Verdict.PartiallyFailed(failed));

        assertThat(verdict).isInstanceOf(Verdict.PartiallyFailed.class);
        for (String succeeded : List.of("a", "c")) {
            assertThat(memory.acquire("orders:" + succeeded, null, "another consumer", clock.instant().plusSeconds(30)))
                    .as(succeeded).isInstanceOf(AcquireResult.AlreadyCompleted.class);
        }
    }

    /**
     * A store's message may quote the key, and a key may be payload (a JSON pointer into the record): the log names
     * the exception's classes, never its message.
     */
    @Test
    void aStoreFailureIsLoggedByItsClassesNotItsMessage() throws Exception {
        IdempotencyStore quotingKeys = new ForwardingIdempotencyStore(memory) {
            @Override
            public boolean release(String key, String owner) {
                throw new IllegalStateException("cannot release " + key, new IllegalArgumentException("key " + key));
            }
        };
        BatchDeduplicator<String> dedup = BatchDeduplicator.<String>builder(quotingKeys, "orders",
                new SimpleMeterRegistry(), Tags.empty()).clock(clock).build();
        BitSet failed = new BitSet();
        failed.set(0);

        List<String> lines;
        try (LogCapture log = new LogCapture(Deduplicated.class)) {
            Deduplicated.invoke("dedup", dedup, List.of("jane@example.com"), id -> id,
                    new ClaimTerm.Until(clock.instant().plusSeconds(30)), new RetryScope.FailedOnly<>(),
                    new MappingStatus(), records -> new Verdict.PartiallyFailed(failed));
            lines = log.lines();
        }

        assertThat(lines).anySatisfy(line -> assertThat(line).contains("WARN")
                .contains("error=java.lang.IllegalStateException <- java.lang.IllegalArgumentException"));
        assertThat(String.join("\n", lines)).doesNotContain("jane@example.com");
    }
}
