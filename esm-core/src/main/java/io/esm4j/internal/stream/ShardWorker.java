package io.esm4j.internal.stream;

import io.esm4j.internal.handler.Fatal;
import io.esm4j.lease.Checkpoint;
import io.esm4j.stream.FetchResult;
import io.esm4j.stream.ReadStart;
import io.esm4j.stream.ShardReader;
import io.esm4j.stream.StreamRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes one shard while this worker holds its lease, and supervises itself: a supervisor thread runs sessions
 * (a reader thread feeding a {@link ShardPipeline}) and replaces a session that fails outside the handler with a new
 * one that starts after the last done record, with backoff. A reader whose source call fails reopens the shard
 * after the last record it dealt, with backoff. Progress goes to a {@link ShardCommitter}. Every failure is
 * counted, logged and shown in the shard's status; only a fatal one stops the mapping.
 */
final class ShardWorker<T> {

    private static final Logger LOG = LoggerFactory.getLogger(ShardWorker.class);
    /** Kinesis returns at most 10,000 records per GetRecords; no source needs more per fetch. */
    private static final int MAX_FETCH = 10_000;
    private static final Duration READER_JOIN = Duration.ofSeconds(5);

    /** What a worker tells the engine that runs it. */
    interface Owner {
        /** The shard's end is checkpointed and its lease released: its children may start. */
        void shardEnded(ShardWorker<?> worker);

        /** The lease is gone: the worker stopped processing and will write nothing more. */
        void leaseLost(ShardWorker<?> worker, String reason);

        /** A failure that retrying cannot heal: the mapping must stop. */
        void fatal(String shardId, Throwable error);
    }

    private sealed interface Signal {}

    private record Failed(Object session, Throwable cause) implements Signal {}

    private record LanesEnded(Object session) implements Signal {}

    private record Stop() implements Signal {}

    private record Ended() implements Signal {}

    private record Lost(String reason) implements Signal {}

    private record FatalError(Throwable error) implements Signal {}

    private final StreamContext<T> ctx;
    private final HeldLease lease;
    private final String shardId;
    private final Owner owner;
    private final ShardHealth health = new ShardHealth();
    private final ShardCommitter committer;
    private final LinkedBlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private final String component;
    private Thread supervisor;
    private volatile Session current;
    private volatile boolean progressSinceRestart;
    /** Set once the lease is lost or handed back: later renewal failures are not a loss. */
    private final AtomicBoolean leaseGone = new AtomicBoolean();

    ShardWorker(StreamContext<T> ctx, HeldLease lease, Owner owner) {
        this.ctx = ctx;
        this.lease = lease;
        this.shardId = lease.shardId();
        this.owner = owner;
        this.component = "shard " + shardId;
        this.committer = new ShardCommitter(ctx, lease, health, new ShardCommitter.Events() {
            @Override
            public void shardEndSaved() {
                signals.add(new Ended());
            }

            @Override
            public void leaseLost(String reason) {
                ShardWorker.this.leaseLost(reason);
            }

            @Override
            public void fatal(Throwable error) {
                signals.add(new FatalError(error));
            }
        });
    }

    String shardId() {
        return shardId;
    }

    HeldLease lease() {
        return lease;
    }

    ShardHealth health() {
        return health;
    }

    /** The last checkpoint this worker wrote, or null if it wrote none. */
    Checkpoint writtenCheckpoint() {
        return committer.saved();
    }

    /** Where the shard stands: the last checkpoint written, or the lease's own. */
    Checkpoint position() {
        Checkpoint written = committer.saved();
        return written != null ? written : lease.current().checkpoint();
    }

    long inFlight() {
        Session session = current;
        return session == null ? 0 : session.pipeline.inFlight();
    }

    void start() {
        committer.start();
        supervisor = Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-" + shardId).start(this::supervise);
    }

    /** Stops reading and forming batches; batches being invoked finish, failed ones are not retried. */
    void requestStop() {
        signals.add(new Stop());
    }

