package io.esm4j.handler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/** What a handler returns for a batch that it did not fail with an exception. */
public sealed interface BatchResult {

    /** Every record of the batch succeeded. */
    static BatchResult success() {
        return Success.INSTANCE;
    }

    /**
     * ReportBatchItemFailures: the item identifiers of the records that failed: a stream record's sequence number,
     * an SQS message id, or a source's structured id (Kafka: a map of {@code partition} and {@code offset}), as the
     * source's event names it. An empty collection means success; a null or blank id, or one that is not in the
     * batch, makes the response malformed, which fails the whole batch.
     */
    static BatchResult failures(@Nullable Collection<? extends @Nullable Object> itemIdentifiers) {
        if (itemIdentifiers == null || itemIdentifiers.isEmpty()) {
            return success();
        }
        return new ItemFailures(Collections.unmodifiableList(new ArrayList<@Nullable Object>(itemIdentifiers)));
    }

    static BatchResult failures(@Nullable Object @Nullable ... itemIdentifiers) {
        return failures(itemIdentifiers == null ? null : java.util.Arrays.asList(itemIdentifiers));
    }

    /** Tumbling windows: the window's new state; every record succeeded. A null state fails the invocation. */
    static BatchResult state(@Nullable Map<String, String> state) {
        return state(state, List.of());
    }

    /** Tumbling windows: the window's new state, and the records that failed (with ReportBatchItemFailures). */
    static BatchResult state(@Nullable Map<String, String> state,
                             @Nullable Collection<? extends @Nullable Object> itemIdentifiers) {
        return new WindowState(state, itemIdentifiers == null ? List.of()
                : Collections.unmodifiableList(new ArrayList<@Nullable Object>(itemIdentifiers)));
    }

    /** The whole batch succeeded. */
    enum Success implements BatchResult {
        INSTANCE
    }

    /** Some records failed; the list keeps nulls and blanks so that the engine can reject them as Lambda does. */
    record ItemFailures(List<@Nullable Object> itemIdentifiers) implements BatchResult {}

    /**
     * A tumbling-window response: the state to pass to the next invocation of the window, and failed ids as in
     * {@link ItemFailures}. A null state fails the batch, as a response without state does in Lambda.
     */
    record WindowState(@Nullable Map<String, String> state, List<@Nullable Object> itemIdentifiers)
            implements BatchResult {}

    /** A response that could not be understood; it fails the whole batch. */
    record Malformed(String reason) implements BatchResult {}
}
