package io.esm4j.worker.mappings;

import io.esm4j.internal.FailureRun;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * One revision's start attempts: why the last one failed (the reason shown while the start is retried), what its
 * failed mapping showed as its processing result, when the next attempt may begin, and the restarts after fatal
 * stops with their backoff. Written by the start and restart paths, which hold the mapping's start claim; read by the
 * API and the supervisor.
 */
final class StartAttempts {

    private final AtomicReference<@Nullable String> problem = new AtomicReference<>();
    /**
     * The last processing result the failed start's esm-core mapping left (Lambda's certificate message, say), shown
     * until a start works: that mapping is stopped and taken out, and its result would go with it.
     */
    private final AtomicReference<@Nullable String> result = new AtomicReference<>();
    private final AtomicInteger failures = new AtomicInteger();
    /** The log of failed starts in a row: one WARN, then DEBUG and a summary at most every 5 minutes. */
    private final FailureRun run = new FailureRun();
    private volatile long nextAttemptNanos;
    /** When the esm-core mapping last started: a mapping that keeps failing is told from one that ran a while. */
    private volatile long startedAtNanos;
    /** Fatal stops in a row, each without a long enough run between: the exponent of the restart backoff. */
    private final AtomicInteger fatalStopsInARow = new AtomicInteger();
    /** Restarts after the esm-core mapping stopped itself on a fatal error, over this revision's life. */
    private final AtomicInteger fatalRestarts = new AtomicInteger();
    /**
     * A class whose static initializer failed, met by a failed start or a fatal stop of this revision: never cleared,
     * since no later start in this process can heal it (a start that works only postpones the class's next use).
     */
    private final AtomicReference<@Nullable ClassInitFailure> classInit = new AtomicReference<>();

    /**
     * @param failedResult the failed mapping's last processing result, if it built one
     * @param classInit    the failure's class-initialization error, if it was one
     */
    void failed(String problem, @Nullable String failedResult, @Nullable ClassInitFailure classInit,
                long retryAtNanos) {
        this.problem.set(classInit == null ? problem : problem + "; " + classInitFailed(classInit).advice());
        result.set(ManagedMapping.NO_RECORDS_PROCESSED.equals(failedResult) ? null : failedResult);
        failures.incrementAndGet();
        nextAttemptNanos = retryAtNanos;
    }

    void started() {
        startedAtNanos = System.nanoTime();
        problem.set(null);
        result.set(null);
        failures.set(0);
    }

    /**
     * Counts a fatal stop and schedules the restart: the backoff doubles with each fatal stop in a row, and a run of
     * at least {@code max} since the last start begins the row anew (a rare fatal error is restarted quickly).
     *
     * @return the backoff before the restart
     */
    Duration fatalStop(String reason, Duration first, Duration max, long nowNanos) {
        int inARow = nowNanos - startedAtNanos >= max.toNanos() ? 1 : fatalStopsInARow.get() + 1;
        fatalStopsInARow.set(inARow);
        long backoff = Math.min(max.toMillis(), first.toMillis() << Math.min(inARow - 1, 20));
        int restart = fatalRestarts.incrementAndGet();
        ClassInitFailure init = ClassInitFailure.in(reason);
        problem.set(reason.replaceFirst("^PROBLEM: ", "") + "; restarting in " + backoff + " ms (restart " + restart
                + ", " + inARow + " fatal stop" + (inARow == 1 ? "" : "s") + " in a row)"
                + (init == null ? "" : "; " + classInitFailed(init).advice()));
        nextAttemptNanos = nowNanos + backoff * 1_000_000;
        return Duration.ofMillis(backoff);
    }

    /** Keeps the newest sighting that names the class; returns what is kept now. */
    private ClassInitFailure classInitFailed(ClassInitFailure seen) {
        return Objects.requireNonNull(classInit.updateAndGet(seen::or));
    }

    /** The class whose failed initializer this revision met, for good; null while it met none. */
    @Nullable ClassInitFailure classInit() {
        return classInit.get();
    }

    /** Why the last attempt failed, or the fatal stop being restarted; null while none did. */
    @Nullable String problem() {
        return problem.get();
    }

    /** The failed attempt's last processing result, if it showed one; null otherwise. */
    @Nullable String result() {
        return result.get();
    }

    int failures() {
        return failures.get();
    }

    int fatalRestarts() {
        return fatalRestarts.get();
    }

    FailureRun run() {
        return run;
    }

    long nextAttemptNanos() {
        return nextAttemptNanos;
    }
}
