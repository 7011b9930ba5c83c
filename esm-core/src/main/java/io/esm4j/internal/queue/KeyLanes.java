package io.esm4j.internal.queue;

import io.esm4j.internal.PayloadCap;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.queue.QueueMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The opt-in per-key lane mode for standard queues: a key (a customer id...) is handled by one poller at a time, in
 * the order its messages were received. A poller takes the keys of its batch that no other poller holds. A message
 * whose key another poller holds waits here, behind that key, and the holder handles it before it lets the key go:
 * sending it back to the queue instead would count a receive each time, and the redrive policy would move messages
 * the handler never saw to the dead-letter queue. The heartbeat of the poller that received a waiting message keeps
 * it invisible until the holder takes it over.
 *
 * <p>At most {@code maxWaiting} messages wait at once, so memory stays bounded; beyond that a message whose key is
 * busy goes back to the queue. A null key means the message has no key: any poller handles it at once. A message
 * whose key function throws is set aside, so that one bad message neither stops the batch nor leaves a key taken.
 */
final class KeyLanes<T> {

    /** A message waiting for a key, and the heartbeat that keeps it invisible meanwhile. */
    record Waiting<T>(QueueMessage<T> message, VisibilityHeartbeat<T> tracker) {}

    /** A message the key function failed on. */
    record KeyFailure<T>(QueueMessage<T> message, Throwable cause) {}

    /**
     * The split of a batch.
     *
     * @param mine      what this poller handles now, in receive order
     * @param waiting   what now waits behind a key another poller holds, which that poller handles
     * @param busy      what has a busy key when no more may wait: it goes back to the queue
     * @param keysTaken the keys this poller now holds; {@link #next} and {@link #abandon} release them
     */
    record Split<T>(List<QueueMessage<T>> mine, List<QueueMessage<T>> waiting, List<QueueMessage<T>> busy,
                    Set<String> keysTaken, List<KeyFailure<T>> failures) {}

    private record Keyed<T>(QueueMessage<T> message, String key) {}

    private final Function<QueueMessage<T>, String> keyOf;
    private final int maxWaiting;
    private final ReentrantLock lock = new ReentrantLock();
    /** Every held key and what waits for it, oldest first; guarded by {@code lock}. */
    private final Map<String, ArrayDeque<Waiting<T>>> held = new HashMap<>();
    /** Messages waiting behind all keys; guarded by {@code lock}. */
    private int waitingCount;

    KeyLanes(Function<QueueMessage<T>, String> keyOf, int maxWaiting) {
        this.keyOf = keyOf;
        this.maxWaiting = maxWaiting;
    }

    /**
     * Takes keys for this poller and queues the messages of keys held elsewhere behind them. The caller must
     * {@link VisibilityHeartbeat#lend lend} {@link Split#waiting()} and release its keys through {@link #next} or
     * {@link #abandon}, whatever happens meanwhile.
     */
    Split<T> take(List<QueueMessage<T>> messages, VisibilityHeartbeat<T> tracker) {
        List<KeyFailure<T>> failures = new ArrayList<>(0);
        List<Keyed<T>> keyed = new ArrayList<>(messages.size());
        // The key function is user code: it runs before the lock is taken.
        for (QueueMessage<T> message : messages) {
            try {
                keyed.add(new Keyed<>(message, keyOf.apply(message)));
            } catch (Throwable e) {
                Fatal.rethrowIfFatal(e);
                failures.add(new KeyFailure<>(message, e));
            }
        }
        List<QueueMessage<T>> mine = new ArrayList<>(keyed.size());
        List<QueueMessage<T>> waiting = new ArrayList<>(0);
        List<QueueMessage<T>> busy = new ArrayList<>(0);
        Set<String> taken = new HashSet<>();
        lock.lock();
        try {
            for (Keyed<T> k : keyed) {
                if (k.key() == null || taken.contains(k.key())) {
                    mine.add(k.message());
                } else if (!held.containsKey(k.key())) {
                    held.put(k.key(), new ArrayDeque<>());
                    taken.add(k.key());
                    mine.add(k.message());
                } else if (waitingCount < maxWaiting) {
                    held.get(k.key()).add(new Waiting<>(k.message(), tracker));
                    waitingCount++;
                    waiting.add(k.message());
                } else {
                    busy.add(k.message());
                }
            }
        } finally {
            lock.unlock();
        }
        return new Split<>(mine, waiting, busy, taken, failures);
    }

    /**
     * The next messages waiting behind the holder's {@code keys}, oldest first per key, at most {@code max} and within
     * the 6 MB cap with the event's {@code envelopeBytes}. Keys nothing waits for are released and removed from
     * {@code keys}; empty once all are released.
     */
    List<Waiting<T>> next(Set<String> keys, int max, int envelopeBytes) {
        List<Waiting<T>> next = new ArrayList<>();
        long bytes = envelopeBytes;
        lock.lock();
        try {
            for (Iterator<String> it = keys.iterator(); it.hasNext(); ) {
                String key = it.next();
                ArrayDeque<Waiting<T>> queue = held.get(key);
                if (queue.isEmpty()) {
                    held.remove(key);
                    it.remove();
                    continue;
                }
                while (!queue.isEmpty() && next.size() < max
                        && PayloadCap.admits(bytes, next.size(), queue.peek().message().sizeBytes())) {
                    Waiting<T> first = queue.poll();
                    next.add(first);
                    bytes += first.message().sizeBytes();
                    waitingCount--;
                }
            }
        } finally {
            lock.unlock();
        }
        return next;
    }

    /** Releases the holder's keys at once and returns what still waited behind them. */
    List<Waiting<T>> abandon(Set<String> keys) {
        List<Waiting<T>> left = new ArrayList<>(0);
        lock.lock();
        try {
            for (String key : keys) {
                ArrayDeque<Waiting<T>> queue = held.remove(key);
                if (queue != null) {
                    left.addAll(queue);
                    waitingCount -= queue.size();
                }
            }
            keys.clear();
        } finally {
            lock.unlock();
        }
        return left;
    }

    /** Takes back every message that {@code tracker}'s poller left waiting, e.g. to release it at stop. */
    List<QueueMessage<T>> withdraw(VisibilityHeartbeat<T> tracker) {
        List<QueueMessage<T>> withdrawn = new ArrayList<>(0);
        lock.lock();
        try {
            for (ArrayDeque<Waiting<T>> queue : held.values()) {
                for (Iterator<Waiting<T>> it = queue.iterator(); it.hasNext(); ) {
                    Waiting<T> waiting = it.next();
                    if (waiting.tracker() == tracker) {
                        withdrawn.add(waiting.message());
                        it.remove();
                        waitingCount--;
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        return withdrawn;
    }
}
