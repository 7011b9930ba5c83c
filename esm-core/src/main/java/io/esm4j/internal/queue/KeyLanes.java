package io.esm4j.internal.queue;

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
 */
final class KeyLanes<T> {

    private final Function<QueueMessage<T>, String> keyOf;
    private final Set<String> held = ConcurrentHashMap.newKeySet();

    KeyLanes(Function<QueueMessage<T>, String> keyOf) {
        this.keyOf = keyOf;
    }

    /** The split of a batch into what this poller may handle now and what must wait. */
    record Split<T>(List<QueueMessage<T>> mine, List<QueueMessage<T>> busy, Set<String> keysTaken) {}

    Split<T> take(List<QueueMessage<T>> messages) {
        List<QueueMessage<T>> mine = new ArrayList<>(messages.size());
        List<QueueMessage<T>> busy = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (QueueMessage<T> message : messages) {
            String key = keyOf.apply(message);
            if (taken.contains(key) || held.add(key)) {
                taken.add(key);
                mine.add(message);
            } else {
                busy.add(message);
            }
        }
        return new Split<>(mine, busy, taken);
    }

    void release(Set<String> keys) {
        keys.forEach(held::remove);
    }
}
