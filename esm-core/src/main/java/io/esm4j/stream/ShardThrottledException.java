package io.esm4j.stream;

/**
 * Thrown by a {@link ShardReader} whose calls the service throttled {@link #REPORT_EVERY} times in a row, so that a
 * shard that can hardly be read shows in the mapping's status and not only in a growing IteratorAge: the shard's
 * read limits are shared by all its readers, and another application reading the same shard can take them for
 * minutes. The engine handles it as any failed read (it counts in PollingErrorCount, backs off, and opens a new reader
 * after the last record handed out) and shows
 * {@code PROBLEM: reading shard <id> throttled <n> times in a row (<call>: <error>); another consumer may be reading
 * the shard ...} until a read works again. A reader throws it once per {@link #REPORT_EVERY} throttled calls in a row
 * and backs off between the others.
 */
public final class ShardThrottledException extends Exception {

    /** Throttled calls in a row per report: few enough to show within a minute, more than a passing burst. */
    public static final int REPORT_EVERY = 5;

    private final int inARow;

    /**
     * @param call     the throttled call, e.g. {@code GetRecords}
     * @param inARow   throttled calls in a row so far
     * @param throttle the service's answer to the last of them
     */
    public ShardThrottledException(String call, int inARow, Throwable throttle) {
        super("throttled " + inARow + " times in a row (" + call + ": " + throttle.getClass().getSimpleName()
                + (throttle.getMessage() == null ? "" : ": " + throttle.getMessage()) + "); another consumer may be "
                + "reading the shard, sharing its read limits; the reader keeps trying", throttle);
        this.inARow = inARow;
    }

    /** Whether a reader should report its {@code inARow}-th throttled call in a row rather than back off. */
    public static boolean due(int inARow) {
        return inARow > 0 && inARow % REPORT_EVERY == 0;
    }

    public int inARow() {
        return inARow;
    }
}
