package io.esm4j.internal.queue;

import io.esm4j.queue.QueueMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A batch as its poller gathered it: the messages in receive order, and for each message the filter failed on, that
 * failure. The filter runs once per received message, as it is received (it may parse the body): the batch's
 * handling fails these messages by this verdict instead of running the filter again.
 *
 * @param messages       every message of the batch, in receive order, those the filter failed on included
 * @param filterFailures the failure of each message the filter failed on, by identity (a standard queue may hand out
 *                       two equal copies of a message)
 */
record CollectedBatch<T>(List<QueueMessage<T>> messages, Map<QueueMessage<T>, PollerFailure> filterFailures) {

    /**
     * A received message the filter kept, or failed on.
     *
     * @param filterFailure null when the filter passed the message; else {@code filter failed on message <id>} with
     *                      the filter's exception, which is how the message fails in its batch
     */
    record Kept<T>(QueueMessage<T> message, @Nullable PollerFailure filterFailure) {}

    CollectedBatch {
        messages = List.copyOf(messages);
        filterFailures = Collections.unmodifiableMap(new IdentityHashMap<>(filterFailures));
    }

    static <T> CollectedBatch<T> of(List<Kept<T>> kept) {
        List<QueueMessage<T>> messages = new ArrayList<>(kept.size());
        Map<QueueMessage<T>, PollerFailure> failures = new IdentityHashMap<>(0);
        for (Kept<T> k : kept) {
            messages.add(k.message());
            if (k.filterFailure() != null) {
                failures.put(k.message(), k.filterFailure());
            }
        }
        return new CollectedBatch<>(messages, failures);
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    /** The messages the filter passed, in receive order. */
    List<QueueMessage<T>> passed() {
        return filterFailures.isEmpty() ? messages
                : messages.stream().filter(m -> !filterFailures.containsKey(m)).toList();
    }
}
