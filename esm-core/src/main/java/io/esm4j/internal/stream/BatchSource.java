package io.esm4j.internal.stream;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/** Where a lane thread takes its batches from: its own {@link Lane}, or the {@link KeyLanes} all lanes share. */
interface BatchSource<T> {

    /**
     * The tumbling window a lane has open.
     *
     * @param start      the window's start
     * @param stateBytes what its state adds to the event of a batch of this window, against the 6 MB cap
     * @param closable   whether it may close now, asked while nothing is waiting
     */
    record OpenWindow(Instant start, long stateBytes, BooleanSupplier closable) {}

    /**
     * Blocks until a batch is ready: full (BatchSize or 6 MB, with the open window's state if the batch is of that
     * window), or records are waiting and either the batching window that started at {@code windowStart} has elapsed
     * or the shard's buffer is full. Returns null once closed, and an empty list when nothing is waiting and the open
     * window (null when none is open) is closable.
     *
     * @param bufferFull whether the shard's buffer bound (MaxBufferedRecordsPerShard, MaxBufferedMegabytesPerShard)
     *                   is reached: the reader then waits for records to be done, so no record can join the batch
     *                   and waiting out the batching window would only stall the shard
     */
    List<Entry<T>> nextBatch(Instant windowStart, Duration window, BooleanSupplier bufferFull,
                             @Nullable OpenWindow open) throws InterruptedException;
}
