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
 * The platform threads that every mapping's {@link LeaseRenewer} in this JVM shares: one clock thread that runs the
 * checks (quick, no I/O: it looks at timestamps and hands renewals out), and a pool for the renewal calls that reuses
 * idle threads and starts one only when all are busy. A renewer of its own per mapping cost a platform thread that
 * slept between checks, and a thread started per check: at 300 mappings and a check every FailoverTime / 6, some 180
 * thread starts a second. A call that hangs still holds up no other: the pool has no bound and no queue, so work that
 * finds every thread busy gets a new one, as it got a thread of its own before.
 */
final class RenewalThreads {

    /** How long an idle pool thread is kept: longer than the default check period, so that rounds reuse them. */
    private static final Duration KEEP_ALIVE = Duration.ofSeconds(60);

    private static final ScheduledExecutorService CLOCK = clock();
    private static final ExecutorService CALLS = new ThreadPoolExecutor(0, Integer.MAX_VALUE, KEEP_ALIVE.toNanos(),
            TimeUnit.NANOSECONDS, new SynchronousQueue<>(),
            Thread.ofPlatform().daemon().name("esm4j-lease-renewal-", 0).factory());

    private RenewalThreads() {}

    private static ScheduledExecutorService clock() {
        ScheduledThreadPoolExecutor clock = new ScheduledThreadPoolExecutor(1,
                Thread.ofPlatform().daemon().name("esm4j-lease-renewal-clock").factory());
        // A stopped mapping's checks leave the queue at once instead of at their next due time.
        clock.setRemoveOnCancelPolicy(true);
        return clock;
    }

    /** Runs {@code check} now and then every {@code period} after the end of the last run, until cancelled. */
    static ScheduledFuture<?> every(Duration period, Runnable check) {
        return CLOCK.scheduleWithFixedDelay(check, 0, period.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Runs {@code task} on the clock after {@code delay}; it must be as quick as a check. */
    static void after(Duration delay, Runnable task) {
        CLOCK.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
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
