package io.esm4j.internal.stream;

import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.FailureRun;
import io.esm4j.internal.IdleTicks;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.lease.Checkpoint;
import io.esm4j.stream.AwaitableShardReader;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.ShardThrottledException;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.time.Instant;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One run of a shard: a reader thread feeding a {@link ShardPipeline}. A failed read reopens the shard after the
 * last record dealt, with backoff, and the lanes go on; any other failure is reported to the {@link ShardWorker},
 * which replaces the whole session.
 */
final class ShardSession<T> implements ShardPipeline.Listener {

    private static final Logger LOG = LoggerFactory.getLogger(ShardSession.class);
    /** Kinesis returns at most 10,000 records per GetRecords; no source needs more per fetch. */
    private static final int MAX_FETCH = 10_000;
    private static final Duration READER_JOIN = Duration.ofSeconds(5);
    /**
     * The longest an {@link AwaitableShardReader} waits at the tail in one fetch. Every stop of a shard interrupts
     * the wait and a record or the shard's end ends it, so the bound only keeps a wake-up the source lost from
     * idling a shard for good.
     */
    static final Duration AWAIT_BOUND = Duration.ofSeconds(30);
    /**
     * While a tumbling window is open, an awaited fetch ends at the window's end, and re-reads the engine's clock at
     * least this often: the clock may be a test's, which moves without the wall clock.
     */
    static final Duration WINDOW_CLOCK_RECHECK = Duration.ofSeconds(1);

    /** What a session reports to its worker; called from the session's threads. */
    interface Events {
        void progressed(Checkpoint checkpoint);

        /** The session works (records finish, or none is left to do). */
        void healthy();

        void failed(ShardSession<?> session, Throwable failure);

        void lanesEnded(ShardSession<?> session);

        void fatal(Throwable error);

        /** Whether the shard's lease was lost: what the session would give up is left to the lease's next owner. */
        boolean leaseLost();
    }

    private final StreamContext<T> ctx;
    private final String shardId;
    private final ShardHealth health;
    private final Events events;
    private final String readerComponent;
    private final ReadStart start;
    /** The reader's failures in a row, for the log (the engine thread that reads is the only one to use it). */
    private final FailureRun readFailures = new FailureRun();
    /** Where this session's reading began: its start, or the time a LATEST start was first opened. */
    private volatile ReadStart origin;
    private final ShardPipeline<T> pipeline;
    /** Null until the reader thread has started, and for good if it could not. */
    private volatile @Nullable Thread reader;
    /**
     * Reader thread only: the end of a tumbling window still open after the last fetch, plus the margin for records
     * readable late ({@link WindowSession#readThrough()}), or null.
     */
    private Instant openWindowEnd;
    /** Reader thread only: whether this session owns the shard's oldest-undone mark ({@link #takeUnfinishedMark}). */
    private boolean ownsUnfinishedMark;

    ShardSession(StreamContext<T> ctx, String shardId, ReadStart start, ShardHealth health, Events events) {
        this.ctx = ctx;
        this.shardId = shardId;
        this.health = health;
        this.events = events;
        this.readerComponent = ShardProblems.reader(shardId);
        this.start = start;
        this.origin = start;
        this.pipeline = new ShardPipeline<>(ctx, shardId, this, ShardPipeline.LaneRouting.KEY_HASH, events::leaseLost);
    }

