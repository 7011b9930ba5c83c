package io.esm4j.internal.stream;

import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.lease.Checkpoint;
import io.esm4j.settings.StreamSettings;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The processing half of a shard, independent of how records are read or where progress is written: records
 * offered in shard order are filtered, dealt to ParallelizationFactor lanes by partition key ({@link LaneRouting}),
 * batched, invoked with retries, bisection and give-up (one {@link BatchProcessor} per lane), and tracked, so that
 * the contiguous done prefix is reported to a {@link Listener} in order ({@link ShardProgress}). A reader thread
 * feeds it for Kinesis-like streams; a source whose consumer is single-threaded (Kafka) can feed it from its poll
 * loop and commit what the listener reports on that same thread.
 *
 * <p>One pipeline is one session of a shard: after a failure outside the handler the shard worker closes it, waits
 * for its lanes and starts a new one from {@link #lastDone()}.
 */
public final class ShardPipeline<T> {

    /** Where a pipeline reports. Every method is called from the pipeline's threads and must not block. */
    public interface Listener {
        /**
         * The contiguous done prefix moved to {@code checkpoint} (a sequence number, or {@link Checkpoint.ShardEnd}
         * once the shard ended and every record is done). Calls come in order.
         */
        void progressed(Checkpoint checkpoint);

        /** A lane failed outside the handler (engine, source, store): the pipeline must be replaced. */
        void failed(Throwable failure);

        /** The last lane thread ended (after {@link #close()}, or after a failure). */
        void lanesEnded();

        /**
         * When the oldest record read and not yet done arrived in the stream (epoch millis), or, with tumbling windows,
         * when its window ended; -1 once every record read is done. Called as it changes.
         */
        default void unfinishedSince(long arrivalMillis) {}
    }

    /** How records reach the ParallelizationFactor lanes; with one lane both are the shard in order. */
    public enum LaneRouting {
        /**
         * Lambda's, for Kinesis and DynamoDB Streams: a key always goes to the lane its hash picks, so keys that share
         * a lane wait for each other.
         */
        KEY_HASH,
        /**
         * esm4j's, for Kafka: a key with no record in flight goes to whichever lane asks first; one key's records are
         * never in two invocations at once and are handed out in order (see {@link KeyLanes}). With MaximumConcurrency
         * (and ParallelizationFactor above 1) a shard may run up to MaximumConcurrency lanes, started as keys need
         * them, instead of ParallelizationFactor.
         */
        FREE_KEY
    }

    private final StreamContext<T> ctx;
    private final String shardId;
    private final Listener listener;
    private final BooleanSupplier leaseLost;
    private final FlowBudget budget;
    private final ShardProgress progress;
    /** The lanes' own queues with {@link LaneRouting#KEY_HASH}; empty with {@link #keyLanes}. */
    private final List<Lane<T>> lanes = new ArrayList<>();
    /** The queues all lanes share with {@link LaneRouting#FREE_KEY} and more than one lane; null otherwise. */
    private final KeyLanes<T> keyLanes;
    /** The lane threads running; lanes of {@link #keyLanes} come and go. */
    private final LaneThreads laneThreads;
    private final CountDownLatch closed = new CountDownLatch(1);
    /**
     * Every record that arrived in the shard before this time has been dealt to the lanes: once it is past a tumbling
     * window's end, every record of the window has been read. Together with {@link #inputEnded}, it is what closes a
     * window that no later record closes. Both are published only after the records of their read are in the lanes'
     * queues, so that a lane that finds its queue empty never closes a window whose last records are on their way.
     */
    private volatile Instant readTo = Instant.MIN;
    private volatile boolean inputEnded;
    /**
     * Set before the lanes are interrupted (a stop's or hand-off's timeout, a lost lease's wind-down): from then on
     * nothing is given up, since a handler that turned the interrupt into a failure of its own did not fail on its
     * records.
     */
    private volatile boolean lanesInterrupted;
    /** A lane's thread could not start: the pipeline failed (see {@link #lanesNotStarted}). */
    private volatile boolean laneNotStarted;

    public ShardPipeline(StreamContext<T> ctx, String shardId, Listener listener, LaneRouting routing) {
        this(ctx, shardId, listener, routing, () -> false);
    }

    /**
     * @param leaseLost true once the shard's lease is lost (not handed back at a stop): batches whose retries or age
     *                  run out then are left unfinished for the lease's next owner instead of being given up to the
     *                  on-failure destination
     */
    public ShardPipeline(StreamContext<T> ctx, String shardId, Listener listener, LaneRouting routing,
                         BooleanSupplier leaseLost) {
        this.ctx = ctx;
        this.shardId = shardId;
        this.listener = listener;
        this.leaseLost = leaseLost;
        this.laneThreads = new LaneThreads(ctx.settings().handlerThreads(), ctx.mappingName(), shardId,
                listener::lanesEnded);
        this.budget = new FlowBudget(ctx.settings().maxBufferedRecordsPerShard(),
                ctx.settings().maxBufferedBytesPerShard());
        this.progress = new ShardProgress(listener, ctx.settings().maxBufferedRecordsPerShard(),
                ctx.settings().tumblingWindowInSeconds());
        StreamSettings settings = ctx.settings();
        int laneCount = settings.parallelizationFactor();
        int envelopeBytes = ctx.source().eventEnvelopeBytes(shardId);
        // A window's event also carries the window's fields (RecordsJson.withWindow), the shard's part of them fixed.
        long windowFieldBytes = settings.tumblingWindowInSeconds() > 0
                ? WindowSession.shardFieldBytes(shardId, ctx.source().streamArn()) : 0;
        // Tumbling windows need ParallelizationFactor 1 (StreamSettings checks it), so shared queues never see one.
        if (routing == LaneRouting.FREE_KEY && laneCount > 1) {
            // Under a mapping-wide cap the shard's share is not fixed: one lane while idle, up to the cap when busy.
            boolean capped = settings.concurrencyCapped();
            keyLanes = new KeyLanes<>(settings.batchSize(), ctx.clock(), envelopeBytes, capped ? 1 : laneCount,
                    capped ? settings.maximumConcurrency() : laneCount, this::startKeyLane);
        } else {
            keyLanes = null;
            for (int i = 0; i < laneCount; i++) {
                lanes.add(new Lane<>(ctx.settings().batchSize(), ctx.settings().tumblingWindowInSeconds(),
                        ctx.clock(), envelopeBytes, windowFieldBytes));
            }
        }
    }

    /**
     * Starts the lanes; false if one could not start, which the listener has been told as a failure (then there is
     * nothing to feed: the owner replaces the pipeline).
     */
    public boolean start() {
        if (keyLanes != null) {
            keyLanes.startLanes();
            return !laneNotStarted;
        }
        laneThreads.count(lanes.size());
        for (int i = 0; i < lanes.size(); i++) {
            Lane<T> lane = lanes.get(i);
            ThreadNotStarted notStarted = laneThreads.start(() -> runLane(lane));
            if (notStarted != null) {
                // The lanes started end as the owner closes the pipeline; those not started count as ended now.
                lanesNotStarted(notStarted, lanes.size() - i);
                return false;
            }
        }
        return true;
    }

    /** Called by {@link KeyLanes} under its lock: a lane that cannot start ends at once, and no other starts. */
    private void startKeyLane(KeyLanes<T>.KeyLane lane) {
        laneThreads.count(1);
        ThreadNotStarted notStarted = laneThreads.start(() -> runLane(lane));
        if (notStarted != null) {
            keyLanes.laneEnded(lane, true);
            lanesNotStarted(notStarted, 1);
        }
    }

    /**
     * Lanes that could not start fail the pipeline as a failing lane does (reported before the lanes' end): the owner
     * closes it and starts a new one after the done prefix. No record was dealt to them: at {@link #start} nothing is
     * read yet, and a {@link #keyLanes} lane only takes free keys, which stay waiting, undone.
     */
    private void lanesNotStarted(ThreadNotStarted failure, int count) {
        laneNotStarted = true;
        listener.failed(failure);
        laneThreads.ended(count);
    }

    /** Blocks until the shard's buffers have room; returns how many more records may be offered. */
    int awaitRoom() throws InterruptedException {
        return budget.awaitRoom();
    }

    /**
     * How many more records may be offered now, without waiting: 0 while the record or byte bound is reached. For a
     * reader that must not block (a Kafka poll thread pauses the partition instead).
     */
    public int room() {
        return budget.room();
    }

    /**
     * Deals records read from the shard (in shard order, within the room {@link #awaitRoom()} gave) to the lanes.
     * Filtered-out records are done at once. An empty offer still tells open tumbling windows that reading went on.
     *
     * @param shardEnded true when the shard is closed and these are its last records
     * @param readTo     when the read started if it reached the shard's tail, so that every record that arrived
     *                   before then has now been read; null if it may have been cut short by a limit (a page, the
     *                   room given, a poll's size). It closes the tumbling windows that ended by then.
     */
    public void offer(List<StreamRecord<T>> records, boolean shardEnded, @Nullable Instant readTo) {
        if (records.isEmpty() && !shardEnded) {
            // An idle shard's empty reads cost no lock and wake no lane, unless a tumbling window may be waiting
            // for reading to pass its end.
            if (readTo != null) {
                this.readTo = readTo;
                wakeOpenWindows();
            }
            return;
        }
        long bytes = 0;
        for (StreamRecord<T> record : records) {
            bytes += record.heldBytes();
        }
        budget.take(records.size(), bytes);
        // The filter runs before the progress lock: it is the source's code, and nothing else may wait on it. Without
        // criteria every record matches, and nothing is allocated for outcomes.
        RecordFilter.Outcome[] outcomes = ctx.filter().isEmpty() ? null : ctx.filter().testAll(records);
        long firstOrdinal = progress.register(records, shardEnded);
        // With free-key routing all matching records go to the shared queues, in read order: one "lane" here.
        int dealtTo = keyLanes != null ? 1 : lanes.size();
        int expectedPerLane = records.size() / dealtTo + 16;
        List<List<Entry<T>>> perLane = new ArrayList<>(dealtTo);
        for (int i = 0; i < dealtTo; i++) {
            perLane.add(new ArrayList<>(Math.min(records.size(), expectedPerLane)));
        }
        List<Entry<T>> filteredOut = outcomes == null ? List.of() : new ArrayList<>();
        for (int i = 0; i < records.size(); i++) {
            StreamRecord<T> record = records.get(i);
            Entry<T> entry = new Entry<>(firstOrdinal + i, record);
            RecordFilter.Outcome outcome = outcomes == null ? RecordFilter.Outcome.MATCH : outcomes[i];
            switch (outcome) {
                case MATCH -> perLane.get(laneOf(record.partitionKey())).add(entry);
                case NO_MATCH -> filteredOut.add(entry);
                case FAILED -> {
                    entry.filterPending = true;
                    perLane.get(laneOf(record.partitionKey())).add(entry);
                }
            }
        }
        if (keyLanes != null) {
            keyLanes.offerAll(perLane.getFirst());
        }
        for (int i = 0; i < lanes.size(); i++) {
            lanes.get(i).offerAll(perLane.get(i));
        }
        if (shardEnded || readTo != null) {
            inputEnded = shardEnded;
            if (readTo != null) {
                this.readTo = readTo;
            }
            wakeOpenWindows();
        }
        // Filtered-out records count as done: the checkpoint moves past them once the records before are done.
        if (!filteredOut.isEmpty()) {
            ctx.metrics().filteredOut.increment(filteredOut.size());
            complete(filteredOut);
        }
        if (shardEnded && records.isEmpty()) {
            complete(List.of());
        }
    }

    /** Lets lanes with an open tumbling window see that reading went on (windows need one lane, with own queues). */
    private void wakeOpenWindows() {
        if (ctx.settings().tumblingWindows()) {
            lanes.forEach(lane -> lane.offerAll(List.of()));
        }
    }

    /**
     * Stops forming batches: invocations in progress finish, a failed batch is not retried and records not yet
     * done stay after {@link #lastDone()}.
     */
    public void close() {
        closed.countDown();
        lanes.forEach(Lane::close);
        if (keyLanes != null) {
            keyLanes.close();
        }
        // Lanes waiting for a MaximumConcurrency permit give up: their batches are not invoked.
        if (ctx.concurrency() != null) {
            ctx.concurrency().wakeWaiters();
        }
    }

    public boolean closed() {
        return closed.getCount() == 0;
    }

    /**
     * Waits for the lanes to end (called after {@link #close()}, when no lane starts any more); false if the deadline
     * came first.
     */
    public boolean awaitLanes(Instant deadline) throws InterruptedException {
        return laneThreads.await(deadline);
    }

    /** After a stop timeout: interrupts handlers still running. */
    public void interruptLanes() {
        lanesInterrupted = true;
        laneThreads.interrupt();
    }

    /** The sequence number of the last record of the done prefix, or null if none is done yet. */
    public String lastDone() {
        return progress.lastDone();
    }

    /** Records read and not yet passed by the done prefix. */
    public long inFlight() {
        return progress.inFlight();
    }

    /** Waits that end early when the pipeline closes; returns false if it closed. */
    boolean pause(Duration duration) throws InterruptedException {
        return !closed.await(duration.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Kafka records without a key are ordered by partition: they share one lane (with free keys, one key). */
    private int laneOf(String partitionKey) {
        return lanes.size() <= 1 || partitionKey == null ? 0 : Math.floorMod(partitionKey.hashCode(), lanes.size());
    }

    private void runLane(BatchSource<T> lane) {
        boolean failed = false;
        try {
            new LaneRunner<>(ctx, shardId, lane, keyLanes == null ? this::complete : this::completeAndFreeKeys,
                    this::pause, this::closed, () -> inputEnded, () -> readTo,
                    () -> budget.room() == 0, leaseLost, () -> lanesInterrupted).run();
        } catch (InterruptedException e) {
            if (!closed()) {
                // Only a closed pipeline's lanes are interrupted: this one came from a call that made it up, and
                // the session restarts instead of losing the lane silently.
                failed = true;
                listener.failed(e);
            }
            // Otherwise interrupted after the stop timeout: the batch stays unfinished and is read again after a
            // restart.
        } catch (Throwable e) {
            failed = true;
            listener.failed(e);
        } finally {
            if (lane instanceof KeyLanes<T>.KeyLane keyLane) {
                keyLanes.laneEnded(keyLane, failed);
            }
            laneThreads.ended(1);
        }
    }

    /** Records of the shared queues end: their keys may go to any lane once none of their records is in flight. */
    private void completeAndFreeKeys(List<Entry<T>> entries) {
        complete(entries);
        keyLanes.done(entries);
    }

    /**
     * Tells the listener again what {@link Listener#unfinishedSince} last said, for a listener that ignored the reports
     * until now; no report made before it arrives after it.
     */
    void repeatUnfinished() {
        progress.repeatUnfinished();
    }

    /** Called as records end; reports the contiguous done prefix. */
    private void complete(List<Entry<T>> entries) {
        long bytes = 0;
        for (Entry<T> entry : entries) {
            bytes += entry.record.heldBytes();
        }
        long passed = progress.markDone(entries);
        // Payload bytes are free once a record is done, but its slot in the tracker only once the done prefix passes
        // it: releasing record room per done record let other lanes run ahead of a slow or failing one until the
        // tracker overflowed. So record room comes back as the prefix advances, which keeps the tracker in bounds.
        budget.release((int) passed, bytes);
    }
}
