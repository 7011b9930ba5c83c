package io.esm4j.testing;

import io.esm4j.queue.EntryFailure;
import io.esm4j.queue.QueueMessage;
import io.esm4j.testing.InMemoryQueue.Operation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A queue's messages, receipt handles and visibility deadlines, and the SQS rules that change them. Not thread-safe:
 * {@link LockedQueueCore} calls it under the queue's lock and does the waiting; {@link InMemoryQueue} does the
 * argument checks and the redrive hand-over.
 *
 * <p>Cost per message: a hash lookup for the handle, O(log n) for the in-flight set, O(1) for the visible messages.
 */
final class QueueCore {

    static final long MAX_VISIBILITY_MILLIS = InMemoryQueue.MAX_VISIBILITY_TIMEOUT.toMillis();

    private final String queueArn;
    private final long visibilityMillis;
    /** 0 when the queue has no redrive policy. */
    private final int maxReceiveCount;
    private final ReadyMessages ready;
    private final Faults faults;

    private final Map<String, StoredMessage> byHandle = new HashMap<>();
    private final TreeSet<StoredMessage> inFlight = new TreeSet<>(StoredMessage.BY_VISIBLE_AT);
    private long nextOrder;
    private long nextSequenceNumber;
    private int size;

    QueueCore(String queueArn, boolean fifo, long visibilityMillis, int maxReceiveCount, Faults faults) {
        this.queueArn = queueArn;
        this.visibilityMillis = visibilityMillis;
        this.maxReceiveCount = maxReceiveCount;
        this.ready = fifo ? new FifoReady() : new StandardReady();
        this.faults = faults;
    }

    long nextOrder() {
        return nextOrder++;
    }

    /** Increasing and 20 digits long like SQS's; the leading 1 keeps text order equal to numeric order. */
    String nextSequenceNumber() {
        String digits = Long.toString(nextSequenceNumber++);
        return "1" + "0".repeat(19 - digits.length()) + digits;
    }

    void add(StoredMessage message) {
        ready.sent(message);
        size++;
    }

    /**
     * Delivers up to {@code max} visible messages. A message already received {@code maxReceiveCount} times is put
     * in {@code deadLetters} instead, for the caller to move to the dead-letter queue.
     */
    List<QueueMessage<SqsLikeMessage>> receive(int max, long now, List<StoredMessage> deadLetters) {
        release(now);
        List<QueueMessage<SqsLikeMessage>> received = new ArrayList<>(Math.min(max, size));
        ready.take(max, message -> {
            if (maxReceiveCount > 0 && message.receiveCount >= maxReceiveCount) {
                forget(message);
                deadLetters.add(message);
                return false;
            }
            String receiptHandle = deliver(message, now);
            received.add(new QueueMessage<>(message.content.messageId(), receiptHandle,
                    message.content.groupId(), message.content.sizeBytes(), message.snapshot(queueArn)));
            return true;
        });
        return received;
    }

    /**
     * Deletes by latest receipt handle. A handle that is unknown, stale or of a message deleted by an earlier call
     * fails; the same handle twice in one call succeeds twice, as a retried entry would.
     */
    List<EntryFailure> delete(List<QueueMessage<SqsLikeMessage>> entries) {
        List<EntryFailure> failures = new ArrayList<>(0);
        Set<String> deletedNow = new HashSet<>();
        for (int i = 0; i < entries.size(); i++) {
            QueueMessage<SqsLikeMessage> entry = entries.get(i);
            EntryFailure injected = faults.entryFailure(Operation.DELETE, entry.messageId(), i);
            if (injected != null) {
                failures.add(injected);
                continue;
            }
            StoredMessage message = byHandle.get(entry.receiptHandle());
            if (message != null) {
                ready.removed(message);
                if (message.inFlight) {
                    inFlight.remove(message);
                }
                forget(message);
                deletedNow.add(entry.receiptHandle());
            } else if (!deletedNow.contains(entry.receiptHandle())) {
                failures.add(invalidHandle(i, entry));
            }
        }
        return failures;
    }

