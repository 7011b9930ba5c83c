package io.esm4j.worker.invoke;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with full jitter between retries of throttled or failed HTTP invocations. */
final class Backoff {

    private static final Duration INITIAL = Duration.ofMillis(100);
    private static final Duration MAX = Duration.ofSeconds(5);

    private Backoff() {}

    /** Sleeps before retry number {@code attempt} (1 = the first retry). */
    static void pause(int attempt) throws InterruptedException {
        long cap = Math.min(MAX.toMillis(), INITIAL.toMillis() << Math.min(attempt - 1, 16));
        Thread.sleep(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
    }

    /** Lambda and HTTP targets both retry throttling and server errors; other statuses are the function's answer. */
    static boolean retryable(int status) {
        return status == 429 || status >= 500;
    }
}