    /**
     * Starts the lanes, then the reader. A thread that cannot start fails the session like any failure outside the
     * handler ({@link Events#failed}): the worker halts it and, once the lanes started have ended, starts a new one
     * after the last done record, with backoff. Nothing was read then, so nothing is skipped.
     */
    void start() {
        if (!pipeline.start()) {
            return;
        }
        try {
            reader = EngineThreads.start(Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-" + shardId
                    + "-reader"), MappingLogName.bound(ctx.mappingName(), this::read));
        } catch (ThreadNotStarted e) {
            failed(e);
        }
    }

    /** Stops reading and forming batches; invocations in progress finish. */
    void halt() {
        pipeline.close();
        Thread running = reader;
        if (running != null) {
            running.interrupt();
        }
    }

    void joinReader() throws InterruptedException {
        Thread running = reader;
        if (running != null) {
            running.join(READER_JOIN);
        }
    }

    /** After {@link #halt}: waits for the invocations in progress; false if the deadline came first. */
    boolean awaitLanes(Instant deadline) throws InterruptedException {
        return pipeline.awaitLanes(deadline);
    }

    void interruptHandlers() {
        pipeline.interruptLanes();
    }

    long inFlight() {
        return pipeline.inFlight();
    }

    /** Where the next session starts: after the last done record, or where this one started. */
    ReadStart resumePoint() {
        String lastDone = pipeline.lastDone();
        return lastDone == null ? origin : new ReadStart.AfterSequenceNumber(lastDone);
    }

    @Override
    public void progressed(Checkpoint checkpoint) {
        events.progressed(checkpoint);
        events.healthy();
    }

    @Override
    public void failed(Throwable failure) {
        events.failed(this, failure);
    }

    @Override
    public void unfinishedSince(long arrivalMillis) {
        health.unfinishedSince(this, arrivalMillis);
    }

    @Override
    public void lanesEnded() {
        events.lanesEnded(this);
    }

    private void read() {
        ReadStart from = start;
        int failures = 0;
        while (!pipeline.closed()) {
            Instant opening = ctx.clock().instant();
            try (ShardReader<T> shardReader = ctx.source().openReader(shardId, from)) {
                if (from instanceof ReadStart.Latest) {
                    // Reopened at LATEST, a reader would skip what arrived since it first opened; so would whoever
                    // runs the shard next (after a stop, a hand-off or a crash before the first record is done), so
                    // the time is saved as the shard's checkpoint too.
                    from = new ReadStart.AtTimestamp(opening);
                    origin = from;
                    events.progressed(new Checkpoint.AtTimestamp(opening));
                }
                AwaitableShardReader<T> awaitable = shardReader instanceof AwaitableShardReader<T> a ? a : null;
                // A fresh reader's first fetch returns at once, so that the shard's status is brought up to date
                // (healthy, reader failure resolved) before it waits; after an empty fetch the next one may wait.
                boolean atTail = false;
                while (!pipeline.closed()) {
                    int room = pipeline.awaitRoom();
                    Instant fetchStart = ctx.clock().instant();
                    long fetchStartNanos = System.nanoTime();
                    int max = Math.min(room, MAX_FETCH);
                    FetchResult<T> result = awaitable == null ? shardReader.fetch(max)
                            : awaitable.fetch(max, atTail ? awaitFor(fetchStart, fetchStartNanos) : Duration.ZERO);
                    if (failures > 0) {
                        failures = 0;
                        ctx.status().resolved(readerComponent);
                        readRecovered();
                    }
                    if (!result.records().isEmpty()) {
                        ctx.metrics().polled.increment(result.records().size());
                    }
                    if (result.positionExpired()) {
                        ctx.metrics().readPositionsExpired.increment();
                    }
                    recordIteratorAge(result);
                    if (!deal(result, fetchStart)) {
                        return;
                    }
                    takeUnfinishedMark(result);
                    noteWindow(result, fetchStart);
                    if (pipeline.inFlight() == 0) {
                        events.healthy();
                    }
                    if (!result.records().isEmpty()) {
                        from = new ReadStart.AfterSequenceNumber(result.records().getLast().sequenceNumber());
                    }
                    if (result.shardEnded()) {
                        return;
                    }
                    atTail = result.records().isEmpty();
                    if (atTail && awaitable == null && !pipeline.pause(
                            idleWait(ctx.settings().idlePollInterval(), fetchStartNanos, System.nanoTime()))) {
                        return;
                    }
                }
            } catch (Throwable e) {
                if (Fatal.isFatal(e)) {
                    events.fatal(e);
                    return;
                }
                if (pipeline.closed()) {
                    return;
                }
                // halt() closes the pipeline before it interrupts the reader, so an InterruptedException while it is
                // open is the source's own (a client that takes a timeout for an interrupt): a failed read like any
                // other. Taken for a stop, it ended the reader for good and left the shard unread while its lease
                // was still renewed. A flag the source restored would end the backoff below at once, and the reader.
                Thread.interrupted();
                failures++;
                if (!readFailed(e, failures)) {
                    return;
                }
            }
        }
    }

    /**
     * How long an awaited fetch at the tail may wait: until the reader's next timed duty. The only one is closing an
     * open tumbling window, which needs an empty fetch that starts at or after the window's end (everything that
     * arrived in the window has been read then); without one, {@link #AWAIT_BOUND}. The wait is stretched to end on a tick shared
     * with other idle shards ({@link IdleTicks}).
     */
    private Duration awaitFor(Instant fetchStart, long fetchStartNanos) {
        Instant windowEnd = openWindowEnd;
        long wait = windowEnd == null ? AWAIT_BOUND.toNanos()
                : Math.min(Math.max(0, Duration.between(fetchStart, windowEnd).toNanos()),
                        WINDOW_CLOCK_RECHECK.toNanos());
        return Duration.ofNanos(IdleTicks.waitToTick(fetchStartNanos, wait, IdleTicks.tickFor(wait)));
    }

    /**
     * Tracks the end of the tumbling window the last records dealt belong to, until a fetch that started at or after
     * it has been dealt: if it was empty it lets the lane close the window, and if it returned records the next fetch
     * asks for no wait. Records arrive in order, so the window of the last record is the only one a later record
     * cannot close.
     */
    private void noteWindow(FetchResult<T> result, Instant fetchStart) {
        int windowSeconds = ctx.settings().tumblingWindowInSeconds();
        if (windowSeconds == 0) {
            return;
        }
        Instant windowEnd = openWindowEnd;
        if (windowEnd != null && !fetchStart.isBefore(windowEnd)) {
            openWindowEnd = null;
        }
        if (!result.records().isEmpty()) {
            Instant end = WindowSession.containing(result.records().getLast().approximateArrivalTimestamp(),
                    windowSeconds).readThrough();
            if (fetchStart.isBefore(end)) {
                openWindowEnd = end;
            }
        }
    }

    /**
     * IdlePollInterval counts from the start of the empty fetch: a source that long-polls has already waited, and a
     * second timed wait per cycle would only double an idle shard's wake-ups. What is left is stretched to end on a
     * tick shared with other idle shards ({@link IdleTicks}), so that they wake together.
     */
    static Duration idleWait(Duration idlePollInterval, long fetchStartNanos, long nowNanos) {
        long interval = idlePollInterval.toNanos();
        long left = interval - (nowNanos - fetchStartNanos);
        return left <= 0 ? Duration.ZERO
                : Duration.ofNanos(IdleTicks.waitToTick(nowNanos, left, IdleTicks.tickFor(interval)));
    }

    private void readRecovered() {
        int ended = readFailures.succeeded();
        if (FailureRun.logRecovery(ended)) {
            LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                    .addKeyValue("failuresInARow", ended).log("reading the shard works again");
        }
    }

    /** Counts and shows a failed read, then waits before the reopen; false if the session closed meanwhile. */
    private boolean readFailed(Throwable failure, int failures) {
        ctx.metrics().pollingErrors.increment();
        health.failed(failure);
        // A reader throttled for long says so itself, with its likely cause.
        String what = failure instanceof ShardThrottledException ? failure.getMessage()
                : "failed: " + Fatal.describe(failure);
        ctx.status().problem(readerComponent, "PROBLEM: reading shard " + shardId + " " + what);
        // A shard that cannot be read for hours (throttled, an endpoint down) logs its first failure, then a
        // summary now and then: the status and PollingErrorCount show every one. Throttling is expected and says
        // what it is in its message; its stack trace would tell nothing more.
        boolean throttled = failure instanceof ShardThrottledException;
        LoggingEventBuilder line = FailureRun.log(LOG, readFailures.failed(), failure, !throttled)
                .addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId);
        if (throttled) {
            line = line.addKeyValue("reason", failure.getMessage());
        }
        line.log("reading the shard failed; reopening it after the last record read");
        try {
            return pipeline.pause(ctx.backoff().delay(failures));
        } catch (InterruptedException interrupted) {
            return false;
        }
    }

    /** Hands a fetch to the pipeline; a failure there is the engine's, and restarts the session. */
    private boolean deal(FetchResult<T> result, Instant fetchStart) {
        try {
            pipeline.offer(result.records(), result.shardEnded(), readToTail(result) ? fetchStart : null);
            return true;
        } catch (Throwable e) {
            failed(e);
            return false;
        }
    }

    /**
     * The previous session's mark of the oldest undone record stands until this session has read the shard again: its
     * first fetch that returns records starts at the oldest undone record still in the shard (they are read in order
     * from after the last done one), and one that reaches the tail or the shard's end shows that none is left, as
     * when the records were trimmed (retention passed) while the shard restarted. Kept until then, so that a restart
     * does not hide a stuck shard's age while it reopens.
     */
    private void takeUnfinishedMark(FetchResult<T> result) {
        if (!ownsUnfinishedMark && (!result.records().isEmpty() || readToTail(result) || result.shardEnded())) {
            ownsUnfinishedMark = true;
            health.takeUnfinished(this);
            pipeline.repeatUnfinished();
        }
    }

    /**
     * Whether a fetch read the shard to its tail, so that every record that arrived before it started has been read:
     * it returned nothing, and the source does not say the shard holds records past it. A fetch that returned records
     * may have been cut short by its limit (one page, the room the buffer gives, a service's maximum), so it proves
     * nothing about the records after its last.
     */
    private static boolean readToTail(FetchResult<?> result) {
        return result.records().isEmpty() && result.millisBehindLatest() <= 0;
    }

    private void recordIteratorAge(FetchResult<T> result) {
        if (result.millisBehindLatest() >= 0) {
            health.iteratorAge(result.millisBehindLatest());
        } else if (!result.records().isEmpty()) {
            StreamRecord<T> newest = result.records().getLast();
            health.iteratorAge(Math.max(0, Duration.between(newest.approximateArrivalTimestamp(),
                    ctx.clock().instant()).toMillis()));
        } else {
            health.iteratorAge(0);
        }
    }
}
