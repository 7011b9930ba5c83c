package io.esm4j.internal.stream;

/**
 * Tracks which records of one shard are done and yields the contiguous done prefix: the only position that may be
 * checkpointed. Records are numbered in read order (ordinals); lanes complete them out of order. Not thread-safe:
 * the shard worker guards it.
 */
final class CheckpointTracker {

    private final int capacity;
    /** The ring is a power of two long, so that a slot is a mask away from an ordinal (this is the hot path). */
    private final String[] sequenceNumbers;
    private final boolean[] done;
    private final int mask;
    private long head;
    private long tail;

    /** @param capacity the most records in flight at once; the shard's flow budget guarantees it */
    CheckpointTracker(int capacity) {
        this.capacity = capacity;
        int size = Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
        this.sequenceNumbers = new String[size];
        this.done = new boolean[size];
        this.mask = size - 1;
    }

    long register(String sequenceNumber) {
        if (tail - head >= capacity) {
            throw new IllegalStateException("more than " + capacity + " records in flight");
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
        return (int) ordinal & mask;
    }
}
