package io.esm4j.internal.stream;

import io.esm4j.checkpoint.Checkpoint;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes one shard: a reader thread fetches within the flow budget and deals records to ParallelizationFactor
 * lanes by partition key; each lane thread forms batches and runs them through a {@link BatchProcessor}; completed
 * records advance the {@link CheckpointTracker}, whose contiguous prefix is checkpointed.
 */
final class ShardWorker<T> {

    private static final Logger LOG = LoggerFactory.getLogger(ShardWorker.class);
    /** Kinesis returns at most 10,000 records per GetRecords; no source needs more per fetch. */
    private static final int MAX_FETCH = 10_000;

    /** Waits that end early when the worker stops; returns false if it stopped. */
    @FunctionalInterface
    interface Pauser {
        boolean pause(Duration duration) throws InterruptedException;
    }

    private final StreamContext<T> ctx;
    private final String shardId;
    private final ReadStart start;
    private final Consumer<String> onShardEnd;
    private final FlowBudget budget;
    private final CheckpointTracker tracker;
    private final List<Lane<T>> lanes = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final Object progressLock = new Object();

    // Guarded by progressLock.
    private boolean readerReachedEnd;
    private boolean shardEndSaved;
    private Checkpoint unsavedCheckpoint;
    private Checkpoint lastSavedCheckpoint;
    /**
     * When the last fetch whose records have been dealt to the lanes started: once it is past a tumbling window's
     * end, every record that arrived in the window has been read. Together with {@link #inputEnded}, it is what
     * closes a window that no later record closes.
     */
    private volatile Instant lastDealtFetchStart = Instant.MIN;
    private volatile boolean inputEnded;

    ShardWorker(StreamContext<T> ctx, String shardId, ReadStart start, Consumer<String> onShardEnd) {
        this.ctx = ctx;
        this.shardId = shardId;
        this.start = start;
        this.onShardEnd = onShardEnd;
        this.budget = new FlowBudget(ctx.settings().maxBufferedRecordsPerShard(),
                ctx.settings().maxBufferedBytesPerShard());
        this.tracker = new CheckpointTracker(ctx.settings().maxBufferedRecordsPerShard());
        for (int i = 0; i < ctx.settings().parallelizationFactor(); i++) {
            lanes.add(new Lane<>(ctx.settings().batchSize(), ctx.settings().tumblingWindowInSeconds(), ctx.clock()));
        }
    }

    String shardId() {
        return shardId;
    }

    void start() {
        threads.add(Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-" + shardId + "-reader")
                .start(this::readLoop));
        for (int i = 0; i < lanes.size(); i++) {
            Lane<T> lane = lanes.get(i);
            threads.add(Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-" + shardId + "-lane-" + i)
                    .start(() -> laneLoop(lane)));
        }
    }

    /** Stops reading and forming batches; batches being invoked finish, failed ones are not retried. */
    void requestStop() {
        stopRequested.countDown();
        threads.getFirst().interrupt();
        lanes.forEach(Lane::close);
    }

    boolean awaitTermination(Instant deadline) throws InterruptedException {
        for (Thread thread : threads) {
            Duration left = Duration.between(Instant.now(), deadline);
            if (!left.isPositive() || !thread.join(left)) {
                return false;
            }
        }
        return true;
    }

    /** After the stop timeout: interrupts handlers still running. */
    void interrupt() {
        threads.forEach(Thread::interrupt);
    }

    /** Writes a checkpoint that an earlier store failure left unsaved and reports what is left. */
    ShardStopReport finish() {
        synchronized (progressLock) {
            if (unsavedCheckpoint != null) {
                save(unsavedCheckpoint);
            }
            long left = tracker.inFlight();
            for (Lane<T> lane : lanes) {
                lane.drain();
            }
            return new ShardStopReport(shardId, lastSavedCheckpoint, left, unsavedCheckpoint == null);
        }
    }

    private boolean stopping() {
        return stopRequested.getCount() == 0;
    }

