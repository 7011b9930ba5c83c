package io.esm4j.internal.stream;

/**
 * Tracks which records of one shard are done and yields the contiguous done prefix: the only position that may be
 * checkpointed. Records are numbered in read order (ordinals); lanes complete them out of order. Not thread-safe:
 * the shard worker guards it.
 */
final class CheckpointTracker {

    private final String[] sequenceNumbers;
    private final boolean[] done;
    private long head;
    private long tail;

    /** @param capacity the most records in flight at once; the shard's flow budget guarantees it */
    CheckpointTracker(int capacity) {
        this.sequenceNumbers = new String[capacity];
        this.done = new boolean[capacity];
    }

    long register(String sequenceNumber) {
        if (tail - head >= sequenceNumbers.length) {
            throw new IllegalStateException("more than " + sequenceNumbers.length + " records in flight");
        }
        sequenceNumbers[slot(tail)] = sequenceNumber;
        return tail++;
    }

    void markDone(long ordinal) {
        if (ordinal < head || ordinal >= tail) {
            throw new IllegalStateException("record " + ordinal + " is not in flight [" + head + ", " + tail + ")");
        }
        done[slot(ordinal)] = true;
    }

    /** Moves past the done prefix; returns the sequence number to checkpoint, or null if the prefix did not grow. */
    String advance() {
        String last = null;
        while (head < tail && done[slot(head)]) {
            int slot = slot(head);
            last = sequenceNumbers[slot];
            sequenceNumbers[slot] = null;
            done[slot] = false;
            head++;
        }
        return last;
    }

    boolean allDone() {
        return head == tail;
    }

    long inFlight() {
        return tail - head;
    }

    private int slot(long ordinal) {
        return (int) (ordinal % sequenceNumbers.length);
    }
}