    /**
     * The renewer could not keep the lease, or another worker took it: stop at once, write nothing more. Counted
     * once, however many parts of the worker notice.
     */
    void leaseLost(String reason) {
        if (leaseGone.compareAndSet(false, true)) {
            ctx.metrics().leasesLost.increment();
            signals.add(new Lost(reason));
        }
    }

    boolean awaitTermination(Instant deadline) throws InterruptedException {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isPositive() && supervisor.join(left);
    }

    /** After the stop timeout: interrupts handlers still running. */
    void interruptHandlers() {
        Session session = current;
        if (session != null) {
            session.pipeline.interruptLanes();
        }
    }

    /**
     * After a stop: writes the final checkpoint, hands the lease back and reports what is left. The lease is released
     * even if the checkpoint could not be written: the next worker then starts at once from the last one written,
     * instead of waiting out the failover time to do the same.
     */
    ShardStopReport finish(Instant deadline) throws InterruptedException {
        boolean saved = committer.flush(deadline);
        committer.close();
        release();
        return new ShardStopReport(shardId, committer.saved(), inFlight(), saved);
    }

    /** Gives back a lease taken just as the mapping stopped, without starting anything. */
    void releaseUnstarted() {
        release();
    }

    private void release() {
        leaseGone.set(true);
        try {
            ctx.leases().release(lease.current());
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId).setCause(e)
                    .log("releasing the lease failed; another worker takes it once it expires");
        }
    }

    // Supervisor thread only.
    private Session session;
    private boolean stopping;
    private boolean ended;
    private boolean restarting;
    private int failuresInARow;

    private void supervise() {
        ReadStart from = readStart(lease.current().checkpoint());
        session = startSession(from);
        long restartAtNanos = 0;
        try {
            while (true) {
                Signal signal;
                if (session == null) {
                    signal = signals.poll(restartAtNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
                    if (signal == null) {
                        session = startSession(from);
                        continue;
                    }
                } else {
                    signal = signals.take();
                }
                switch (signal) {
                    case Failed f -> {
                        if (f.session() == session && !restarting && !stopping) {
                            failuresInARow = progressSinceRestart ? 1 : failuresInARow + 1;
                            progressSinceRestart = false;
                            restarting = true;
                            restartFailed(f.cause(), failuresInARow);
                            session.halt();
                        }
                    }
                    case LanesEnded e -> {
                        if (e.session() != session) {
                            continue;
                        }
                        session.joinReader();
                        if (stopping) {
                            if (ended) {
                                release();
                                owner.shardEnded(this);
                            }
                            return;
                        }
                        if (restarting) {
                            restarting = false;
                            from = session.resumePoint();
                            session = null;
                            restartAtNanos = System.nanoTime() + ctx.backoff().delay(failuresInARow).toNanos();
                        }
                    }
                    case Stop s -> {
                        stopping = true;
                        if (session == null) {
                            return;
                        }
                        session.halt();
                    }
                    case Ended e -> {
                        stopping = true;
                        ended = true;
                        committer.close();
                        if (session == null) {
                            release();
                            owner.shardEnded(this);
                            return;
                        }
                        session.halt();
                    }
                    case Lost l -> {
                        committer.close();
                        if (session != null) {
                            session.halt();
                        }
                        LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                                .addKeyValue("reason", l.reason()).log("lease lost; the shard stops here");
                        owner.leaseLost(this, l.reason());
                        return;
                    }
                    case FatalError f -> {
                        committer.close();
                        if (session != null) {
                            session.halt();
                        }
                        owner.fatal(shardId, f.error());
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            if (session != null) {
                session.halt();
            }
        }
    }

    private void restartFailed(Throwable cause, int failuresInARow) {
        if (Fatal.isFatal(cause)) {
            signals.add(new FatalError(cause));
            return;
        }
        health.restarted(cause);
        ctx.metrics().restarts.increment();
        ctx.status().problem(component, "PROBLEM: shard " + shardId + " restarted after a failure: "
                + Fatal.describe(cause));
        LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                .addKeyValue("failuresInARow", failuresInARow).setCause(cause)
                .log("shard worker failed outside the handler; restarting after the last done record");
    }

    private Session startSession(ReadStart from) {
        Session started = new Session(from);
        current = started;
        started.start();
        return started;
    }

    private static ReadStart readStart(Checkpoint checkpoint) {
        return switch (checkpoint) {
            case Checkpoint.TrimHorizon t -> new ReadStart.TrimHorizon();
            case Checkpoint.Latest l -> new ReadStart.Latest();
            case Checkpoint.AtTimestamp at -> new ReadStart.AtTimestamp(at.timestamp());
            case Checkpoint.AtSequenceNumber at -> new ReadStart.AfterSequenceNumber(at.sequenceNumber());
            case Checkpoint.ShardEnd e -> throw new IllegalStateException("shard " + e + " has ended");
        };
    }

    /** One run of the shard: a reader thread and a pipeline, replaced as a whole after a failure. */
    private final class Session implements ShardPipeline.Listener {
        private final ReadStart start;
        /** Where this session's reading began: its start, or the time a LATEST start was first opened. */
        private volatile ReadStart origin;
        private final ShardPipeline<T> pipeline;
        private Thread reader;

        Session(ReadStart start) {
            this.start = start;
            this.origin = start;
            this.pipeline = new ShardPipeline<>(ctx, shardId, this);
        }

        void start() {
            pipeline.start();
            reader = Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-" + shardId + "-reader")
                    .start(this::read);
        }

        void halt() {
            pipeline.close();
            reader.interrupt();
        }

        void joinReader() throws InterruptedException {
            reader.join(READER_JOIN);
        }

        /** Where the next session starts: after the last done record, or where this one started. */
        ReadStart resumePoint() {
            String lastDone = pipeline.lastDone();
            return lastDone == null ? origin : new ReadStart.AfterSequenceNumber(lastDone);
        }

        @Override
        public void progressed(Checkpoint checkpoint) {
            committer.offer(checkpoint);
            caughtUp();
        }

        /** The session works: records finish, or nothing is left to do. A restart's problem is over. */
        private void caughtUp() {
            if (!progressSinceRestart) {
                progressSinceRestart = true;
                ctx.status().resolved(component);
            }
        }

        @Override
        public void failed(Throwable failure) {
            signals.add(new Failed(this, failure));
        }

        @Override
        public void lanesEnded() {
            signals.add(new LanesEnded(this));
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
                        FetchResult<T> result = shardReader.fetch(Math.min(room, MAX_FETCH));
                        if (failures > 0) {
                            failures = 0;
                            ctx.status().resolved(component + " reader");
                        }
                        ctx.metrics().polled.increment(result.records().size());
                        recordIteratorAge(result);
                        if (!deal(result, fetchStart)) {
                            return;
                        }
                        if (pipeline.inFlight() == 0) {
                            caughtUp();
                        }
                        if (!result.records().isEmpty()) {
                            from = new ReadStart.AfterSequenceNumber(result.records().getLast().sequenceNumber());
                        }
                        if (result.shardEnded()) {
                            return;
                        }
                        if (result.records().isEmpty() && !pipeline.pause(ctx.settings().idlePollInterval())) {
                            return;
                        }
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (Throwable e) {
                    if (Fatal.isFatal(e)) {
                        signals.add(new FatalError(e));
                        return;
                    }
                    if (pipeline.closed()) {
                        return;
                    }
                    failures++;
                    ctx.metrics().pollingErrors.increment();
                    health.failed(e);
                    ctx.status().problem(component + " reader", "PROBLEM: reading shard " + shardId + " failed: "
                            + Fatal.describe(e));
                    LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                            .addKeyValue("attempt", failures).setCause(e)
                            .log("reading the shard failed; reopening it after the last record read");
                    try {
                        if (!pipeline.pause(ctx.backoff().delay(failures))) {
                            return;
                        }
                    } catch (InterruptedException interrupted) {
                        return;
                    }
                }
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
}
