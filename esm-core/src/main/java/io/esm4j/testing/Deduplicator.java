package io.esm4j.testing;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * FIFO deduplication: a send whose deduplication id was seen in the last 5 minutes is accepted but not queued, and
 * gets the original's id. Deleting the original doesn't end its interval, as in SQS. Guarded by the queue's lock.
 */
final class Deduplicator {

    static final long INTERVAL_MILLIS = Duration.ofMinutes(5).toMillis();

    private record Seen(String deduplicationId, SendResult original, long expiresAt) {}

    private final Map<String, Seen> byId = new HashMap<>();
    /** In send order, so expired entries are dropped from the head in amortized O(1). */
    private final ArrayDeque<Seen> bySendTime = new ArrayDeque<>();

    /** The send that {@code deduplicationId} duplicates, or {@code null} when it is new. */
    @Nullable SendResult original(String deduplicationId, long now) {
        expire(now);
        Seen seen = byId.get(deduplicationId);
        return seen == null || seen.expiresAt <= now ? null : seen.original;
    }

    void remember(String deduplicationId, SendResult sent, long now) {
        Seen seen = new Seen(deduplicationId, sent, now + INTERVAL_MILLIS);
        byId.put(deduplicationId, seen);
        bySendTime.add(seen);
    }

    private void expire(long now) {
        while (!bySendTime.isEmpty() && bySendTime.peek().expiresAt <= now) {
            Seen oldest = bySendTime.poll();
            // A clock set backwards can re-add an id before its old entry expired; drop only the entry still mapped.
            byId.remove(oldest.deduplicationId, oldest);
        }
    }
}
