package io.esm4j.internal.stream;

import io.esm4j.internal.handler.Fatal;
import java.util.concurrent.atomic.AtomicLong;

/** What a shard's status view shows of its troubles; written by the shard's threads, read by anyone. */
final class ShardHealth {

    private final AtomicLong restarts = new AtomicLong();
    private volatile String lastError;
    private volatile long iteratorAgeMillis = -1;

    void restarted(Throwable cause) {
        restarts.incrementAndGet();
        failed(cause);
    }

    void failed(Throwable cause) {
        lastError = Fatal.describe(cause);
    }

    void iteratorAge(long millis) {
        iteratorAgeMillis = millis;
    }

    long restarts() {
        return restarts.get();
    }

    String lastError() {
        return lastError;
    }

    long iteratorAgeMillis() {
        return iteratorAgeMillis;
    }
}
