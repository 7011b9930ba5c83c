package io.esm4j.internal.stream;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;

/** Where a lane thread takes its batches from: its own {@link Lane}, or the {@link KeyLanes} all lanes share. */
interface BatchSource<T> {

    /**
     * Blocks until a batch is ready: full (BatchSize or 6 MB), or records are waiting and the batching window that
     * started at {@code windowStart} has elapsed. Returns null once closed, and an empty list when nothing is
     * waiting and {@code closeTumblingWindow} (null when no tumbling window is open) says so.
     */
    List<Entry<T>> nextBatch(Instant windowStart, Duration window, BooleanSupplier closeTumblingWindow)
            throws InterruptedException;
}
