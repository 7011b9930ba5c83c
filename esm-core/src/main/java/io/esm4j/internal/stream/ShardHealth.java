package io.esm4j.internal.stream;

import io.esm4j.internal.handler.Fatal;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/** What a shard's status view shows of its troubles; written by the shard's threads, read by anyone. */
final class ShardHealth {

    private final Clock clock;
    private final AtomicLong restarts = new AtomicLong();
    private volatile String lastError;
    private volatile long iteratorAgeMillis = -1;
    /**
     * The oldest record not yet done, as the session that owns the mark last said. One health outlives the worker's
     * sessions: a mark that a replaced session left behind must not outlive it, or an idle shard whose undone records
     * were trimmed meanwhile (retention passed) would show an age that grows for good.
     */
    private final AtomicReference<Unfinished> unfinished = new AtomicReference<>(new Unfinished(null, -1));

    /** {@code sinceMillis} as reported by {@code session}, or -1 when none is in flight. */
    private record Unfinished(Object session, long sinceMillis) {}

    ShardHealth(Clock clock) {
        this.clock = clock;
    }

    void restarted(Throwable cause) {
        restarts.incrementAndGet();
        failed(cause);
    }

    void failed(Throwable cause) {
        lastError = Fatal.describe(cause);
    }

    /** How far the reader is behind the shard's newest record, after a fetch. */
    void iteratorAge(long millis) {
        iteratorAgeMillis = millis;
    }

    /**
     * When the oldest record read and not yet done arrived (epoch millis; with tumbling windows, when its window
     * ended), or -1 when none is in flight; ignored unless {@code session} owns the mark ({@link #takeUnfinished}):
     * a replaced session whose lanes or reader still report speaks of records nobody will finish.
     */
    void unfinishedSince(Object session, long arrivalMillis) {
        unfinished.updateAndGet(seen -> seen.session() == session ? new Unfinished(session, arrivalMillis) : seen);
    }

    /**
     * From now on only {@code session} reports the oldest record not yet done; what the previous session said stands
     * until it does. A session takes the mark once it has read the shard again: the undone records it finds are marked
     * anew, and records that are gone (trimmed while the shard restarted) no longer count.
     */
    void takeUnfinished(Object session) {
        unfinished.updateAndGet(seen -> new Unfinished(session, seen.sinceMillis()));
    }

    long restarts() {
        return restarts.get();
    }

    String lastError() {
        return lastError;
    }

    /**
     * The larger of how far the reader is behind the shard's newest record and how long the oldest record read and
     * not yet done has been in the stream, or -1 before the first fetch. Lambda's IteratorAge is the age of a batch's
     * records when the function gets them, so it climbs while a batch is retried; the reader's lag alone would stay at
     * 0 while a shard is stuck on a record that keeps failing, its reader at the tip.
     */
    long iteratorAgeMillis() {
        long since = unfinished.get().sinceMillis();
        long reader = iteratorAgeMillis;
        return since < 0 ? reader : Math.max(reader, Math.max(0, clock.millis() - since));
    }
}
