package io.esm4j.idempotency;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.esm4j.testing.MutableClock;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** What the deduplicator tests share: an engine-like record, a clock, a store and a deduplicator on them. */
abstract class DeduplicatorFixture {

    /** A record as an engine would hold it: an id from the source and a JSON body. */
    record Msg(String id, String body) {
        static Msg of(String id) {
            return new Msg(id, "{\"orderId\":\"" + id + "\"}");
        }
    }

    static final Duration VISIBILITY = Duration.ofSeconds(30);

    final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore(10_000, clock);

    BatchDeduplicator.Builder<Msg> builder() {
        return BatchDeduplicator.<Msg>builder(store, "orders", registry, Tags.of("mapping", "orders")).clock(clock)
                .payload(m -> m.body() == null ? null : m.body().getBytes(UTF_8));
    }

    final BatchDeduplicator<Msg> dedup = builder().build();

    Claim<Msg> claim(BatchDeduplicator<Msg> deduplicator, List<Msg> batch) {
        return deduplicator.claim(batch, Msg::id, clock.instant().plus(VISIBILITY));
    }

    Claim<Msg> claim(List<Msg> batch) {
        return claim(dedup, batch);
    }

    double deduplicatedCount() {
        return registry.get(BatchDeduplicator.DEDUPLICATED_EVENT_COUNT).tag("mapping", "orders").counter().count();
    }

    double inProgressElsewhereCount() {
        return registry.get(BatchDeduplicator.IN_PROGRESS_ELSEWHERE_EVENT_COUNT).tag("mapping", "orders").counter()
                .count();
    }

    static List<Msg> msgs(String... ids) {
        return Arrays.stream(ids).map(Msg::of).toList();
    }
}
