package io.esm4j.stream.polling;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Spaces calls at least {@code 1/rate} apart, so that no half-open second ever holds more than {@code rate} calls.
 * A cycle-based rate limiter (Resilience4j's, say) lets the last call of one cycle and the first of the next go back
 * to back, which can put {@code rate + 1} calls into one second; a per-shard read limit such as Kinesis's 5 GetRecords
 * per second leaves no room for that. Not thread-safe: one shard reader owns it.
 */
public final class CallPacer {

    /** Waits that end early only by interruption; tests pass one that advances a fake time instead. */
    @FunctionalInterface
    public interface Sleeper {

        Sleeper SYSTEM = TimeUnit.NANOSECONDS::sleep;

        void sleep(long nanos) throws InterruptedException;
    }

    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private boolean called;
    private long nextAllowed;

    /** A pacer on {@link System#nanoTime()} that sleeps the calling thread. */
    public CallPacer(int callsPerSecond) {
        this(callsPerSecond, System::nanoTime, Sleeper.SYSTEM);
    }

    /**
     * @param nanoTime a monotonic time in nanoseconds, like {@link System#nanoTime()}
     * @param sleeper  how to wait until the next call may go
     */
    public CallPacer(int callsPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
        if (callsPerSecond < 1) {
            throw new IllegalArgumentException("callsPerSecond must be at least 1 but was " + callsPerSecond);
        }
        this.intervalNanos = Duration.ofSeconds(1).toNanos() / callsPerSecond;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    /** Returns when the next call may go, and counts it as made. */
    public void awaitTurn() throws InterruptedException {
        long now = nanoTime.getAsLong();
        if (called && now - nextAllowed < 0) {
            sleeper.sleep(nextAllowed - now);
            now = nextAllowed;
        }
        called = true;
        nextAllowed = now + intervalNanos;
    }
}
