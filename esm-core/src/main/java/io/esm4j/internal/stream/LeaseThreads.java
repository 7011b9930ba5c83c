package io.esm4j.internal.stream;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The platform threads that the lease work of every stream mapping in this JVM shares: one clock thread that runs the
 * renewers' checks (quick, no I/O: they look at timestamps and hand renewals out) and schedules the coordinators'
 * rounds, and a pool for the renewal calls and the rounds that reuses idle threads and starts one only when all are
 * busy. A renewer thread and a coordinator thread of its own per mapping cost two platform threads that slept
 * between checks and rounds, and the renewer started a thread per check: at 300 mappings, 600 sleeping threads and,
 * with a check every FailoverTime / 6, some 180 thread starts a second. A call that hangs still holds up no other
 * mapping: the pool has no bound and no queue, so work that finds every thread busy gets a new one.
 */
final class LeaseThreads {

    /** How long an idle pool thread is kept: longer than the default check and listing periods, so rounds reuse them. */
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(60);

    private static final ScheduledExecutorService CLOCK = clock();
    private static final ExecutorService CALLS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_ALIVE.toNanos(),
            TimeUnit.NANOSECONDS, new SynchronousQueue<>(),
            Thread.ofPlatform().daemon().name("esm4j-leases-", 0).factory());

    private LeaseThreads() {}

    private static ScheduledExecutorService clock() {
        ScheduledThreadPoolExecutor clock = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("esm4j-leases-clock").factory());
        // A stopped mapping's checks leave the queue at once instead of at their next due time.
        clock.setRemoveOnCancelPolicy(true);
        return clock;
    }

    /** Runs {@code check} now and then every {@code period} after the end of the last run, until cancelled. */
    static ScheduledFuture<?> every(Duration period, Runnable check) {
        return CLOCK.scheduleWithFixedDelay(check, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code task} on the clock after {@code delay}; it must be as quick as a check. */
    static ScheduledFuture<?> after(Duration delay, Runnable task) {
        return CLOCK.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code call} on a pool thread named {@code name} while it runs (thread dumps show whose call hangs). */
    static void call(String name, Runnable call) {
        CALLS.execute(() -> {
            Thread thread = Thread.currentThread();
            String poolName = thread.getName();
            thread.setName(name);
            try {
                call.run();
            } finally {
                thread.setName(poolName);
            }
        });
    }
}
