package io.esm4j.worker.logging;

import io.esm4j.internal.FailureRun;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;

/**
 * The WARN lines of one Kafka client logger, at most one per {@link #INTERVAL}. With a broker down, every consumer's
 * and producer's {@code NetworkClient} warns at each reconnect ("Connection to node -1 ... could not be
 * established"), about once a second, for as long as the outage lasts; esm4j's own failures that repeat are logged
 * once, then at most every 5 minutes (FailureRun). The client gives no sign that the outage ended, so this counts
 * lines, not failures: the first WARN is written, the next ones within the interval are not, and the next WARN after
 * it says how many were not ({@code notLoggedAtWarn}). A broker that stays down still shows every 5 minutes.
 */
final class WarnLimit {

    static final Duration INTERVAL = FailureRun.SUMMARY_INTERVAL;

    private final LongSupplier nanoTime;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean warned;
    private long lastWarnNanos;
    private int notWarned;

    WarnLimit(LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
    }

    /** -1 if this WARN is not to be written; otherwise how many were not since the last one written (0: none). */
    int warn() {
        long now = nanoTime.getAsLong();
        lock.lock();
        try {
            if (warned && now - lastWarnNanos < INTERVAL.toNanos()) {
                notWarned++;
                return -1;
            }
            warned = true;
            lastWarnNanos = now;
            int skipped = notWarned;
            notWarned = 0;
            return skipped;
        } finally {
            lock.unlock();
        }
    }
}
