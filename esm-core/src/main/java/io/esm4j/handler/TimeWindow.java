package io.esm4j.handler;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * The tumbling window a batch belongs to (TumblingWindowInSeconds, docs/lambda-semantics.md §5), with the state the
 * handler returned from the previous invocation of the window. The handler must answer with
 * {@link BatchResult#state(Map)}; a response without state fails the invocation. A handler that invokes a real
 * function sends it the window event ({@link RecordsJson#withWindow}, which the sources' event writers apply) and reads
 * its answer with {@link LambdaResponses#parse(Batch, String)}.
 *
 * @param start                  the window's start (inclusive), by record arrival time
 * @param end                    the window's end (exclusive)
 * @param state                  the state returned by the previous invocation of this window; empty at first
 * @param isFinalInvokeForWindow true for the invocation that closes the window: it carries no records, only the
 *                               state, so the handler can emit its aggregate
 * @param isWindowTerminatedEarly true when something other than its time running out closed the window: its state
 *                               passed 1 MB, its records filled the shard's buffer (their later records then go to
 *                               a new session of the same window), or the shard ended (also once the window's end has
 *                               passed: records of its time go on in the child shards)
 */
public record TimeWindow(Instant start, Instant end, Map<String, String> state, boolean isFinalInvokeForWindow,
                         boolean isWindowTerminatedEarly) {

    public TimeWindow {
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("a window must end after it starts, but it starts at " + start
                    + " and ends at " + end);
        }
        state = Map.copyOf(state);
    }
}
