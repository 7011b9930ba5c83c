package io.esm4j.internal.stream;

import io.esm4j.internal.handler.Fatal;
import io.esm4j.lease.Checkpoint;
import io.esm4j.lease.Lease;
import io.esm4j.lease.LeaseWrite;
import io.esm4j.stream.ReadStart;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Processes one shard while this worker holds its lease, and supervises itself: a supervisor thread runs
 * {@link ShardSession}s and replaces one that fails outside the handler with a new one that starts after the last
 * done record, with backoff. Progress goes to a {@link ShardCommitter}. Every failure is counted, logged and shown
 * in the shard's status; only a fatal one stops the mapping.
 */
final class ShardWorker<T> {

    private static final Logger LOG = LoggerFactory.getLogger(ShardWorker.class);

    /** What a worker tells the engine that runs it. */
    interface Owner {
        /** The shard's end is checkpointed and its lease released: its children may start. */
        void shardEnded(ShardWorker<?> worker);

        /**
         * The lease is gone: the worker stopped reading and will write nothing more. Invocations it had started may
         * still run: {@link #lostSessionEnded} follows once they have ended.
         */
        void leaseLost(ShardWorker<?> worker, String reason);

        /**
         * After {@link #leaseLost}: the invocations of the worker's last session have ended, or were given up on
         * (see {@link ShardWorker#windDown}). Until then this process must not take the shard again.
         */
        void lostSessionEnded(ShardWorker<?> worker);

        /** A failure that retrying cannot heal: the mapping must stop. */
        void fatal(String shardId, Throwable error);

        /** Another worker asked for the lease: hand the shard over (called once per worker). */
        void handoffRequested(ShardWorker<?> worker, String requester);
    }

    private sealed interface Signal {}

    private record Failed(ShardSession<?> session, Throwable cause) implements Signal {}

    private record LanesEnded(ShardSession<?> session) implements Signal {}

    private record Stop() implements Signal {}

    private record Ended() implements Signal {}

    private record Lost(String reason) implements Signal {}

    private record FatalError(Throwable error) implements Signal {}

    private final StreamContext<T> ctx;
    private final HeldLease lease;
    private final String shardId;
    private final Owner owner;
    private final ShardHealth health;
    private final ShardCommitter committer;
    private final LinkedBlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private final String component;
    private Thread supervisor;
    private volatile ShardSession<T> current;
    private volatile boolean progressSinceRestart;
    /** Set once the lease is lost or handed back: later renewal failures are not a loss. */
    private final AtomicBoolean leaseGone = new AtomicBoolean();
    /**
     * Set once the lease is lost (not handed back), before the sessions hear of it: batches of this worker that run
     * out of retries or age from then on are left to the lease's next owner, not given up.
     */
    private volatile boolean leaseWasLost;
    private final AtomicBoolean handingOver = new AtomicBoolean();
    private final AtomicBoolean releaseStarted = new AtomicBoolean();
    private final AtomicBoolean finishStarted = new AtomicBoolean();
    private final CompletableFuture<ShardStopReport> finished = new CompletableFuture<>();

