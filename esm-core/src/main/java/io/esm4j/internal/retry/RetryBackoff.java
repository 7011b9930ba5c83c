package io.esm4j.internal.retry;

import io.github.resilience4j.core.IntervalFunction;
import java.time.Duration;

/** Exponential backoff with jitter between retries, from Resilience4j's interval functions. */
public final class RetryBackoff {

    private static final double MULTIPLIER = 2.0;
    private static final double RANDOMIZATION = 0.5;

    private final IntervalFunction intervals;

    public RetryBackoff(Duration initial, Duration max) {
        this.intervals = IntervalFunction.ofExponentialRandomBackoff(initial, MULTIPLIER, RANDOMIZATION, max);
    }

    /** The wait before retry number {@code attempt} (1 for the first retry). */
    public Duration delay(int attempt) {
        return Duration.ofMillis(intervals.apply(Math.max(1, attempt)));
    }
}
