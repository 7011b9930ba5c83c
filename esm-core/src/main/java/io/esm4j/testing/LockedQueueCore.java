package io.esm4j.testing;

import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Everything an {@link InMemoryQueue} guards with its one lock, so that what runs under it can be read in one place:
 * the messages ({@link QueueCore}), the FIFO deduplication ids, and the condition a long poll waits on. Each method
 * holds the lock for in-memory work only. The queue does the argument checks, the hashing and the redrive hand-over
 * outside it, so that senders and other queues never wait on this lock for them.
 */
final class LockedQueueCore {

    private final boolean fifo;
    private final Clock clock;
    private final QueueCore core;
    private final @Nullable Deduplicator deduplicator;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition deliverable = lock.newCondition();

    LockedQueueCore(QueueCore core, boolean fifo, Clock clock) {
        this.fifo = fifo;
        this.clock = clock;
        this.core = core;
        this.deduplicator = fifo ? new Deduplicator() : null;
    }

    /** Queues a message, or on a FIFO queue answers a duplicate with its original's result. */
    SendResult send(MessageContent content) {
        String dedupId = content.deduplicationId();
        lock.lock();
        try {
            long now = clock.millis();
            if (deduplicator != null && dedupId != null) {
                SendResult original = deduplicator.original(dedupId, now);
                if (original != null) {
                    return original;
                }
            }
            String sequenceNumber = fifo ? core.nextSequenceNumber() : null;
            core.add(new StoredMessage(content, core.nextOrder(), now, sequenceNumber));
            SendResult sent = new SendResult(content.messageId(), sequenceNumber);
            if (deduplicator != null && dedupId != null) {
                deduplicator.remember(dedupId, sent, now);
            }
            deliverable.signal();
            return sent;
        } finally {
            lock.unlock();
        }
    }

    /** See {@link QueueCore#receive}: the caller moves {@code deadLetters} on after this returns. */
    List<QueueMessage<SqsLikeMessage>> receive(int maxMessages, List<StoredMessage> deadLetters) {
        return step(() -> core.receive(maxMessages, clock.millis(), deadLetters));
    }

    /** Waits up to {@code nanos} for a send or a change that makes a message deliverable, unless one already is. */
    void awaitDeliverable(long nanos) throws InterruptedException {
        lock.lock();
        try {
            core.release(clock.millis());
            // Checked under the lock: a send between the last receive and this wait is not missed.
            if (!core.hasDeliverable()) {
                deliverable.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    List<EntryFailure> delete(List<QueueMessage<SqsLikeMessage>> messages) {
        return step(() -> core.delete(messages));
    }

    List<EntryFailure> changeVisibility(List<QueueMessage<SqsLikeMessage>> messages, long timeoutMillis) {
        return step(() -> core.changeVisibility(messages, timeoutMillis, clock.millis()));
    }

    /** Takes messages this queue's sources moved here; the queue is their redrive target. */
    void acceptDeadLetters(List<StoredMessage> messages, String sourceArn) {
        lock.lock();
        try {
            long now = clock.millis();
            for (StoredMessage message : messages) {
                // SQS keeps a standard message's enqueue time in the dead-letter queue and resets a FIFO message's.
                core.add(message.movedTo(core.nextOrder(), fifo ? now : message.sentTimestamp,
                        fifo ? core.nextSequenceNumber() : null, sourceArn));
            }
            signalIfDeliverable();
        } finally {
            lock.unlock();
        }
    }

    /** Reads the messages once those whose visibility timeout ran out are visible again. */
    <T> T read(Function<QueueCore, T> read) {
        return step(() -> {
            core.release(clock.millis());
            return read.apply(core);
        });
    }

    int waitingReceivers() {
        lock.lock();
        try {
            return lock.getWaitQueueLength(deliverable);
        } finally {
            lock.unlock();
        }
    }

    /** Runs one change under the lock, then wakes a waiting receive if it left a message deliverable. */
    private <T> T step(Supplier<T> change) {
        lock.lock();
        try {
            T result = change.get();
            signalIfDeliverable();
            return result;
        } finally {
            lock.unlock();
        }
    }

    /** Wakes one waiting receive; a receive that got messages wakes the next, so a burst reaches all of them. */
    private void signalIfDeliverable() {
        if (core.hasDeliverable()) {
            deliverable.signal();
        }
    }
}
