package io.esm4j.internal.handler;

import io.esm4j.failure.FailureRecord.ResponseContext;
import io.esm4j.handler.BatchResult;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a handler's result means for a batch, read the way Lambda reads it (docs/lambda-semantics.md §2.3, §2.4, §9): the
 * response is ignored unless ReportBatchItemFailures is on; then every listed id must be a record of the batch,
 * or the whole batch fails.
 */
public sealed interface Verdict {

    record Succeeded() implements Verdict {}

    /**
     * The whole batch failed: the handler threw, or its response was malformed.
     *
     * @param response the failure record's {@code responseContext} if the batch is given up after this: the one a
     *                 {@link io.esm4j.handler.FunctionErrorException} carried, else {@link ResponseContext#unhandled()}
     *                 after a throw, or the response's own ({@link #answered}) after one that fails the batch
     */
    record Failed(String reason, ResponseContext response) implements Verdict {

        public Failed(String reason) {
            this(reason, ResponseContext.unhandled());
        }
    }

    /**
     * The function never got the batch: the idempotency store failed before the handler was called, the thread that
     * extends the batch's idempotency claims could not start, or the handler threw
     * {@link io.esm4j.handler.FunctionNotInvokedException} (throttled, unavailable). As for an error before the
     * function runs in Lambda, the retry does not count as a retry attempt.
     *
     * @param result the mapping's LastProcessingResult for it, one of {@link io.esm4j.internal.MappingStatus}'s texts
     */
    record NotInvoked(String reason, String result) implements Verdict {}

    /**
     * The records at these positions of the batch failed; the others succeeded. {@code notInvoked}: those of them the
     * handler never got, because another consumer holds their idempotency key. {@code response}: the failure
     * record's {@code responseContext} if they are given up after this, the one the handler's result carried
     * ({@link BatchResult#withResponse}).
     */
    record PartiallyFailed(BitSet failedPositions, BitSet notInvoked, ResponseContext response) implements Verdict {

        public PartiallyFailed(BitSet failedPositions) {
            this(failedPositions, new BitSet(), ResponseContext.itemFailures());
        }

        public int firstFailed() {
            return failedPositions.nextSetBit(0);
        }

        /** Whether the handler failed a record, rather than only records it never got. */
        public boolean handlerFailed() {
            BitSet handled = (BitSet) failedPositions.clone();
            handled.andNot(notInvoked);
            return !handled.isEmpty();
        }
    }

    /**
     * The Invoke response a result came in, for a failure record when a response that fails the whole batch though
     * the function answered (malformed, naming no record, a window response without state) gives its records up: no
     * function error, the function reported none. {@link ResponseContext#itemFailures()} for a result without one.
     */
    static ResponseContext answered(BatchResult result) {
        return switch (result) {
            case BatchResult.ItemFailures items -> items.response();
            case BatchResult.WindowState window -> window.response();
            case BatchResult.Malformed malformed -> malformed.response();
            case BatchResult.Success success -> ResponseContext.itemFailures();
            case null -> ResponseContext.itemFailures();
        };
    }

    /**
     * @param idsInBatch the batch's item identifiers in batch order (sequence numbers, message ids, or a source's
     *                   structured ids such as Kafka's partition and offset), compared with {@code equals}
     */
    static Verdict of(BatchResult result, boolean reportBatchItemFailures, List<?> idsInBatch) {
        if (!reportBatchItemFailures || result == null || result instanceof BatchResult.Success) {
            return new Succeeded();
        }
        if (result instanceof BatchResult.Malformed malformed) {
            return new Failed("malformed response: " + malformed.reason(), malformed.response());
        }
        // The same id can appear twice in one SQS receive, and every copy of a failed id failed: positions maps an
        // id to its first position, nextSame chains the later ones.
        List<?> failedIds;
        ResponseContext response;
        if (result instanceof BatchResult.WindowState window) {
            failedIds = window.itemIdentifiers();
            response = window.response();
        } else {
            BatchResult.ItemFailures items = (BatchResult.ItemFailures) result;
            failedIds = items.itemIdentifiers();
            response = items.response();
        }
        if (failedIds.isEmpty()) {
            return new Succeeded();
        }
        Map<Object, Integer> positions = new HashMap<>(idsInBatch.size() * 2);
        int[] nextSame = new int[idsInBatch.size()];
        for (int i = idsInBatch.size() - 1; i >= 0; i--) {
            Integer later = positions.put(idsInBatch.get(i), i);
            nextSame[i] = later == null ? -1 : later;
        }
        BitSet failed = new BitSet(idsInBatch.size());
        for (Object id : failedIds) {
            Integer position = id == null ? null : positions.get(id);
            if (position == null) {
                return new Failed("batch item failure '" + id + "' names no record of the batch", response);
            }
            for (int i = position; i >= 0; i = nextSame[i]) {
                failed.set(i);
            }
        }
        return failed.isEmpty() ? new Succeeded() : new PartiallyFailed(failed, new BitSet(), response);
    }
}
