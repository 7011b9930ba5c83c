package io.esm4j.worker.invoke;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter between retries of throttled or failed HTTP invocations.
 *
 * @param initial the longest wait before the first retry
 * @param max     the longest wait before any retry
 */
record Backoff(Duration initial, Duration max) {

    static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

    /** The wait before retry number {@code attempt} (1 = the first retry): between half the cap and the cap. */
    Duration delay(int attempt) {
        long cap = Math.min(max.toMillis(), initial.toMillis() << Math.min(attempt - 1, 16));
        return Duration.ofMillis(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
    }
}
