package io.esm4j.internal;

/**
 * Lengthens an idle wait a little so that it ends on a shared tick: the waits of many idle shards then end
 * together, and the JDK's timer and carrier threads wake once for a group of them instead of once for each.
 *
 * <p>Why: every timed wait of a virtual thread that ends at an instant of its own wakes the JDK's delayed-task
 * scheduler and a carrier thread from the operating system, which costs far more than the continuation's run. With
 * 1,000 idle shards each waking once a second, ending the waits on 100 ms ticks cut that cost to about a third
 * (bench/README.md, "Idle CPU, second round").
 *
 * <p>The tick is the largest power of ten of milliseconds that is at most a tenth of the interval waited (the
 * long poll, IdlePollInterval), so a wait grows by less than a tenth of it: 100 ms ticks for intervals of 1 s to
 * 10 s, 10 ms ticks from 100 ms. Intervals under 10 ms are not aligned. Ticks count from the origin of
 * {@link System#nanoTime()}, which every thread of a JVM shares.
 */
public final class IdleTicks {

    private static final long MILLI = 1_000_000L;
    private static final long SMALLEST_ALIGNED = 10 * MILLI;

    private IdleTicks() {}

    /**
     * The tick for waits of about {@code intervalNanos}: the largest power of ten of milliseconds that is at most a
     * tenth of it; 0 (no tick) under 10 ms. Shards with the same interval share it, however long each one's wait is.
     */
    public static long tickFor(long intervalNanos) {
        if (intervalNanos < SMALLEST_ALIGNED) {
            return 0;
        }
        long tick = MILLI;
        while (tick * 10 <= intervalNanos / 10) {
            tick *= 10;
        }
        return tick;
    }

    /**
     * How long to wait, at least {@code waitNanos} and less than one tick more, so that the wait ends on a tick.
     *
     * @param nowNanos  {@link System#nanoTime()} now
     * @param waitNanos the wait asked for; 0 or less is returned as it is
     * @param tickNanos from {@link #tickFor}; 0 returns the wait as it is
     */
    public static long waitToTick(long nowNanos, long waitNanos, long tickNanos) {
        if (waitNanos <= 0 || tickNanos <= 0) {
            return waitNanos;
        }
        long end = nowNanos + waitNanos;
        return waitNanos + Math.floorMod(-end, tickNanos);
    }
}
