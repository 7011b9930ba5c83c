package io.esm4j.internal.stream;

import io.esm4j.handler.JsonSize;
import io.esm4j.handler.TimeWindow;
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

    /**
     * Lambda's limit on window state per shard; beyond it the window is terminated early. Counted as the state's
     * JSON object ({@link #stateBytes()}), the way it travels in the event.
     */
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
    private long stateBytes = jsonBytes(Map.of());

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
        stateBytes = jsonBytes(state);
    }

    boolean stateTooBig() {
        return stateBytes > MAX_STATE_BYTES;
    }

    /**
     * The state as a JSON object of strings ({@code {"k":"v",...}}, UTF-8, as Jackson writes a {@code Map<String,
     * String>}): what every event of the window carries besides its records, and so what counts against both the
     * 1 MB state limit and, with the records, the 6 MB payload cap. A state whose values are JSON texts (the worker
     * writes them unquoted) takes no more.
     */
    long stateBytes() {
        return stateBytes;
    }

    /**
     * The fields {@link io.esm4j.handler.RecordsJson#withWindow} adds to a batch's event, with empty values: spliced
     * in, a comma takes the place of the opening brace and the closing one that of the event's own.
     */
    private static final String EVENT_FIELDS = "{\"window\":{\"start\":,\"end\":},\"state\":,\"shardId\":,"
            + "\"eventSourceARN\":,\"isFinalInvokeForWindow\":false,\"isWindowTerminatedEarly\":false}";

    /**
     * What the window fields of an event add for one shard besides the window's bounds and state: the field names,
     * the shard id, the stream's ARN and the two flags (counted as {@code false}, the longer). Computed once per shard.
     */
    static long shardFieldBytes(String shardId, String eventSourceArn) {
        return EVENT_FIELDS.length() - 1 + JsonSize.string(shardId) + JsonSize.string(eventSourceArn);
    }

    /**
     * What the window fields add to the event of a batch of the window starting at {@code start}, with
     * {@code stateBytes} of state ({@link #stateBytes()}): against the 6 MB cap besides the records and the envelope.
     */
    static long eventFieldBytes(long shardFieldBytes, Instant start, int windowSeconds, long stateBytes) {
        return shardFieldBytes + JsonSize.string(start.toString())
                + JsonSize.string(start.plusSeconds(windowSeconds).toString()) + stateBytes;
    }

    static long jsonBytes(Map<String, String> state) {
        long bytes = 2 + Math.max(0, state.size() - 1);
        for (Map.Entry<String, String> entry : state.entrySet()) {
            bytes += jsonStringBytes(entry.getKey()) + 1 + jsonStringBytes(entry.getValue());
        }
        return bytes;
    }

    /**
     * A JSON string's bytes: {@link JsonSize#string}, except that a character outside the Basic Multilingual Plane
     * counts as its two surrogates escaped (6 bytes each), as Jackson writes bytes, rather than as 4 bytes of UTF-8 (a
     * writer that keeps it so writes less).
     */
    private static long jsonStringBytes(String value) {
        long surrogates = value.chars().filter(c -> Character.isSurrogate((char) c)).count();
        return JsonSize.string(value) + 4 * surrogates;
    }
}
