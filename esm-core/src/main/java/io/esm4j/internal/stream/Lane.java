package io.esm4j.internal.stream;

import io.esm4j.internal.PayloadCap;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The records of one shard that hash to one lane, in read order, and the batch formation over them: a batch ends
 * at BatchSize, at the 6 MB payload cap, or when the batching window (started when the previous invocation ended)
 * has elapsed, or at once while the shard's buffer is full (no more records can come until some are done). One
 * partition key always maps to the same lane and a lane runs one batch at a time, which is what keeps a key in order
 * with ParallelizationFactor &gt; 1.
 */
final class Lane<T> implements BatchSource<T> {

    /**
     * While records wait for a batching window to elapse, re-read the clock this often so that a test clock's advance
     * is noticed. An idle lane (nothing queued) does not poll: it waits for the next offer.
     */
    static final long WINDOW_RECHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

    private final int batchSize;
    private final int windowSeconds;
    private final Clock clock;
    /** What every batch's event holds besides its records (StreamSource.eventEnvelopeBytes), against the 6 MB cap. */
    private final int envelopeBytes;
    /** With tumbling windows, what the window fields add to each event for this shard ({@link WindowSession}). */
    private final long windowFieldBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /**
     * The offers' lists as they came, not entry by entry: the reader adds a fetch's records with one step, and a
     * batch takes them from the head list onwards ({@link #headIndex} marks where the first list's untaken ones start).
     */
    private final ArrayDeque<List<Entry<T>>> queue = new ArrayDeque<>();
    private int headIndex;
    private int queuedRecords;
    private long queuedBytes;
    private boolean closed;

    /**
     * @param windowSeconds TumblingWindowInSeconds: a batch never spans two windows; 0 without windows
     * @param envelopeBytes the bytes of a batch's event besides its records, counted once per batch
     * @param windowFieldBytes with windows, {@link WindowSession#shardFieldBytes} of the shard; otherwise unused
     */
    Lane(int batchSize, int windowSeconds, Clock clock, int envelopeBytes, long windowFieldBytes) {
        this.batchSize = batchSize;
        this.windowSeconds = windowSeconds;
        this.clock = clock;
        this.envelopeBytes = envelopeBytes;
        this.windowFieldBytes = windowFieldBytes;
    }

    /**
     * Adds records (possibly none: every fetch wakes a lane whose open tumbling window may close). The lane keeps the
     * list, a modifiable one, and clears each entry from it as a batch takes it: the caller must not use it again.
     */
    void offerAll(List<Entry<T>> entries) {
        long bytes = 0;
        for (Entry<T> entry : entries) {
            bytes += entry.record.sizeBytes();
        }
        lock.lock();
        try {
            if (!entries.isEmpty()) {
                queue.addLast(entries);
                queuedRecords += entries.size();
                queuedBytes += bytes;
            }
            changed.signalAll();
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

    /** Whether the open window may close is asked at every offer. */
    @Override
    public List<Entry<T>> nextBatch(Instant windowStart, Duration window, BooleanSupplier bufferFull,
                                    @Nullable OpenWindow open) throws InterruptedException {
        Instant deadline = windowStart.plus(window);
        lock.lockInterruptibly();
        try {
            while (!closed) {
                if (queuedRecords == 0) {
                    if (open != null && open.closable().getAsBoolean()) {
                        return List.of();
                    }
                    changed.await();
                    continue;
                }
                long fixedBytes = envelopeBytes + windowBytes(tumblingWindowOf(queue.getFirst().get(headIndex)), open);
                if (queuedRecords >= batchSize || PayloadCap.full(fixedBytes + queuedBytes)
                        || !clock.instant().isBefore(deadline) || bufferFull.getAsBoolean()) {
                    return take(open);
                }
                long remaining = Duration.between(clock.instant(), deadline).toNanos();
                changed.awaitNanos(Math.min(remaining, WINDOW_RECHECK_NANOS));
            }
            return null;
        } finally {
            lock.unlock();
        }
    }

    private List<Entry<T>> take(@Nullable OpenWindow open) {
        List<Entry<T>> batch = new ArrayList<>(Math.min(batchSize, queuedRecords));
        long tumblingWindow = tumblingWindowOf(queue.getFirst().get(headIndex));
        long bytes = envelopeBytes + windowBytes(tumblingWindow, open);
        while (queuedRecords > 0 && batch.size() < batchSize) {
            List<Entry<T>> head = queue.getFirst();
            Entry<T> entry = head.get(headIndex);
            int size = entry.record.sizeBytes();
            if (tumblingWindowOf(entry) != tumblingWindow || !PayloadCap.admits(bytes, batch.size(), size)) {
                break;
            }
            batch.add(entry);
            // The list must not keep a taken record (and its payload) once the batch is done.
            head.set(headIndex, null);
            bytes += size;
            queuedBytes -= size;
            queuedRecords--;
            if (++headIndex == head.size()) {
                queue.removeFirst();
                headIndex = 0;
            }
        }
        return batch;
    }

    /**
     * What a batch of the tumbling window {@code tumblingWindow} adds to its event besides the records: the window
     * fields (bounds, shard id, ARN, flags) and the open window's state (up to 1 MB of it); a batch of a later window
     * starts a new one with empty state. Nothing without windows.
     */
    private long windowBytes(long tumblingWindow, @Nullable OpenWindow open) {
        if (windowSeconds == 0) {
            return 0;
        }
        Instant start = Instant.ofEpochSecond(tumblingWindow * windowSeconds);
        long stateBytes = open != null && Math.floorDiv(open.start().getEpochSecond(), windowSeconds) == tumblingWindow
                ? open.stateBytes() : WindowSession.jsonBytes(Map.of());
        return WindowSession.eventFieldBytes(windowFieldBytes, start, windowSeconds, stateBytes);
    }

    private long tumblingWindowOf(Entry<T> entry) {
        return windowSeconds == 0 ? 0
                : Math.floorDiv(entry.record.approximateArrivalTimestamp().getEpochSecond(), windowSeconds);
    }
}
