package io.esm4j.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;

/**
 * For tests in any package: makes the engine's starts of threads whose name matches fail as the JVM's do when it
 * cannot create a thread, until {@link #allow()}; counts the starts refused. Close it after the test.
 */
public final class ThreadStarts implements AutoCloseable {

    private final Pattern names;
    private final AtomicBoolean refusing = new AtomicBoolean(true);
    private final AtomicInteger refused = new AtomicInteger();
    /** Refuses this many starts, then allows; negative: until {@link #allow()}. */
    private final int limit;

    private ThreadStarts(String regex, int limit) {
        this.names = Pattern.compile(regex);
        this.limit = limit;
        EngineThreads.refuseStarts(this::refuses);
    }

    /** Refuses every start of a thread whose whole name matches {@code regex} until {@link #allow()}. */
    public static ThreadStarts refuse(String regex) {
        return new ThreadStarts(regex, -1);
    }

    /** Refuses the first {@code count} starts of threads whose whole name matches {@code regex}. */
    public static ThreadStarts refuseFirst(String regex, int count) {
        return new ThreadStarts(regex, count);
    }

    private boolean refuses(String name) {
        if (!refusing.get() || !names.matcher(name).matches()) {
            return false;
        }
        if (limit >= 0 && refused.get() >= limit) {
            return false;
        }
        refused.incrementAndGet();
        return true;
    }

    /** How many starts were refused so far. */
    public int refused() {
        return refused.get();
    }

    public void allow() {
        refusing.set(false);
    }

    @Override
    public void close() {
        EngineThreads.refuseStarts(name -> false);
    }
}
