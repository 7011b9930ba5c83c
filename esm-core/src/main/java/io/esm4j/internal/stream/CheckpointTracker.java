package io.esm4j.internal.stream;

import io.esm4j.stream.StreamRecord;
import java.util.List;

/**
 * Tracks which records of one shard are done and yields the contiguous done prefix: the only position that may be
 * checkpointed. Records are numbered in read order (ordinals); lanes complete them out of order. Not thread-safe:
 * the pipeline guards it.
 *
 * <p>The ring starts small and doubles up to the capacity, so an idle shard costs a few hundred bytes, not the
 * capacity's worth (20,000 slots by default).
 */
final class CheckpointTracker {

    private static final int INITIAL_SLOTS = 16;

    private final int capacity;
    /**
     * Each record's sequence number, as text ({@code texts}) or, for a numbered record, as its number ({@code
     * numbers}, text null): only the last of a done prefix needs the text, so a Kafka offset becomes text once per
     * checkpoint rather than once per record. Not the records themselves: a record done out of order would then keep
     * its payload in memory after its bytes went back to the flow budget. Power-of-two long, so that a slot is a mask
     * away from an ordinal (this is the hot path).
     */
    private String[] texts;
    private long[] numbers;
    /** Each record's arrival in the stream, epoch millis: how long the oldest unfinished record has waited. */
    private long[] arrivals;
    private boolean[] done;
    private int mask;
    private long head;
    private long tail;

    /** @param capacity the most records in flight at once; the shard's flow budget guarantees it */
    CheckpointTracker(int capacity) {
        this.capacity = capacity;
        allocate(Math.min(INITIAL_SLOTS, ringSize(capacity)));
    }

    /** Registers records read, in read order; returns the ordinal of the first (the others follow one by one). */
    long registerAll(List<? extends StreamRecord<?>> read) {
        if (tail - head + read.size() > capacity) {
            throw new IllegalStateException("more than " + capacity + " records in flight");
        }
        while (tail - head + read.size() > texts.length) {
            grow();
        }
        long first = tail;
        for (StreamRecord<?> record : read) {
            int slot = slot(tail++);
            long number = record.sequenceNumberValue();
            numbers[slot] = number;
            texts[slot] = number >= 0 ? null : record.sequenceNumber();
            arrivals[slot] = record.approximateArrivalTimestamp().toEpochMilli();
        }
        return first;
    }

    void markDone(long ordinal) {
        if (ordinal < head || ordinal >= tail) {
            throw new IllegalStateException("record " + ordinal + " is not in flight [" + head + ", " + tail + ")");
        }
        done[slot(ordinal)] = true;
    }

    /** Moves past the done prefix; returns the sequence number to checkpoint, or null if the prefix did not grow. */
    String advance() {
        int last = -1;
        while (head < tail && done[slot(head)]) {
            if (last >= 0) {
                texts[last] = null;
            }
            last = slot(head);
            done[last] = false;
            head++;
        }
        if (last < 0) {
            return null;
        }
        String text = texts[last];
        texts[last] = null;
        return text != null ? text : Long.toString(numbers[last]);
    }

    boolean allDone() {
        return head == tail;
    }

    long inFlight() {
        return tail - head;
    }

    /** When the oldest record not yet done arrived in the stream (epoch millis), or -1 when every record is done. */
    long oldestUnfinishedArrivalMillis() {
        return head < tail ? arrivals[slot(head)] : -1;
    }

    private void grow() {
        String[] oldTexts = texts;
        long[] oldNumbers = numbers;
        long[] oldArrivals = arrivals;
        boolean[] oldDone = done;
        int oldMask = mask;
        allocate(oldTexts.length * 2);
        for (long ordinal = head; ordinal < tail; ordinal++) {
            texts[slot(ordinal)] = oldTexts[(int) ordinal & oldMask];
            numbers[slot(ordinal)] = oldNumbers[(int) ordinal & oldMask];
            arrivals[slot(ordinal)] = oldArrivals[(int) ordinal & oldMask];
            done[slot(ordinal)] = oldDone[(int) ordinal & oldMask];
        }
    }

    private void allocate(int slots) {
        texts = new String[slots];
        numbers = new long[slots];
        arrivals = new long[slots];
        done = new boolean[slots];
        mask = slots - 1;
    }

    private static int ringSize(int capacity) {
        return Integer.highestOneBit(Math.max(1, capacity - 1)) << 1;
    }

    private int slot(long ordinal) {
        return (int) ordinal & mask;
    }
}
