package io.esm4j.handler;

import io.esm4j.failure.FailureRecord.ResponseContext;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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

    /**
     * This result as it came in an Invoke response: a handler that calls a real Lambda function passes the call's
     * status code and {@code X-Amz-Executed-Version} (and no function error: the function answered), which the
     * on-failure destination's record then shows as its {@code responseContext} when the records this result fails
     * are given up. Without it that record says {@link ResponseContext#itemFailures()} (200, {@code $LATEST}).
     * The results that can fail records keep it ({@link ItemFailures}, {@link WindowState}, and {@link Malformed},
     * which fails the whole batch, as do failures naming no record of the batch and a window response without
     * state); {@link Success} is returned as it is.
     *
     * @throws IllegalArgumentException if {@code response} has a {@code functionError}: a function that failed
     *                                  throws ({@link FunctionErrorException}), it returns no result
     */
    default BatchResult withResponse(ResponseContext response) {
        return switch (this) {
            case ItemFailures failures -> new ItemFailures(failures.itemIdentifiers(), response);
            case WindowState window -> new WindowState(window.state(), window.itemIdentifiers(), response);
            case Success success -> success;
            case Malformed malformed -> new Malformed(malformed.reason(), response);
        };
    }

    /** The whole batch succeeded. */
    enum Success implements BatchResult {
        INSTANCE
    }

    /**
     * Some records failed; the list keeps nulls and blanks so that the engine can reject them as Lambda does.
     *
     * @param response the Invoke response the failures came in ({@link #withResponse})
     */
    record ItemFailures(List<@Nullable Object> itemIdentifiers, ResponseContext response) implements BatchResult {

        public ItemFailures {
            requireAnswered(response);
        }

        /** Failures of an in-process handler: {@link ResponseContext#itemFailures()}. */
        public ItemFailures(List<@Nullable Object> itemIdentifiers) {
            this(itemIdentifiers, ResponseContext.itemFailures());
        }
    }

    /**
     * A tumbling-window response: the state to pass to the next invocation of the window, and failed ids as in
     * {@link ItemFailures}. A null state fails the batch, as a response without state does in Lambda.
     *
     * @param response the Invoke response the state came in ({@link #withResponse})
     */
    record WindowState(@Nullable Map<String, String> state, List<@Nullable Object> itemIdentifiers,
                       ResponseContext response) implements BatchResult {

        public WindowState {
            requireAnswered(response);
        }

        /** The response of an in-process handler: {@link ResponseContext#itemFailures()}. */
        public WindowState(@Nullable Map<String, String> state, List<@Nullable Object> itemIdentifiers) {
            this(state, itemIdentifiers, ResponseContext.itemFailures());
        }
    }

    /**
     * A response that could not be understood; it fails the whole batch. The function ran and answered, so no function
     * error: its failure record shows the Invoke response it came in ({@link #withResponse}).
     */
    record Malformed(String reason, ResponseContext response) implements BatchResult {

        public Malformed {
            requireAnswered(response);
        }

        /** A response of an in-process handler: {@link ResponseContext#itemFailures()}. */
        public Malformed(String reason) {
            this(reason, ResponseContext.itemFailures());
        }
    }

    private static void requireAnswered(ResponseContext response) {
        Objects.requireNonNull(response, "response");
        if (response.functionError() != null) {
            throw new IllegalArgumentException("a response with results has no functionError, but this one has "
                    + response.functionError() + "; a function error is thrown: FunctionErrorException");
        }
    }
}
