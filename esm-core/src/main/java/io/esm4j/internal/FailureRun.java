package io.esm4j.internal;

import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.event.Level;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The log of one failure that may repeat for hours (a poison record retried, a source throttled or unreachable): the
 * first failure in a row is a WARN with its stack trace, the next ones DEBUG, with a WARN summary (the exception's
 * class, how many failed meanwhile, no stack trace) at most once per {@link #SUMMARY_INTERVAL}; the end of a run of
 * more than one failure is an INFO line. Metrics and the mapping's status count every failure; the log only has to say
 * that it happens and that it stopped. Thread-safe; the lock guards counters only, never a log call.
 */
public final class FailureRun {

    /** At most one WARN per run and interval after the first. */
    public static final Duration SUMMARY_INTERVAL = Duration.ofMinutes(5);

    /** How to log one failure. */
    public record Report(Level level, int inARow, int notWarned, boolean first) {

        /** A WARN that is not the run's first: a summary, without the stack trace. */
        public boolean summary() {
            return level == Level.WARN && !first;
        }
    }

    private final LongSupplier nanoTime;
    private final long intervalNanos;
    private final ReentrantLock lock = new ReentrantLock();
    private int inARow;
    private int notWarned;
    private long lastWarnNanos;

    public FailureRun() {
        this(System::nanoTime, SUMMARY_INTERVAL);
    }

    public FailureRun(LongSupplier nanoTime, Duration interval) {
        this.nanoTime = nanoTime;
        this.intervalNanos = interval.toNanos();
    }

    /** Counts a failure; says at which level to log it. */
    public Report failed() {
        long now = nanoTime.getAsLong();
        lock.lock();
        try {
            inARow++;
            if (inARow == 1 || now - lastWarnNanos >= intervalNanos) {
                Report report = new Report(Level.WARN, inARow, notWarned, inARow == 1);
                lastWarnNanos = now;
                notWarned = 0;
                return report;
            }
            notWarned++;
            return new Report(Level.DEBUG, inARow, notWarned, false);
        } finally {
            lock.unlock();
        }
    }

    /** Ends the run, if any; returns how many failures it had in a row (0: none). */
    public int succeeded() {
        lock.lock();
        try {
            int ended = inARow;
            inARow = 0;
            notWarned = 0;
            return ended;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A builder for the failure's line at the report's level. Only the run's first WARN carries the cause with its
     * stack trace (unless {@code stackTraceOnFirst} is false: an expected condition such as throttling); every other
     * line names the cause's class only, and a summary says how many failures it stands for.
     */
    public static LoggingEventBuilder log(Logger log, Report report, @Nullable Throwable cause,
            boolean stackTraceOnFirst) {
        LoggingEventBuilder line = log.atLevel(report.level()).addKeyValue("failuresInARow", report.inARow());
        if (report.summary()) {
            line = line.addKeyValue("notLoggedAtWarn", report.notWarned());
        }
        if (cause == null) {
            return line;
        }
        return report.first() && stackTraceOnFirst ? line.setCause(cause)
                : line.addKeyValue("error", cause.getClass().getName());
    }

    /** The INFO line that ends a run of more than one failure (a single failure's WARN speaks for itself). */
    public static boolean logRecovery(int ended) {
        return ended > 1;
    }
}
