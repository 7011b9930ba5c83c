package io.esm4j.internal.stream;

import io.esm4j.internal.handler.Fatal;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/** What a shard's status view shows of its troubles; written by the shard's threads, read by anyone. */
final class ShardHealth {

    private final Clock clock;
    private final AtomicLong restarts = new AtomicLong();
    private volatile String lastError;
    private volatile long iteratorAgeMillis = -1;
    private volatile long unfinishedSinceMillis = -1;

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
     * ended), or -1 when none is in flight.
     */
    void unfinishedSince(long arrivalMillis) {
        unfinishedSinceMillis = arrivalMillis;
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
        long since = unfinishedSinceMillis;
        long reader = iteratorAgeMillis;
        return since < 0 ? reader : Math.max(reader, Math.max(0, clock.millis() - since));
    }
}
