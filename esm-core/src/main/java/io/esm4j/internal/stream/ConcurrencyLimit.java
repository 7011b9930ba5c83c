package io.esm4j.internal.stream;

import io.esm4j.internal.metrics.EngineMetrics;
import io.esm4j.metrics.MetricNames;
import io.esm4j.settings.StreamSettings;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * A stream mapping's MaximumConcurrency: permits shared by all its shards, one held for each invocation while it
 * runs (not while a retry backs off). Waiters are served first come, first served, so that a busy shard cannot keep
 * the others waiting forever; a released permit goes straight to the longest waiter.
 *
 * <p>A waiting lane gives up when its pipeline closes: {@link #wakeWaiters()} makes every waiter check its own
 * pipeline (a rare event: a stop, a revoke or a restart), so that a closing shard does not wait for a permit that
 * other shards hold.
 */
public final class ConcurrencyLimit {

    private final int permits;
    private final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private int inUse;

    ConcurrencyLimit(int permits) {
        this.permits = permits;
    }

    /**
     * The limit of a mapping with these settings, its gauges registered; null without MaximumConcurrency (no
     * mapping-wide cap: invocations take no permit).
     */
    public static ConcurrencyLimit of(StreamSettings settings, EngineMetrics metrics) {
        if (!settings.concurrencyCapped()) {
            return null;
        }
        ConcurrencyLimit limit = new ConcurrencyLimit(settings.maximumConcurrency());
        metrics.gauge(MetricNames.CONCURRENCY_IN_USE, EngineMetrics.Combine.SUM, limit, ConcurrencyLimit::inUse);
        metrics.gauge(MetricNames.CONCURRENCY_WAITING, EngineMetrics.Combine.SUM, limit, ConcurrencyLimit::waiting);
        return limit;
    }

    /** One lane waiting for a permit; {@code granted} is set by the releasing thread, which hands its permit over. */
    private static final class Waiter {
        final Condition wake;
        boolean granted;

        Waiter(Condition wake) {
            this.wake = wake;
        }
    }

    /**
     * Takes a permit, waiting for one in turn. Returns false, holding none, if {@code cancelled} says so before a
     * permit is taken or right after (the caller's pipeline closed while it waited).
     */
    boolean acquire(BooleanSupplier cancelled) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            if (waiters.isEmpty() && inUse < permits) {
                inUse++;
                return true;
            }
            Waiter waiter = new Waiter(lock.newCondition());
            waiters.addLast(waiter);
            try {
                while (!waiter.granted) {
                    if (cancelled.getAsBoolean()) {
                        waiters.remove(waiter);
                        return false;
                    }
                    waiter.wake.await();
                }
            } catch (InterruptedException e) {
                if (waiter.granted) {
                    releaseLocked();
                } else {
                    waiters.remove(waiter);
                }
                throw e;
            }
            if (cancelled.getAsBoolean()) {
                releaseLocked();
                return false;
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    void release() {
        lock.lock();
        try {
            releaseLocked();
        } finally {
            lock.unlock();
        }
    }

    /** Every waiter checks whether it was cancelled. */
    void wakeWaiters() {
        lock.lock();
        try {
            waiters.forEach(waiter -> waiter.wake.signal());
        } finally {
            lock.unlock();
        }
    }

    /** Invocations running under the limit. */
    int inUse() {
        lock.lock();
        try {
            return inUse;
        } finally {
            lock.unlock();
        }
    }

    /** Batches formed and waiting for a permit. */
    int waiting() {
        lock.lock();
        try {
            return waiters.size();
        } finally {
            lock.unlock();
        }
    }

    private void releaseLocked() {
        Waiter next = waiters.pollFirst();
        if (next == null) {
            inUse--;
        } else {
            next.granted = true;
            next.wake.signal();
        }
    }
}
