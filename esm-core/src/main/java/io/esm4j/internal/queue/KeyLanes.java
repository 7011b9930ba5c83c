package io.esm4j.internal.queue;

import io.esm4j.internal.handler.Fatal;
import io.esm4j.queue.QueueMessage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The opt-in per-key lane mode for standard queues: a key (a message group id, a customer id...) is handled by one
 * poller at a time, in the order that poller received its messages. A poller takes the keys of its batch that no
 * other poller holds; messages of a held key go back to the queue to be received again after the key is free.
 * A null key means the message has no key: any poller handles it at once. A message whose key function throws is
 * set aside, so that one bad message neither stops the batch nor leaves a key taken.
 */
final class KeyLanes<T> {

    private final Function<QueueMessage<T>, String> keyOf;
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    KeyLanes(Function<QueueMessage<T>, String> keyOf) {
        this.keyOf = keyOf;
    }

    /** A message the key function failed on. */
    record KeyFailure<T>(QueueMessage<T> message, Throwable cause) {}

    /** The split of a batch into what this poller may handle now, what must wait, and what has no usable key. */
    record Split<T>(List<QueueMessage<T>> mine, List<QueueMessage<T>> busy, Set<String> keysTaken,
                    List<KeyFailure<T>> failures) {}

    /** Takes keys for this poller; release {@link Split#keysTaken()} when done, whatever happened meanwhile. */
    Split<T> take(List<QueueMessage<T>> messages) {
        List<QueueMessage<T>> mine = new ArrayList<>(messages.size());
        List<QueueMessage<T>> busy = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        List<KeyFailure<T>> failures = new ArrayList<>(0);
        try {
            for (QueueMessage<T> message : messages) {
                String key;
                try {
                    key = keyOf.apply(message);
                } catch (Throwable e) {
                    Fatal.rethrowIfFatal(e);
                    failures.add(new KeyFailure<>(message, e));
                    continue;
                }
                if (key == null || taken.contains(key) || held.add(key)) {
                    if (key != null) {
                        taken.add(key);
                    }
                    mine.add(message);
                } else {
                    busy.add(message);
                }
            }
        } catch (Throwable fatal) {
            release(taken);
            throw fatal;
        }
        return new Split<>(mine, busy, taken, failures);
    }

    void release(Set<String> keys) {
        keys.forEach(held::remove);
    }
}
