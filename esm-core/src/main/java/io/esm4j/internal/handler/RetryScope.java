package io.esm4j.internal.handler;

import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Which records of a batch come back to the handler after some failed (ReportBatchItemFailures): on streams and FIFO
 * queues more than the ones that failed. The idempotency store leaves all of them to the retry: a handler may stop at
 * its first failure, as AWS's examples do, so a record after it may never have been processed, and marked COMPLETED
 * it would be skipped as a duplicate when it comes back.
 *
 * @param <R> the record type
 */
public sealed interface RetryScope<R> {

    /** Streams and Kafka: every record from the lowest failed one on (docs/lambda-semantics.md §2.4). */
    record FromLowestFailure<R>() implements RetryScope<R> {}

    /** Standard SQS queues: only the failed messages. */
    record FailedOnly<R>() implements RetryScope<R> {}

    /** SQS FIFO queues: each failed message and every later message of its group, which stays in the queue too. */
    record FailedAndLaterInGroup<R>(Function<? super R, @Nullable String> group) implements RetryScope<R> {}

    /** The positions of {@code records} that come back when those at {@code failed} failed, these included. */
    default BitSet retried(List<? extends R> records, BitSet failed) {
        BitSet retried = (BitSet) failed.clone();
        switch (this) {
            case FromLowestFailure<R> fromLowest -> {
                if (!failed.isEmpty()) {
                    retried.set(failed.nextSetBit(0), records.size());
                }
            }
            case FailedOnly<R> failedOnly -> { }
            case FailedAndLaterInGroup<R> inGroup -> {
                Set<@Nullable String> stopped = new HashSet<>();
                for (int i = 0; i < records.size(); i++) {
                    @Nullable String group = inGroup.group().apply(records.get(i));
                    if (failed.get(i) || stopped.contains(group)) {
                        stopped.add(group);
                        retried.set(i);
                    }
                }
            }
        }
        return retried;
    }
}