    private boolean pause(Duration duration) throws InterruptedException {
        return !stopRequested.await(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void readLoop() {
        try (ShardReader<T> reader = openReader()) {
            if (reader == null) {
                return;
            }
            int failures = 0;
            while (!stopping()) {
                int room = budget.awaitRoom();
                Instant fetchStart = ctx.clock().instant();
                FetchResult<T> result;
                try {
                    result = reader.fetch(Math.min(room, MAX_FETCH));
                    failures = 0;
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    if (stopping()) {
                        return;
                    }
                    ctx.metrics().pollingErrors.increment();
                    LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                            .addKeyValue("attempt", ++failures).setCause(e).log("fetch failed; retrying");
                    if (!pause(ctx.backoff().delay(failures))) {
                        return;
                    }
                    continue;
                }
                ctx.metrics().polled.increment(result.records().size());
                recordIteratorAge(result);
                dispatch(result.records(), result.shardEnded());
                lastDealtFetchStart = fetchStart;
                if (result.shardEnded()) {
                    return;
                }
                if (result.records().isEmpty() && !pause(ctx.settings().idlePollInterval())) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            // Interrupted by stop: nothing more to read.
        }
    }

    private ShardReader<T> openReader() throws InterruptedException {
        for (int attempt = 1; !stopping(); attempt++) {
            try {
                return ctx.source().openReader(shardId, start);
            } catch (InterruptedException e) {
                throw e;
            } catch (Exception e) {
                ctx.metrics().pollingErrors.increment();
                LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                        .addKeyValue("attempt", attempt).setCause(e).log("opening shard reader failed; retrying");
                if (!pause(ctx.backoff().delay(attempt))) {
                    break;
                }
            }
        }
        return null;
    }

    private void recordIteratorAge(FetchResult<T> result) {
        if (result.millisBehindLatest() >= 0) {
            ctx.metrics().iteratorAge.record(result.millisBehindLatest());
        } else if (!result.records().isEmpty()) {
            Instant newest = result.records().getLast().approximateArrivalTimestamp();
            ctx.metrics().iteratorAge.record(Math.max(0, Duration.between(newest, ctx.clock().instant()).toMillis()));
        }
    }

    private void dispatch(List<StreamRecord<T>> records, boolean shardEnded) {
        long bytes = 0;
        for (StreamRecord<T> record : records) {
            bytes += record.sizeBytes();
        }
        budget.take(records.size(), bytes);
        List<List<Entry<T>>> perLane = new ArrayList<>(lanes.size());
        for (int i = 0; i < lanes.size(); i++) {
            perLane.add(new ArrayList<>());
        }
        List<Entry<T>> filteredOut = new ArrayList<>();
        boolean endNow;
        boolean endWriteFailed;
        synchronized (progressLock) {
            for (StreamRecord<T> record : records) {
                Entry<T> entry = new Entry<>(tracker.register(record.sequenceNumber()), record);
                if (matchesFilter(record)) {
                    perLane.get(laneOf(record.partitionKey())).add(entry);
                } else {
                    filteredOut.add(entry);
                }
            }
            readerReachedEnd = shardEnded;
            inputEnded = shardEnded;
            endNow = checkShardEnd();
            endWriteFailed = shardEndWriteFailed();
        }
        for (int i = 0; i < lanes.size(); i++) {
            if (!perLane.get(i).isEmpty()) {
                lanes.get(i).offerAll(perLane.get(i));
            }
        }
        // Filtered-out records count as done: the checkpoint moves past them once the records before are done.
        ctx.metrics().filteredOut.increment(filteredOut.size());
        complete(filteredOut);
        if (endWriteFailed) {
            endNow = retryShardEnd();
        }
        if (endNow) {
            shardEnded();
        }
    }

    private boolean matchesFilter(StreamRecord<T> record) {
        return ctx.filter().isEmpty() || ctx.filter().matches(ctx.source().filterDocument(record));
    }

    private int laneOf(String partitionKey) {
        return lanes.size() == 1 ? 0 : Math.floorMod(partitionKey.hashCode(), lanes.size());
    }

    private void laneLoop(Lane<T> lane) {
        BatchProcessor<T> processor = new BatchProcessor<>(ctx, shardId, this::complete, this::pause);
        int windowSeconds = ctx.settings().tumblingWindowInSeconds();
        WindowSession<T> session = null;
        Instant batchingWindowStart = ctx.clock().instant();
        try {
            while (true) {
                WindowSession<T> open = session;
                List<Entry<T>> batch = lane.nextBatch(batchingWindowStart, ctx.settings().maximumBatchingWindow(),
                        open == null ? null : () -> inputEnded || !lastDealtFetchStart.isBefore(open.end));
                if (batch == null) {
                    return;
                }
                if (session != null && (batch.isEmpty()
                        || !session.contains(batch.getFirst().record.approximateArrivalTimestamp()))) {
                    boolean early = batch.isEmpty() && ctx.clock().instant().isBefore(session.end);
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
        } catch (InterruptedException e) {
            // Interrupted after the stop timeout: the batch stays unfinished and is read again after a restart.
        }
    }

    /** Called by lanes as records end; checkpoints the contiguous done prefix. */
    private void complete(List<Entry<T>> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long bytes = 0;
        long passed;
        boolean endNow;
        boolean endWriteFailed;
        synchronized (progressLock) {
            long inFlightBefore = tracker.inFlight();
            for (Entry<T> entry : entries) {
                tracker.markDone(entry.ordinal);
                bytes += entry.sizeBytes;
            }
            String sequenceNumber = tracker.advance();
            if (sequenceNumber != null) {
                save(new Checkpoint.AtSequenceNumber(sequenceNumber));
            }
            passed = inFlightBefore - tracker.inFlight();
            endNow = checkShardEnd();
            endWriteFailed = shardEndWriteFailed();
        }
        // Payload bytes are free once a record is done, but its slot in the tracker only once the checkpoint passes
        // it. Releasing record room per done record let other lanes run ahead of a slow or failing one until the
        // tracker overflowed and the reader thread died ("more than N records in flight"); so record room comes back
        // as the checkpointable prefix advances, which keeps the tracker within its capacity.
        budget.release((int) passed, bytes);
        if (endWriteFailed) {
            endNow = retryShardEnd();
        }
        if (endNow) {
            shardEnded();
        }
    }

    /** Guarded by progressLock. True when the shard is done but writing its ShardEnd checkpoint failed. */
    private boolean shardEndWriteFailed() {
        return readerReachedEnd && !shardEndSaved && tracker.allDone();
    }

    /**
     * A failed ShardEnd write has no later checkpoint to be retried with (no record will complete after it), and
     * the children wait for it: without this the shard's lineage would stall until a restart. Retries it with
     * backoff, outside progressLock, until it is written or the worker stops. Returns true once written here.
     */
    private boolean retryShardEnd() {
        for (int attempt = 1; ; attempt++) {
            try {
                if (!pause(ctx.backoff().delay(attempt))) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            synchronized (progressLock) {
                if (!shardEndWriteFailed()) {
                    return false;
                }
                if (checkShardEnd()) {
                    return true;
                }
            }
        }
    }

    private void shardEnded() {
        lanes.forEach(Lane::close);
        onShardEnd.accept(shardId);
    }

    /** Guarded by progressLock. True exactly once: when the shard's end is checkpointed. */
    private boolean checkShardEnd() {
        if (readerReachedEnd && !shardEndSaved && tracker.allDone()) {
            shardEndSaved = save(Checkpoint.ShardEnd.INSTANCE);
            return shardEndSaved;
        }
        return false;
    }

    /**
     * Guarded by progressLock, so checkpoints are written in order. A failed write is kept and retried with the next
     * one: the records are done, only their checkpoint is late.
     */
    private boolean save(Checkpoint checkpoint) {
        try {
            ctx.checkpoints().save(ctx.mappingName(), shardId, checkpoint);
            lastSavedCheckpoint = checkpoint;
            unsavedCheckpoint = null;
            return true;
        } catch (Exception e) {
            unsavedCheckpoint = checkpoint;
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId).setCause(e)
                    .log("checkpoint write failed; it is retried with the next one");
            return false;
        }
    }
}
