package io.esm4j.idempotency;

import static org.assertj.core.api.Assertions.assertThat;

import io.esm4j.testing.MutableClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * Many consumers deliver overlapping records at once, as competing SQS consumers or a standard queue's duplicate
 * deliveries would: while keys stay COMPLETED, each is processed exactly once.
 */
class BatchDeduplicatorConcurrencyTest {

    private static final int KEYS = 2_000;
    private static final int CONSUMERS = 16;
    private static final int BATCH = 25;

    @Test
    void eachKeyIsProcessedExactlyOnceAcrossConcurrentConsumers() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(100_000, clock);
        AtomicIntegerArray inFlight = new AtomicIntegerArray(KEYS);
        AtomicIntegerArray completions = new AtomicIntegerArray(KEYS);
        AtomicInteger overlaps = new AtomicInteger();

        List<Integer> duplicatesSeen = InMemoryIdempotencyStoreTest.runConcurrently(CONSUMERS, consumer -> {
            BatchDeduplicator<Integer> dedup = BatchDeduplicator.<Integer>builder(store, "orders", registry,
                    Tags.empty()).clock(clock).build();
            Random random = new Random(consumer);
            // Every consumer sees every key, in its own order, until each one is done here or elsewhere.
            List<Integer> pending = new ArrayList<>();
            for (int k = 0; k < KEYS; k++) {
                pending.add(k);
            }
            Collections.shuffle(pending, random);
            int duplicates = 0;
            while (!pending.isEmpty()) {
                List<Integer> batch = new ArrayList<>(pending.subList(0, Math.min(BATCH, pending.size())));
                pending.subList(0, batch.size()).clear();
                Claim<Integer> claim = dedup.claim(batch, String::valueOf, clock.instant().plusSeconds(300));
                for (int key : claim.toProcess()) {
                    if (inFlight.getAndIncrement(key) != 0) {
                        overlaps.incrementAndGet();
                    }
                }
                Thread.yield(); // the "handler": give other consumers a chance to overlap, if they could
                for (int key : claim.toProcess()) {
                    inFlight.decrementAndGet(key); // before the claim is resolved, while no one else can start
                }
                // Some handler calls fail: the retry must process those records, here or in another consumer.
                if (random.nextInt(10) == 0) {
                    claim.failed(claim.toProcess());
                    pending.addAll(claim.toProcess());
                } else {
                    claim.toProcess().forEach(completions::incrementAndGet);
                    claim.completed(claim.toProcess());
                }
                duplicates += claim.duplicates().size();
                claim.skipped(claim.duplicates());
                pending.addAll(claim.inProgressElsewhere());
            }
            return duplicates;
        });

        assertThat(overlaps.get()).as("records processed by two consumers at once").isZero();
        for (int k = 0; k < KEYS; k++) {
            assertThat(completions.get(k)).as("times key %d was processed successfully", k).isEqualTo(1);
        }
        int duplicates = duplicatesSeen.stream().mapToInt(Integer::intValue).sum();
        assertThat(duplicates).isEqualTo(KEYS * (CONSUMERS - 1));
        assertThat(registry.get(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT).counter().count()).isEqualTo(duplicates);
    }
}
