package io.esm4j.internal.stream;

import io.esm4j.internal.IdleTicks;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.lease.Checkpoint;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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

    /** What a session reports to its worker; called from the session's threads. */
    interface Events {
        void progressed(Checkpoint checkpoint);

        /** The session works (records finish, or none is left to do). */
        void healthy();

        void failed(ShardSession<?> session, Throwable failure);

        void lanesEnded(ShardSession<?> session);

        void fatal(Throwable error);
    }

    private final StreamContext<T> ctx;
    private final String shardId;
    private final ShardHealth health;
    private final Events events;
    private final String readerComponent;
    private final ReadStart start;
    /** Where this session's reading began: its start, or the time a LATEST start was first opened. */
    private volatile ReadStart origin;
    private final ShardPipeline<T> pipeline;
    private Thread reader;

    ShardSession(StreamContext<T> ctx, String shardId, ReadStart start, ShardHealth health, Events events) {
        this.ctx = ctx;
        this.shardId = shardId;
        this.health = health;
        this.events = events;
        this.readerComponent = "shard " + shardId + " reader";
        this.start = start;
        this.origin = start;
        this.pipeline = new ShardPipeline<>(ctx, shardId, this);
    }

    void start() {
        pipeline.start();
        reader = Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-" + shardId + "-reader")
                .start(this::read);
    }

    /** Stops reading and forming batches; invocations in progress finish. */
    void halt() {
        pipeline.close();
        reader.interrupt();
    }

    void joinReader() throws InterruptedException {
        reader.join(READER_JOIN);
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
                    // Reopened at LATEST, a reader would skip what arrived since it first opened.
                    from = new ReadStart.AtTimestamp(opening);
                    origin = from;
                }
                while (!pipeline.closed()) {
                    int room = pipeline.awaitRoom();
                    Instant fetchStart = ctx.clock().instant();
                    long fetchStartNanos = System.nanoTime();
                    FetchResult<T> result = shardReader.fetch(Math.min(room, MAX_FETCH));
                    if (failures > 0) {
                        failures = 0;
                        ctx.status().resolved(readerComponent);
                    }
                    if (!result.records().isEmpty()) {
                        ctx.metrics().polled.increment(result.records().size());
                    }
                    recordIteratorAge(result);
                    if (!deal(result, fetchStart)) {
                        return;
                    }
                    if (pipeline.inFlight() == 0) {
                        events.healthy();
                    }
                    if (!result.records().isEmpty()) {
                        from = new ReadStart.AfterSequenceNumber(result.records().getLast().sequenceNumber());
                    }
                    if (result.shardEnded()) {
                        return;
                    }
                    if (result.records().isEmpty() && !pipeline.pause(
                            idleWait(ctx.settings().idlePollInterval(), fetchStartNanos, System.nanoTime()))) {
                        return;
                    }
                }
            } catch (InterruptedException e) {
                return;
            } catch (Throwable e) {
                if (Fatal.isFatal(e)) {
                    events.fatal(e);
                    return;
                }
                if (pipeline.closed()) {
                    return;
                }
                failures++;
                if (!readFailed(e, failures)) {
                    return;
                }
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

    /** Counts and shows a failed read, then waits before the reopen; false if the session closed meanwhile. */
    private boolean readFailed(Throwable failure, int failures) {
        ctx.metrics().pollingErrors.increment();
        health.failed(failure);
        ctx.status().problem(readerComponent, "PROBLEM: reading shard " + shardId + " failed: "
                + Fatal.describe(failure));
        LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                .addKeyValue("attempt", failures).setCause(failure)
                .log("reading the shard failed; reopening it after the last record read");
        try {
            return pipeline.pause(ctx.backoff().delay(failures));
        } catch (InterruptedException interrupted) {
            return false;
        }
    }

    /** Hands a fetch to the pipeline; a failure there is the engine's, and restarts the session. */
    private boolean deal(FetchResult<T> result, Instant fetchStart) {
        try {
            pipeline.offer(result.records(), result.shardEnded(), fetchStart);
            return true;
        } catch (Throwable e) {
            failed(e);
            return false;
        }
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