    ShardWorker(StreamContext<T> ctx, HeldLease lease, Owner owner) {
        this.ctx = ctx;
        this.lease = lease;
        this.shardId = lease.shardId();
        this.owner = owner;
        this.component = ShardProblems.worker(shardId);
        this.health = new ShardHealth(ctx.clock());
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
        ShardSession<T> session = current;
        return session == null ? 0 : session.inFlight();
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
            leaseWasLost = true;
            ctx.metrics().leasesLost.increment();
            signals.add(new Lost(reason));
        }
    }

    /**
     * The lease shows that {@code requester} asked for it (seen by the coordinator's listing or a renewal): the
     * engine hands the shard over once, unless the lease is gone already.
     */
    void handoffRequested(String requester) {
        if (!leaseGone.get() && handingOver.compareAndSet(false, true)) {
            owner.handoffRequested(this, requester);
        }
    }

    boolean awaitTermination(Instant deadline) throws InterruptedException {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isPositive() && supervisor.join(left);
    }

    /** After the stop timeout: interrupts handlers still running. */
    void interruptHandlers() {
        ShardSession<T> session = current;
        if (session != null) {
            session.interruptHandlers();
        }
    }

    /**
     * After a stop or a hand-off: writes the final checkpoint, hands the lease back and reports what is left. The
     * lease is released even if the checkpoint could not be written: the next worker then starts at once from the
     * last one written, instead of waiting out the failover time to do the same. Runs once: when a hand-off and the
     * mapping's stop both finish the shard, the second call waits for the first one's report.
     */
    ShardStopReport finish(Instant deadline) throws InterruptedException {
        if (!finishStarted.compareAndSet(false, true)) {
            try {
                long left = Math.max(1, Duration.between(Instant.now(), deadline).toMillis());
                return finished.get(left, TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return new ShardStopReport(shardId, committer.saved(), inFlight(), false, false);
            }
        }
        try {
            boolean saved = committer.flush(deadline);
            committer.close();
            boolean released = release();
            ShardStopReport report = new ShardStopReport(shardId, committer.saved(), inFlight(), saved, released);
            finished.complete(report);
            return report;
        } catch (Throwable e) {
            finished.completeExceptionally(e);
            throw e;
        }
    }

    /** Gives back a lease taken just as the mapping stopped, without starting anything. */
    void releaseUnstarted() {
        release();
    }

    /** Hands the lease back, once; true if the store took the release. */
    private boolean release() {
        leaseGone.set(true);
        if (!releaseStarted.compareAndSet(false, true)) {
            return false;
        }
        try {
            Lease held = lease.current();
            LeaseWrite result = ctx.leases().release(held);
            if (result instanceof LeaseWrite.Lost lost && lost.current() != null
                    && Objects.equals(held.owner(), lost.current().owner())
                    && lost.current().counter() > held.counter()) {
                // A renewal in flight moved the counter on in this worker's name: release that version.
                Lease renewed = lost.current();
                result = ctx.leases().release(renewed);
            }
            return result instanceof LeaseWrite.Written;
        } catch (Throwable e) {
            Fatal.rethrowIfFatal(e);
            LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId).setCause(e)
                    .log("releasing the lease failed; another worker takes it once it expires");
            return false;
        }
    }

    // Supervisor thread only.
    private ShardSession<T> session;
    private boolean stopping;
    private boolean ended;
    private boolean restarting;
    private int failuresInARow;

    /**
     * Runs the sessions; nothing that goes wrong here ends the thread unnoticed. A failure of the supervisor itself (a
     * bug, or a source call it makes) is reported and the lease given up as if lost: the shard stops reading, and once
     * its invocations have ended the lease, left standing, is taken again after FailoverTime (by this worker or
     * another), which starts a new shard worker after the last checkpoint.
     */
    private void supervise() {
        try {
            superviseSessions();
        } catch (Throwable e) {
            committer.close();
            if (session != null) {
                session.halt();
            }
            if (Fatal.isFatal(e)) {
                owner.fatal(shardId, e);
                return;
            }
            giveUp(e);
        }
    }

    private void giveUp(Throwable failure) {
        ctx.metrics().restarts.increment();
        ctx.status().problem(component, "PROBLEM: shard " + shardId + " restarted after its worker failed: "
                + Fatal.describe(failure));
        LOG.atError().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId).setCause(failure)
                .log("shard worker failed; giving the lease up: the shard is taken again after FailoverTime");
        if (leaseGone.compareAndSet(false, true)) {
            // As after a lost lease: the next owner replays what is in flight, so nothing goes to the destination.
            leaseWasLost = true;
            owner.leaseLost(this, "the shard worker failed: " + Fatal.describe(failure));
            try {
                windDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void superviseSessions() {
        ReadStart from = Checkpoints.readStart(lease.current().checkpoint());
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
                        windDown();
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

    /**
     * After a lost lease: waits for the invocations still running in the last session, so that this process does not
     * take the shard again while they run (they would overlap with the new session's). Bounded, so that a handler that
     * never returns does not keep the shard from this process for good: after FailoverTime (by when another worker may
     * have taken the lease anyway) the handlers are interrupted, as at a stop's timeout, and get the same grace.
     */
    private void windDown() throws InterruptedException {
        try {
            if (session != null && !session.awaitLanes(Instant.now().plus(ctx.settings().failoverTime()))) {
                session.interruptHandlers();
                if (!session.awaitLanes(Instant.now().plus(StreamEngine.INTERRUPT_GRACE))) {
                    LOG.atWarn().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                            .log("a handler of the lost lease's shard still runs after being interrupted; the shard "
                                    + "may be taken again while it runs");
                }
            }
        } finally {
            owner.lostSessionEnded(this);
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

    private ShardSession<T> startSession(ReadStart from) {
        ShardSession<T> started = new ShardSession<>(ctx, shardId, from, health, sessionEvents);
        current = started;
        started.start();
        return started;
    }

    private final ShardSession.Events sessionEvents = new ShardSession.Events() {
        @Override
        public void progressed(Checkpoint checkpoint) {
            committer.offer(checkpoint);
        }

        @Override
        public void healthy() {
            if (!progressSinceRestart) {
                progressSinceRestart = true;
                ctx.status().resolved(component);
            }
        }

        @Override
        public void failed(ShardSession<?> failedSession, Throwable failure) {
            signals.add(new Failed(failedSession, failure));
        }

        @Override
        public void lanesEnded(ShardSession<?> endedSession) {
            signals.add(new LanesEnded(endedSession));
        }

        @Override
        public void fatal(Throwable error) {
            signals.add(new FatalError(error));
        }

        @Override
        public boolean leaseLost() {
            return leaseWasLost;
        }
    };
}
