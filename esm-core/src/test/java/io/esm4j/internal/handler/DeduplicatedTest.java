package io.esm4j.internal.handler;

import static org.assertj.core.api.Assertions.assertThat;
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
        BatchDeduplicator<String> dedup = BatchDeduplicator.<String>builder(counting, new SimpleMeterRegistry(),
                Tags.empty()).clock(clock).build();
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
        assertThat(memory.acquire("slow", null, "another consumer", clock.instant().plusSeconds(30)))
                .isInstanceOf(AcquireResult.InProgressElsewhere.class);
        finish.countDown();
        assertThat(verdict.get(60, TimeUnit.SECONDS)).isInstanceOf(Verdict.Succeeded.class);
        assertThat(memory.acquire("slow", null, "another consumer", clock.instant().plusSeconds(30)))
                .isInstanceOf(AcquireResult.AlreadyCompleted.class);
    }

    @Test
    void theRecordsThatSucceededAreCompletedEvenWhenReleasingTheFailedOnesFails() throws Exception {
        BatchDeduplicator<String> dedup = BatchDeduplicator.<String>builder(cannotRelease, new SimpleMeterRegistry(),
                Tags.empty()).clock(clock).build();
        BitSet failed = new BitSet();
        failed.set(1);

        Verdict verdict = Deduplicated.invoke("dedup", dedup, List.of("a", "b", "c"), id -> id,
                new ClaimTerm.Until(clock.instant().plusSeconds(30)),
                new RetryScope.FailedOnly<>(), new MappingStatus(),
                records -> new Verdict.PartiallyFailed(failed));

        assertThat(verdict).isInstanceOf(Verdict.PartiallyFailed.class);
        for (String succeeded : List.of("a", "c")) {
            assertThat(memory.acquire(succeeded, null, "another consumer", clock.instant().plusSeconds(30)))
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
        BatchDeduplicator<String> dedup = BatchDeduplicator.<String>builder(quotingKeys, new SimpleMeterRegistry(),
                Tags.empty()).clock(clock).build();
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
