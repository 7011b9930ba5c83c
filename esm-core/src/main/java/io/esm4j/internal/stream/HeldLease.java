package io.esm4j.internal.stream;

import io.esm4j.lease.Lease;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A lease this worker holds: the newest version it knows (whose counter is the token of its next write), and until
 * when it may process the shard without a successful renewal.
 *
 * <p>Other workers call a lease expired once they have seen its counter stand still for the failover time, by their
 * own clocks. A renewal that started at {@code t} is seen by them no earlier than {@code t}, so they cannot take the
 * lease before {@code t + failoverTime}; the holder stops reading and forming batches at
 * {@code t + failoverTime - margin}. Invocations it started before run on (see ShardWorker's wind-down).
 */
final class HeldLease {

    private final AtomicReference<Lease> current;
    private final long failoverNanos;
    private final long marginNanos;
    private volatile long lastRenewalStartNanos;
    /** The counter a renewal was last tried with without an answer (the call failed), or -1. */
    private volatile long unansweredRenewal = -1;
    /** When the first unanswered renewal of {@link #unansweredRenewal} started. */
    private volatile long unansweredSinceNanos;

    /** @param takenAtNanos {@link System#nanoTime()} when the take that returned {@code taken} started */
    HeldLease(Lease taken, long takenAtNanos, Duration failoverTime, Duration margin) {
        this.current = new AtomicReference<>(taken);
        this.failoverNanos = failoverTime.toNanos();
        this.marginNanos = margin.toNanos();
        this.lastRenewalStartNanos = takenAtNanos;
    }

    Lease current() {
        return current.get();
    }

    String shardId() {
        return current.get().shardId();
    }

    /** A renewal (or take) that started at {@code startNanos} returned {@code renewed}. */
    void renewed(Lease renewed, long startNanos) {
        current.updateAndGet(known -> renewed.counter() > known.counter() ? renewed : known);
        lastRenewalStartNanos = startNanos;
    }

    /**
     * A renewal of {@code held} that started at {@code startNanos} failed without an answer: the store may have made
     * it. Of several such attempts with one token, the first one's start is kept: any of them may be the one made.
     */
    void renewalUnanswered(Lease held, long startNanos) {
        if (unansweredRenewal != held.counter()) {
            unansweredSinceNanos = startNanos;
            unansweredRenewal = held.counter();
        }
    }

    /**
     * When the first unanswered renewal of the current token started: a refusal recognised as this worker's own
     * write ({@link #renewalRetried}) was made by an attempt no earlier than that, so that is when the lease moved.
     */
    long unansweredSinceNanos() {
        return unansweredSinceNanos;
    }

    /**
     * True if a renewal of {@code held} was tried before without an answer: only then can a refusal show this
     * worker's own write, and not another process's that uses the same worker id.
     */
    boolean renewalRetried(Lease held) {
        return unansweredRenewal == held.counter();
    }

    /** A checkpoint write returned {@code written}; a renewal that raced with it may already be newer. */
    void checkpointed(Lease written) {
        current.updateAndGet(known -> known.counter() == written.counter() ? written : known);
    }

    /** True once the lease may have expired in another worker's eyes: stop processing the shard. */
    boolean expiredLocally(long nowNanos) {
        return nowNanos - lastRenewalStartNanos >= failoverNanos - marginNanos;
    }

    long nanosSinceRenewal(long nowNanos) {
        return nowNanos - lastRenewalStartNanos;
    }
}
