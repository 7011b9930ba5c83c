package io.esm4j.handler;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;

/** What a handler returns for a batch that it did not fail with an exception. */
public sealed interface BatchResult {

    /** Every record of the batch succeeded. */
    static BatchResult success() {
        return Success.INSTANCE;
    }

    /**
     * ReportBatchItemFailures: the ids (stream sequence numbers, SQS message ids) of the records that failed. An
     * empty collection means success; a null or blank id makes the response malformed, which fails the whole batch.
     */
    static BatchResult failures(Collection<String> itemIdentifiers) {
        if (itemIdentifiers == null || itemIdentifiers.isEmpty()) {
            return success();
        }
        return new ItemFailures(Collections.unmodifiableList(new ArrayList<>(itemIdentifiers)));
    }

    static BatchResult failures(String... itemIdentifiers) {
        return failures(itemIdentifiers == null ? null : java.util.Arrays.asList(itemIdentifiers));
    }

    /** The whole batch succeeded. */
    enum Success implements BatchResult {
        INSTANCE
    }

    /** Some records failed; the list keeps nulls and blanks so that the engine can reject them as Lambda does. */
    record ItemFailures(List<String> itemIdentifiers) implements BatchResult {}

    /** A response that could not be understood; it fails the whole batch. */
    record Malformed(String reason) implements BatchResult {}
}
