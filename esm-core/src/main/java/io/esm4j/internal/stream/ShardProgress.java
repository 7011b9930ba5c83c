package io.esm4j.internal.stream;

import io.esm4j.lease.Checkpoint;
import io.esm4j.stream.StreamRecord;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The done prefix of one {@link ShardPipeline}: records are registered in shard order as they are offered and marked
 * done as lanes end them, and what that moves is reported to the pipeline's {@link ShardPipeline.Listener}, in order:
 * the checkpoint, the shard's end once its last record is done, and when the oldest record not yet done arrived. One
 * lock guards it and is held while reporting, so that reports never overtake each other; the listener must not block,
 * and no I/O or user code runs under it.
 */
final class ShardProgress {

    private final ShardPipeline.Listener listener;
    private final CheckpointTracker tracker;
    /** TumblingWindowInSeconds in millis, 0 without windows (windows start at multiples of it, as WindowSession's). */
    private final long windowMillis;
    private final ReentrantLock lock = new ReentrantLock();

    private boolean readerReachedEnd;
    /** The tracker's count, readable without the lock (the reader asks after every fetch). */
    private volatile long inFlight;
    private boolean endReported;
    private String lastDone;
    /** What {@link ShardPipeline.Listener#unfinishedSince} last said; under the lock. */
    private long unfinishedSince = -1;

    ShardProgress(ShardPipeline.Listener listener, int capacity, int tumblingWindowInSeconds) {
        this.listener = listener;
        this.tracker = new CheckpointTracker(capacity);
        this.windowMillis = tumblingWindowInSeconds * 1000L;
    }

    /**
     * Registers records read, in shard order; returns the ordinal of the first.
     *
     * @param shardEnded true when the shard is closed and these are its last records
     */
    long register(List<? extends StreamRecord<?>> records, boolean shardEnded) {
        lock.lock();
        try {
            long firstOrdinal = tracker.registerAll(records);
            readerReachedEnd = shardEnded;
            inFlight = tracker.inFlight();
            reportUnfinished();
            return firstOrdinal;
        } finally {
            lock.unlock();
        }
    }

    /** Marks records done and reports what moved; returns how many records the done prefix passed. */
    long markDone(List<? extends Entry<?>> entries) {
        lock.lock();
        try {
            long inFlightBefore = tracker.inFlight();
            for (Entry<?> entry : entries) {
                tracker.markDone(entry.ordinal);
            }
            String sequenceNumber = tracker.advance();
            if (sequenceNumber != null) {
                lastDone = sequenceNumber;
                listener.progressed(new Checkpoint.AtSequenceNumber(sequenceNumber));
            }
            long passed = inFlightBefore - tracker.inFlight();
            inFlight = tracker.inFlight();
            reportUnfinished();
            if (readerReachedEnd && !endReported && tracker.allDone()) {
                endReported = true;
                listener.progressed(Checkpoint.ShardEnd.INSTANCE);
            }
            return passed;
        } finally {
            lock.unlock();
        }
    }

    /** The sequence number of the last record of the done prefix, or null if none is done yet. */
    String lastDone() {
        lock.lock();
        try {
            return lastDone;
        } finally {
            lock.unlock();
        }
    }

    /** Records registered and not yet passed by the done prefix. */
    long inFlight() {
        return inFlight;
    }

    /**
     * Tells the listener again what {@link ShardPipeline.Listener#unfinishedSince} last said, for a listener that
     * ignored the reports until now. Under the lock, as every report: no report made before it can arrive after it.
     */
    void repeatUnfinished() {
        lock.lock();
        try {
            listener.unfinishedSince(unfinishedSince);
        } finally {
            lock.unlock();
        }
    }

    /** Under the lock: tells the listener when the oldest unfinished record arrived, if that changed. */
    private void reportUnfinished() {
        long since = tracker.oldestUnfinishedArrivalMillis();
        if (since >= 0 && windowMillis > 0) {
            // A tumbling window's records are done only by its final invocation, after the window's end, though their
            // batches went to the function long before: counted from their arrival, every healthy window would look
            // like a shard stuck for up to TumblingWindowInSeconds. From the window's end, only a late final
            // invocation (or a batch still retried by then) shows.
            since = Math.floorDiv(since, windowMillis) * windowMillis + windowMillis;
        }
        if (since != unfinishedSince) {
            unfinishedSince = since;
            listener.unfinishedSince(since);
        }
    }
}