    /** Sets the visibility of in-flight messages to {@code now + timeoutMillis}; zero makes them visible now. */
    List<EntryFailure> changeVisibility(List<QueueMessage<SqsLikeMessage>> entries, long timeoutMillis, long now) {
        release(now);
        List<EntryFailure> failures = new ArrayList<>(0);
        for (int i = 0; i < entries.size(); i++) {
            QueueMessage<SqsLikeMessage> entry = entries.get(i);
            EntryFailure injected = faults.entryFailure(Operation.CHANGE_VISIBILITY, entry.messageId(), i);
            if (injected != null) {
                failures.add(injected);
                continue;
            }
            StoredMessage message = byHandle.get(entry.receiptHandle());
            if (message == null) {
                failures.add(invalidHandle(i, entry));
            } else if (!message.inFlight) {
                failures.add(new EntryFailure(i, "MessageNotInflight", "message " + entry.messageId()
                        + " is not in flight: its visibility timeout ran out and nobody received it since", true));
            } else if (now + timeoutMillis > message.receivedAt + MAX_VISIBILITY_MILLIS) {
                failures.add(new EntryFailure(i, "InvalidParameterValue", "visibility timeout of " + timeoutMillis
                        + " ms for message " + entry.messageId() + " would end "
                        + (now + timeoutMillis - message.receivedAt) + " ms after its receive; SQS allows at most "
                        + MAX_VISIBILITY_MILLIS + " ms (12 h)", true));
            } else {
                inFlight.remove(message);
                message.visibleAt = now + timeoutMillis;
                inFlight.add(message);
            }
        }
        release(now);
        return failures;
    }

    /** Makes visible again every in-flight message whose visibility timeout ran out by {@code now}. */
    void release(long now) {
        while (!inFlight.isEmpty() && inFlight.first().visibleAt <= now) {
            StoredMessage message = inFlight.pollFirst();
            message.inFlight = false;
            ready.returned(message);
        }
    }

    boolean hasDeliverable() {
        return ready.hasDeliverable();
    }

    int size() {
        return size;
    }

    int inFlightCount() {
        return inFlight.size();
    }

    /** Every message, in flight or not, in this queue's send order. */
    List<SqsLikeMessage> peekAll() {
        Set<StoredMessage> all = Collections.newSetFromMap(new IdentityHashMap<>());
        ready.forEach(all::add);
        all.addAll(inFlight);
        return all.stream()
                .sorted(Comparator.comparingLong(m -> m.order))
                .map(m -> m.snapshot(queueArn))
                .toList();
    }

    /** Returns the new receipt handle. */
    private String deliver(StoredMessage message, long now) {
        if (message.receiveCount == 0) {
            message.firstReceiveTimestamp = now;
        }
        message.receiveCount++;
        if (message.receiptHandle != null) {
            byHandle.remove(message.receiptHandle);
        }
        // Unique per receive in this queue, because the receive count only grows; opaque to callers all the same.
        String receiptHandle = message.content.messageId() + "#" + message.receiveCount;
        message.receiptHandle = receiptHandle;
        byHandle.put(receiptHandle, message);
        message.receivedAt = now;
        message.visibleAt = now + visibilityMillis;
        message.inFlight = true;
        inFlight.add(message);
        return receiptHandle;
    }

    /** Drops a message that leaves this queue; the caller has taken it out of {@link #ready} and {@link #inFlight}. */
    private void forget(StoredMessage message) {
        if (message.receiptHandle != null) {
            byHandle.remove(message.receiptHandle);
        }
        message.inFlight = false;
        size--;
    }

    private EntryFailure invalidHandle(int index, QueueMessage<SqsLikeMessage> entry) {
        return new EntryFailure(index, "ReceiptHandleIsInvalid", "receipt handle '" + entry.receiptHandle()
                + "' of message " + entry.messageId() + " is not valid for " + queueArn
                + ": the message was deleted or received again since (only the latest handle is accepted)", true);
    }
}
