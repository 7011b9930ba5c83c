package io.esm4j.internal.stream;

import io.esm4j.handler.TimeWindow;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One open tumbling window of a shard: its bounds, the state the handler returned last, and the records already
 * aggregated. Those records are done only when the window's final invocation succeeds, so a restart replays the
 * whole window with fresh state instead of resuming mid-aggregate.
 */
final class WindowSession<T> {

    /** Lambda's limit on window state per shard; beyond it the window is terminated early. */
    static final int MAX_STATE_BYTES = 1024 * 1024;
    /**
     * How long after a window's end reading must have reached before the window counts as read to its end (when no
     * later record closes it first). A record's arrival stamp is not the moment it can be read: the stream stamps it
     * before the write completes, DynamoDB Streams rounds it down to the second, and the worker's clock is not the
     * stream's. Without the margin, a record stamped just before the end but readable just after it would find its
     * window closed and open a second session of it, with a second final invocation and a split aggregate.
     */
    static final Duration LATE_RECORD_GRACE = Duration.ofSeconds(5);

    final Instant start;
    final Instant end;
    final List<Entry<T>> aggregated = new ArrayList<>();
    private Map<String, String> state = Map.of();

    private WindowSession(Instant start, Instant end) {
        this.start = start;
        this.end = end;
    }

    /** The window that holds a record arriving at {@code arrival}. */
    static <T> WindowSession<T> containing(Instant arrival, int windowSeconds) {
        long start = Math.floorDiv(arrival.getEpochSecond(), windowSeconds) * windowSeconds;
        return new WindowSession<>(Instant.ofEpochSecond(start), Instant.ofEpochSecond(start + windowSeconds));
    }

    /** When reading must have reached for every record of the window to have been read ({@link #LATE_RECORD_GRACE}). */
    Instant readThrough() {
        return end.plus(LATE_RECORD_GRACE);
    }

    boolean contains(Instant arrival) {
        return !arrival.isBefore(start) && arrival.isBefore(end);
    }

    TimeWindow view(boolean isFinal, boolean terminatedEarly) {
        return new TimeWindow(start, end, state, isFinal, terminatedEarly);
    }

    void aggregated(List<Entry<T>> entries, Map<String, String> newState) {
        aggregated.addAll(entries);
        state = Map.copyOf(newState);
    }

    boolean stateTooBig() {
        long bytes = 0;
        for (Map.Entry<String, String> entry : state.entrySet()) {
            bytes += entry.getKey().getBytes(StandardCharsets.UTF_8).length
                    + entry.getValue().getBytes(StandardCharsets.UTF_8).length;
        }
        return bytes > MAX_STATE_BYTES;
    }
}
