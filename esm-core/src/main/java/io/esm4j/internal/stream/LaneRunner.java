package io.esm4j.internal.stream;

import java.time.Instant;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The loop of one lane thread: takes batches from its lane (or the lanes' shared key queues) as they form and runs
 * them through a {@link BatchProcessor}, opening and closing tumbling windows on the way.
 */
final class LaneRunner<T> {

    private final StreamContext<T> ctx;
    private final BatchSource<T> lane;
    private final BatchProcessor<T> processor;
    private final BooleanSupplier inputEnded;
    /** Every record that arrived in the shard before this time has been dealt to the lanes. */
    private final Supplier<Instant> readTo;
    private final BooleanSupplier bufferFull;

    /**
     * @param bufferFull whether the shard's buffer bound (MaxBufferedRecordsPerShard, MaxBufferedMegabytesPerShard)
     *                   is reached, so that the reader waits for records to be done
     * @param leaseLost  whether the shard's lease was lost (see {@link BatchProcessor})
     * @param interrupted whether the engine interrupted the lanes (see {@link BatchProcessor})
     */
    LaneRunner(StreamContext<T> ctx, String shardId, BatchSource<T> lane, Consumer<List<Entry<T>>> onDone,
               BatchProcessor.Pauser pauser, BooleanSupplier closed, BooleanSupplier inputEnded,
               Supplier<Instant> readTo, BooleanSupplier bufferFull, BooleanSupplier leaseLost,
               BooleanSupplier interrupted) {
        this.ctx = ctx;
        this.lane = lane;
        this.processor = new BatchProcessor<>(ctx, shardId, onDone, pauser, closed, leaseLost, interrupted);
        this.inputEnded = inputEnded;
        this.readTo = readTo;
        this.bufferFull = bufferFull;
    }

    /** Returns when the lane is closed or a batch was left unfinished because the pipeline closed. */
    void run() throws InterruptedException {
        int windowSeconds = ctx.settings().tumblingWindowInSeconds();
        WindowSession<T> session = null;
        Instant batchingWindowStart = ctx.clock().instant();
        while (true) {
            WindowSession<T> open = session;
            // A window's records are done only by its final invocation. Asked with the lane's queue empty, a full
            // buffer holds nothing else that could be freed: the reader would wait for good, so the window ends early,
            // as at 1 MB of state.
            List<Entry<T>> batch = lane.nextBatch(batchingWindowStart, ctx.settings().maximumBatchingWindow(),
                    bufferFull, open == null ? null : new BatchSource.OpenWindow(open.start, open.stateBytes(),
                            () -> allRead(open) || bufferFull.getAsBoolean()));
            if (batch == null) {
                return;
            }
            if (session != null && (batch.isEmpty()
                    || !session.contains(batch.getFirst().record.approximateArrivalTimestamp()))) {
                // Closed by a later record or by reading past its end, the window is whole. A shard end closes it
                // early whatever the clock (records of its time go on in the child shards), as does a full buffer.
                boolean early = batch.isEmpty()
                        && (inputEnded.getAsBoolean() || readTo.get().isBefore(session.readThrough()));
                if (!processor.closeWindow(session, early)) {
                    return;
                }
                session = null;
            }
            if (batch.isEmpty()) {
                continue;
            }
            if (windowSeconds > 0 && session == null) {
                session = WindowSession.containing(batch.getFirst().record.approximateArrivalTimestamp(),
                        windowSeconds);
            }
            if (!processor.process(batch, session)) {
                return;
            }
            if (session != null && session.stateTooBig()) {
                if (!processor.closeWindow(session, true)) {
                    return;
                }
                session = null;
            }
            batchingWindowStart = ctx.clock().instant();
        }
    }

    /**
     * Every record of the window has been dealt to the lane: the shard ended, or reading passed the window's end by
     * the margin late-readable records need.
     */
    private boolean allRead(WindowSession<T> window) {
        return inputEnded.getAsBoolean() || !readTo.get().isBefore(window.readThrough());
    }
}
