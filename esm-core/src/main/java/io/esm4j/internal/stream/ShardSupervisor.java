package io.esm4j.internal.stream;

import io.esm4j.internal.EngineThreads;
import io.esm4j.internal.FailureRun;
import io.esm4j.internal.MappingLogName;
import io.esm4j.internal.ThreadNotStarted;
import io.esm4j.internal.handler.Fatal;
import io.esm4j.lease.Checkpoint;
import io.esm4j.stream.ReadStart;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The supervisor thread of one {@link ShardWorker}: it runs the shard's {@link ShardSession}s one after the other,
 * replaces a session that fails outside the handler with a new one that starts after the last done record (with
 * backoff), and turns what the worker, its sessions and its {@link ShardCommitter} report (stop, shard end, lost
 * lease, fatal error) into the session's halt and the matching call to the worker's {@link ShardWorker.Owner}. It
 * exists so that the worker keeps only the lease's side (lost, asked for, handed back) while every decision about
 * sessions is made here, on this one thread, from one queue of signals.
 */
final class ShardSupervisor<T> {

    // The shard worker's log category, as before this class was split from it: log configurations keep working.
    private static final Logger LOG = LoggerFactory.getLogger(ShardWorker.class);

    private sealed interface Signal {}

    private record Failed(ShardSession<?> session, Throwable cause) implements Signal {}

    private record LanesEnded(ShardSession<?> session) implements Signal {}

    private record Stop() implements Signal {}

    private record Ended() implements Signal {}

    private record Lost(String reason) implements Signal {}

    private record FatalError(Throwable error) implements Signal {}

    private final StreamContext<T> ctx;
    private final ShardWorker<T> worker;
    private final ShardWorker.Owner owner;
    private final ShardCommitter committer;
    private final String shardId;
    private final String component;
    private final LinkedBlockingQueue<Signal> signals = new LinkedBlockingQueue<>();
    private Thread thread;
    private volatile ShardSession<T> current;
    private volatile boolean progressSinceRestart;

    // Supervisor thread only.
    private ShardSession<T> session;
    private boolean stopping;
    private boolean ended;
    private boolean restarting;
    private int failuresInARow;
    /** The same restarts, for the log: a store or source failing every session restarts it for as long as it does. */
    private final FailureRun restarts = new FailureRun();

    ShardSupervisor(StreamContext<T> ctx, ShardWorker<T> worker, ShardWorker.Owner owner, ShardCommitter committer) {
        this.ctx = ctx;
        this.worker = worker;
        this.owner = owner;
        this.committer = committer;
        this.shardId = worker.shardId();
        this.component = ShardProblems.worker(shardId);
    }

    /** @throws ThreadNotStarted if its thread could not start: nothing runs then */
    void start() {
        thread = EngineThreads.start(Thread.ofVirtual().name("esm4j-" + ctx.mappingName() + "-" + shardId),
                MappingLogName.bound(ctx.mappingName(), this::supervise));
    }

    /** Stop reading and forming batches; batches being invoked finish, failed ones are not retried. */
    void stop() {
        signals.add(new Stop());
    }

    /** The shard's end is checkpointed: the sessions stop, then the worker releases the lease. */
    void shardEndSaved() {
        signals.add(new Ended());
    }

    /** The lease is lost: stop at once and wind down (the worker counted the loss). */
    void leaseLost(String reason) {
        signals.add(new Lost(reason));
    }

    void fatal(Throwable error) {
        signals.add(new FatalError(error));
    }

    long inFlight() {
        ShardSession<T> session = current;
        return session == null ? 0 : session.inFlight();
    }

    boolean awaitTermination(Instant deadline) throws InterruptedException {
        Duration left = Duration.between(Instant.now(), deadline);
        return left.isPositive() && thread.join(left);
    }

    /** After the stop timeout: interrupts handlers still running. */
    void interruptHandlers() {
        ShardSession<T> session = current;
        if (session != null) {
            session.interruptHandlers();
        }
    }

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
        if (worker.markLeaseLost()) {
            // As after a lost lease: the next owner replays what is in flight, so nothing goes to the destination.
            owner.leaseLost(worker, "the shard worker failed: " + Fatal.describe(failure));
            try {
                windDown();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void superviseSessions() {
        ReadStart from = Checkpoints.readStart(worker.lease().current().checkpoint());
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
                            restartFailed(f.cause());
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
                                worker.release();
                                owner.shardEnded(worker);
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
                            worker.release();
                            owner.shardEnded(worker);
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
                        owner.leaseLost(worker, l.reason());
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
            owner.lostSessionEnded(worker);
        }
    }

    private void restartFailed(Throwable cause) {
        if (Fatal.isFatal(cause)) {
            signals.add(new FatalError(cause));
            return;
        }
        worker.health().restarted(cause);
        ctx.metrics().restarts.increment();
        ctx.status().problem(component, "PROBLEM: shard " + shardId + " restarted after a failure: "
                + Fatal.describe(cause));
        FailureRun.log(LOG, restarts.failed(), cause, true).addKeyValue("mapping", ctx.mappingName())
                .addKeyValue("shardId", shardId)
                .log("shard worker failed outside the handler; restarting after the last done record");
    }

    private ShardSession<T> startSession(ReadStart from) {
        ShardSession<T> started = new ShardSession<>(ctx, shardId, from, worker.health(), sessionEvents);
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
                int ended = restarts.succeeded();
                if (FailureRun.logRecovery(ended)) {
                    LOG.atInfo().addKeyValue("mapping", ctx.mappingName()).addKeyValue("shardId", shardId)
                            .addKeyValue("failuresInARow", ended).log("shard worker works again after restarts");
                }
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
            return worker.leaseWasLost();
        }
    };
}
