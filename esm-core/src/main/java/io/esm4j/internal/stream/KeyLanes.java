package io.esm4j.internal.stream;

import io.esm4j.internal.PayloadCap;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The records of one shard waiting for a batch when lanes take keys as they come free ({@link
 * ShardPipeline.LaneRouting#FREE_KEY}) instead of by hash: every lane forms its batches from these shared queues,
 * one per key. A key is busy while any of its records handed out is not done; a busy key's records wait, so a key's
 * records are handed out in read order and are never in two invocations at once, while a key with nothing in flight
 * goes to whichever lane asks first. Records without a key are one key: they keep the shard's order.
 *
 * <p>A batch takes the oldest waiting records of free keys in read order, up to BatchSize and the 6 MB cap, once
 * BatchSize records of free keys wait, the 6 MB are reached, the lane's batching window elapsed, or the shard's
 * buffer is full. While other lanes
 * wait for work too, a batch takes at most its share of the free keys, so that keys spread over the idle lanes instead
 * of queueing behind each other in one invocation. There are no tumbling windows here: they need one lane.
 *
 * <p>The lanes are this object's {@link KeyLane}s, started through a {@link LaneStarter}: {@code minLanes} at
 * {@link #startLanes()}, more while free keys outnumber the lanes that could take them, up to {@code maxLanes}; a lane
 * above {@code minLanes} that finds nothing to take while another lane waits too ends. So a shard whose lanes are
 * bounded by a mapping-wide MaximumConcurrency (hundreds) holds threads only for the keys it is working on, and an
 * idle shard one. Without the cap both bounds are ParallelizationFactor: the lanes are fixed.
 */
final class KeyLanes<T> {

    private static final Comparator<Key<?>> OLDEST_FIRST =
            Comparator.comparingLong(key -> key.waiting.peekFirst().ordinal);

    private final int batchSize;
    private final Clock clock;
    /** What every batch's event holds besides its records (StreamSource.eventEnvelopeBytes), against the 6 MB cap. */
    private final int envelopeBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** The keys with records waiting or in flight; the keyless records' key is {@link #noKey}. */
    private final Map<String, Key<T>> keys = new HashMap<>();
    private final Key<T> noKey = new Key<>();
    /** Keys with records waiting and none in flight, by their first waiting record. */
    private final PriorityQueue<Key<T>> free = new PriorityQueue<>(OLDEST_FIRST);
    /** Records (and their bytes) of the free keys: what a batch could take now. */
    private int freeRecords;
    private long freeBytes;
    private final int minLanes;
    private final int maxLanes;
    private final LaneStarter<T> starter;
    /** Lanes started and not ended. */
    private int lanes;
    /** Lanes started that have not asked for a batch yet: they will take free keys like idle ones. */
    private int startingLanes;
    /** Lanes inside {@link KeyLane#nextBatch}: the idle ones, among which the free keys are shared. */
    private int idleLanes;
    private boolean closed;
    /** A lane failed outside the handler: the pipeline is being replaced, so no lane starts any more. */
    private boolean lanesFailed;

    /**
     * Runs a lane's loop on a thread of its own; called with this object's lock held, so it must only start one. If
     * the thread cannot start, it ends the lane at once, as failed ({@link #laneEnded}): no lane starts after that.
     */
    @FunctionalInterface
    interface LaneStarter<T> {
        void start(KeyLanes<T>.KeyLane lane);
    }

    /**
     * @param envelopeBytes the bytes of a batch's event besides its records, counted once per batch
     * @param minLanes lanes that run from {@link #startLanes()} until the queues close
     * @param maxLanes the most lanes at once: the most batches of the shard in flight
     */
    KeyLanes(int batchSize, Clock clock, int envelopeBytes, int minLanes, int maxLanes, LaneStarter<T> starter) {
        this.batchSize = batchSize;
        this.clock = clock;
        this.envelopeBytes = envelopeBytes;
        this.minLanes = minLanes;
        this.maxLanes = maxLanes;
        this.starter = starter;
    }

    /** One lane's view of the queues; {@link #laneEnded} when its thread ends. */
    final class KeyLane implements BatchSource<T> {
        /**
         * Started because free keys outnumbered the lanes: its first batching window counts as elapsed, as it would
         * for a lane that had been idle all along, so the keys it was started for do not wait a window longer.
         */
        private final boolean onDemand;
        private boolean arrived;
        private boolean ended;

        private KeyLane(boolean onDemand) {
            this.onDemand = onDemand;
        }

        /** {@code closeTumblingWindow} is always null here: no tumbling windows. Null also when this lane ends. */
        @Override
        public List<Entry<T>> nextBatch(Instant windowStart, Duration window, BooleanSupplier bufferFull,
                                        @Nullable OpenWindow open) throws InterruptedException {
            return KeyLanes.this.nextBatch(this, windowStart.plus(window), bufferFull);
        }
    }

    /** Starts the first {@code minLanes} lanes. */
    void startLanes() {
        lock.lock();
        try {
            while (lanes < minLanes && !closed && !lanesFailed) {
                startLane(false);
            }
        } finally {
            lock.unlock();
        }
    }

    /** A lane's thread ended; after a failure outside the handler no lane starts any more. */
    void laneEnded(KeyLane lane, boolean failed) {
        lock.lock();
        try {
            lanesFailed |= failed;
            end(lane);
        } finally {
            lock.unlock();
        }
    }

    /** One key's records not yet handed out, in read order, and how many of those handed out are not done. */
    private static final class Key<T> {
        final ArrayDeque<Entry<T>> waiting = new ArrayDeque<>(2);
        long waitingBytes;
        int inFlight;
    }

    /** Adds records in read order. */
    void offerAll(List<Entry<T>> entries) {
        if (entries.isEmpty()) {
            return;
        }
        lock.lock();
        try {
            for (Entry<T> entry : entries) {
                String name = entry.record.partitionKey();
                Key<T> key = name == null ? noKey : keys.computeIfAbsent(name, unused -> new Key<>());
                int size = entry.record.sizeBytes();
                key.waiting.addLast(entry);
                key.waitingBytes += size;
                if (key.inFlight == 0) {
                    freeRecords++;
                    freeBytes += size;
                    if (key.waiting.size() == 1) {
                        free.add(key);
                    }
                }
            }
            changed.signalAll();
            startLanesForFreeKeys();
        } finally {
            lock.unlock();
        }
    }

    /** Records handed out are done: a key whose handed-out records are all done is free again. */
    void done(List<Entry<T>> entries) {
        lock.lock();
        try {
            boolean freed = false;
            for (Entry<T> entry : entries) {
                String name = entry.record.partitionKey();
                Key<T> key = name == null ? noKey : keys.get(name);
                if (--key.inFlight > 0) {
                    continue;
                }
                if (key.waiting.isEmpty()) {
                    if (key != noKey) {
                        keys.remove(name);
                    }
                } else {
                    free.add(key);
                    freeRecords += key.waiting.size();
                    freeBytes += key.waitingBytes;
                    freed = true;
                }
            }
            if (freed) {
                changed.signalAll();
                startLanesForFreeKeys();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Stops batch formation; {@link #nextBatch} returns null from now on. */
    void close() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Lanes waiting in {@link #nextBatch}. */
    int idleLanes() {
        lock.lock();
        try {
            return idleLanes;
        } finally {
            lock.unlock();
        }
    }

    /** Lanes started and not ended. */
    int lanes() {
        lock.lock();
        try {
            return lanes;
        } finally {
            lock.unlock();
        }
    }

    private List<Entry<T>> nextBatch(KeyLane lane, Instant windowEnd, BooleanSupplier bufferFull)
            throws InterruptedException {
        lock.lockInterruptibly();
        Instant deadline = windowEnd;
        if (!lane.arrived) {
            lane.arrived = true;
            startingLanes--;
            if (lane.onDemand) {
                deadline = Instant.MIN;
            }
        }
        idleLanes++;
        List<Entry<T>> batch = null;
        try {
            while (!closed) {
                if (freeRecords == 0) {
                    if (lanes > minLanes && idleLanes > 1) {
                        end(lane);
                        return null;
                    }
                    changed.await();
                    continue;
                }
                if (freeRecords >= batchSize || PayloadCap.full(envelopeBytes + freeBytes)
                        || !clock.instant().isBefore(deadline) || bufferFull.getAsBoolean()) {
                    batch = take();
                    return batch;
                }
                long remaining = Duration.between(clock.instant(), deadline).toNanos();
                changed.awaitNanos(Math.min(remaining, Lane.WINDOW_RECHECK_NANOS));
            }
            return null;
        } finally {
            idleLanes--;
            if (batch != null) {
                // What this batch left of the free keys was counted for lanes not yet started: start them.
                startLanesForFreeKeys();
            }
            lock.unlock();
        }
    }

    /** While free keys outnumber the idle and starting lanes, starts lanes up to {@code maxLanes}. */
    private void startLanesForFreeKeys() {
        if (closed || lanesFailed) {
            return;
        }
        // A lane whose thread cannot start fails the lanes at once (laneEnded): no more are tried.
        for (int uncovered = free.size() - idleLanes - startingLanes; uncovered > 0 && lanes < maxLanes
                && !lanesFailed; uncovered--) {
            startLane(true);
        }
    }

    private void startLane(boolean onDemand) {
        lanes++;
        startingLanes++;
        starter.start(new KeyLane(onDemand));
    }

    private void end(KeyLane lane) {
        if (lane.ended) {
            return;
        }
        lane.ended = true;
        lanes--;
        if (!lane.arrived) {
            startingLanes--;
        }
    }

    /**
     * Merges the free keys' records in read order into one batch. A key taken leaves the free keys (its remaining
     * records may still join this batch, in order) and stays busy until its records are done. The batch takes at
     * most its share of the free keys (rounded up).
     */
    private List<Entry<T>> take() {
        // The free keys are shared with the other idle lanes, the lanes starting, and the lanes that may still start.
        int keysLeft = Math.ceilDiv(free.size(), idleLanes + startingLanes + maxLanes - lanes);
        List<Entry<T>> batch = new ArrayList<>(Math.min(batchSize, freeRecords));
        PriorityQueue<Key<T>> taken = new PriorityQueue<>(OLDEST_FIRST);
        long bytes = envelopeBytes;
        while (batch.size() < batchSize) {
            Key<T> oldestFree = keysLeft > 0 ? free.peek() : null;
            Key<T> oldestTaken = taken.peek();
            boolean fromFree = oldestFree != null && (oldestTaken == null
                    || oldestFree.waiting.peekFirst().ordinal < oldestTaken.waiting.peekFirst().ordinal);
            Key<T> key = fromFree ? oldestFree : oldestTaken;
            if (key == null) {
                break;
            }
            Entry<T> entry = key.waiting.peekFirst();
            int size = entry.record.sizeBytes();
            if (!PayloadCap.admits(bytes, batch.size(), size)) {
                break;
            }
            if (fromFree) {
                free.poll();
                keysLeft--;
                freeRecords -= key.waiting.size();
                freeBytes -= key.waitingBytes;
            } else {
                taken.poll();
            }
            key.waiting.pollFirst();
            key.waitingBytes -= size;
            key.inFlight++;
            bytes += size;
            batch.add(entry);
            if (!key.waiting.isEmpty()) {
                taken.add(key);
            }
        }
        return batch;
    }
}
